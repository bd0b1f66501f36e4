import { strict as assert } from "node:assert";
import { TicketError, ValidationError } from "../core/errors.ts";
import { bytesToHex, parseTicket, type TicketClaims, validateTicketForRole } from "./ticket.ts";
import {
  deriveTicketKey,
  mintTicket,
  mintTicketForRole,
  ticketBudgetForRole,
  verifyTicket,
} from "./ticket_mint.ts";

const ISSUED = 1700000000000n;

// PROTOCOL.md §8.6, verbatim: [secret, claims, ticket].
const VECTORS: ReadonlyArray<readonly [string, TicketClaims, string]> = [
  [
    "worker",
    {
      version: 1,
      role: "worker-heartbeat",
      ticks: 1000n,
      ops: 10000n,
      ttlS: 300n,
      subject: "worker-1",
      issuedAtMs: ISSUED,
      mountService: "",
      mountAt: "",
    },
    "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16",
  ],
  [
    "bootstrap",
    { version: 1, role: "queen", issuedAtMs: ISSUED, mountService: "", mountAt: "" },
    "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1",
  ],
  [
    "worker-gpu",
    {
      version: 1,
      role: "worker-gpu",
      ops: 64n,
      ttlS: 120n,
      subject: "gpu-a",
      issuedAtMs: ISSUED,
      mountService: "",
      mountAt: "",
    },
    "cohesix-ticket-01020e4000000000000000780000000000000005006770752d610068e5cf8b01000000000000.352524c5ddeca8645d57fc94b60d2395db923b9700efb3549aaef6ce6d77aaac",
  ],
  [
    "worker",
    {
      version: 1,
      role: "worker-heartbeat",
      subject: "worker-1",
      issuedAtMs: ISSUED,
      mountService: "",
      mountAt: "",
      scopes: [{ path: "/proc", verb: "read", ratePerS: 0 }],
      quotas: { bandwidthBytes: 4096n, cursorResumes: 0, cursorAdvances: 10 },
    },
    "cohesix-ticket-0101380800776f726b65722d310068e5cf8b010000000000000105002f70726f6300000000000010000000000000000000000a000000.9c500deff1b42d7d8e7aaf58092dac3aa470475a809cad1ba90ee7cf51c8b089",
  ],
];

Deno.test("deriveTicketKey is BLAKE3 of the secret (PROTOCOL.md §8.6)", () => {
  assert.equal(
    bytesToHex(deriveTicketKey("worker")),
    "88d82e8abd979fbb217f37f22fcbf9a603fa1b8f46cfd84697ccea6030fc8412",
  );
  assert.equal(
    bytesToHex(deriveTicketKey(new TextEncoder().encode("bootstrap"))),
    "de0162bd1dabcd7cb1b6ed299b7eff5b7ac5cf2c4a3b087d046c7b6a81c16ac8",
  );
});

Deno.test("mintTicket reproduces all four §8.6 vectors exactly", () => {
  for (const [secret, claims, expected] of VECTORS) {
    assert.equal(mintTicket(claims, secret), expected);
  }
});

Deno.test("verifyTicket accepts each vector under its secret and returns its claims", () => {
  for (const [secret, claims, ticket] of VECTORS) {
    assert.deepEqual(verifyTicket(ticket, secret), claims);
    assert.deepEqual(
      verifyTicket(
        ` ${ticket.toUpperCase().replace("COHESIX-TICKET-", "cohesix-ticket-")}\n`,
        secret,
      ),
      claims,
    );
  }
});

Deno.test("verifyTicket refuses a wrong secret, including another role's", () => {
  for (const [secret, , ticket] of VECTORS) {
    for (const other of ["bootstrap", "worker", "worker-gpu", "worker-bus", "", "Worker"]) {
      if (other === secret) continue;
      assert.equal(verifyTicket(ticket, other), undefined, `${secret} ticket under ${other}`);
    }
  }
});

Deno.test("verifyTicket refuses tampered claims and a tampered MAC", () => {
  const [secret, , ticket] = VECTORS[0]!;
  const dot = ticket.indexOf(".");
  // Every single-character change of the claims hex breaks the MAC (or the layout).
  for (let i = "cohesix-ticket-".length; i < dot; i++) {
    const digit = ticket[i] === "0" ? "1" : "0";
    const tampered = ticket.slice(0, i) + digit + ticket.slice(i + 1);
    assert.equal(verifyTicket(tampered, secret), undefined, `position ${i}`);
  }
  const lastMacDigit = ticket.at(-1) === "6" ? "7" : "6";
  assert.equal(verifyTicket(ticket.slice(0, -1) + lastMacDigit, secret), undefined);
});

Deno.test("verifyTicket refuses malformed text instead of throwing", () => {
  for (const text of ["", "garbage-ticket", "cohesix-ticket-01.00", "cohesix-ticket-zz.00"]) {
    assert.equal(verifyTicket(text, "worker"), undefined);
  }
});

Deno.test("a re-signed ticket with another role verifies, so callers must compare roles", () => {
  const [, claims] = VECTORS[0]!;
  const asGpu = mintTicket({ ...claims, role: "worker-gpu" }, "worker");
  assert.equal(verifyTicket(asGpu, "worker")?.role, "worker-gpu");
  assert.throws(() => validateTicketForRole("worker", asGpu), /does not match requested role/);
});

Deno.test("mintTicketForRole uses cohsh's budgets for every role", () => {
  assert.deepEqual(ticketBudgetForRole("queen"), {});
  assert.deepEqual(ticketBudgetForRole("worker-gpu"), { ops: 64n, ttlS: 120n });
  for (const role of ["worker-heartbeat", "worker-bus", "worker-lora"] as const) {
    assert.deepEqual(ticketBudgetForRole(role), { ticks: 1000n, ops: 10000n, ttlS: 300n });
  }
  assert.equal(
    mintTicketForRole("worker", { secret: "worker", subject: "worker-1", issuedAtMs: ISSUED }),
    VECTORS[0]![2],
  );
  assert.equal(
    mintTicketForRole("Queen", { secret: "bootstrap", issuedAtMs: ISSUED }),
    VECTORS[1]![2],
  );
  assert.equal(
    mintTicketForRole("worker-gpu", {
      secret: "worker-gpu",
      subject: "gpu-a",
      issuedAtMs: Number(ISSUED),
    }),
    VECTORS[2]![2],
  );
  const lora = mintTicketForRole("worker-lora", {
    secret: "worker-lora",
    subject: "l1",
    issuedAtMs: 5,
  });
  assert.deepEqual(verifyTicket(lora, "worker-lora"), {
    version: 1,
    role: "worker-lora",
    ticks: 1000n,
    ops: 10000n,
    ttlS: 300n,
    subject: "l1",
    issuedAtMs: 5n,
    mountService: "",
    mountAt: "",
  });
});

Deno.test("mintTicketForRole stamps the current Unix time by default", () => {
  const before = BigInt(Date.now());
  const ticket = mintTicketForRole("queen", { secret: "bootstrap" });
  const after = BigInt(Date.now());
  const issued = parseTicket(ticket).claims.issuedAtMs;
  assert.ok(issued >= before && issued <= after, `${issued} not in [${before}, ${after}]`);
});

Deno.test("mintTicketForRole needs a subject for worker roles and a known role", () => {
  for (const subject of [undefined, "", "  "]) {
    assert.throws(
      () =>
        mintTicketForRole("worker-bus", {
          secret: "worker-bus",
          ...(subject === undefined ? {} : { subject }),
        }),
      (error: unknown) =>
        error instanceof TicketError &&
        error.message.startsWith("role worker-bus requires a ticket subject"),
    );
  }
  assert.throws(() => mintTicketForRole("drone", { secret: "x", subject: "s" }), ValidationError);
});

Deno.test("minted worker tickets pass the client-side attach check", () => {
  for (const role of ["worker", "worker-gpu", "worker-bus", "worker-lora"]) {
    const ticket = mintTicketForRole(role, { secret: role, subject: "node-7" });
    assert.equal(validateTicketForRole(role, ticket), ticket);
    assert.match(ticket, /^cohesix-ticket-[0-9a-f]+\.[0-9a-f]{64}$/);
  }
});
