import { strict as assert } from "node:assert";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError, TicketError, ValidationError } from "../core/errors.ts";
import {
  bytesToHex,
  checkTicketClaimLimits,
  decodeClaims,
  encodeClaims,
  normalizeRole,
  parseTicket,
  type TicketClaims,
  type TicketScope,
  validateTicketForRole,
} from "./ticket.ts";

// PROTOCOL.md §8.6, verbatim.
const WORKER_VECTOR =
  "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16";
const QUEEN_VECTOR =
  "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1";
const GPU_VECTOR =
  "cohesix-ticket-01020e4000000000000000780000000000000005006770752d610068e5cf8b01000000000000.352524c5ddeca8645d57fc94b60d2395db923b9700efb3549aaef6ce6d77aaac";
const SCOPED_VECTOR =
  "cohesix-ticket-0101380800776f726b65722d310068e5cf8b010000000000000105002f70726f6300000000000010000000000000000000000a000000.9c500deff1b42d7d8e7aaf58092dac3aa470475a809cad1ba90ee7cf51c8b089";
const VECTORS = [WORKER_VECTOR, QUEEN_VECTOR, GPU_VECTOR, SCOPED_VECTOR];

const ISSUED = 1700000000000n;
const FAKE_MAC = "ab".repeat(32);

function claimsHexOf(ticket: string): string {
  return ticket.slice("cohesix-ticket-".length, ticket.indexOf("."));
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** A ticket with the given claims and a MAC no one checks (clients cannot). */
function unsignedTicket(claims: TicketClaims): string {
  return `cohesix-ticket-${bytesToHex(encodeClaims(claims))}.${FAKE_MAC}`;
}

function workerClaims(overrides: Partial<TicketClaims> = {}): TicketClaims {
  return {
    version: 1,
    role: "worker-heartbeat",
    ticks: 1000n,
    ops: 10000n,
    ttlS: 300n,
    subject: "worker-1",
    issuedAtMs: ISSUED,
    mountService: "",
    mountAt: "",
    ...overrides,
  };
}

function throwsTicket(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TicketError, `expected TicketError, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("normalizeRole accepts every role in any case, the worker alias and padding", () => {
  assert.equal(normalizeRole("queen"), "queen");
  assert.equal(normalizeRole("QUEEN"), "queen");
  assert.equal(normalizeRole("worker"), "worker-heartbeat");
  assert.equal(normalizeRole(" Worker "), "worker-heartbeat");
  assert.equal(normalizeRole("worker-heartbeat"), "worker-heartbeat");
  assert.equal(normalizeRole("Worker-GPU"), "worker-gpu");
  assert.equal(normalizeRole("worker-bus"), "worker-bus");
  assert.equal(normalizeRole("worker-lora"), "worker-lora");
});

Deno.test("normalizeRole refuses unknown roles, prototype keys included", () => {
  for (const role of ["drone", "", "workers", "constructor", "__proto__", "worker_gpu"]) {
    assert.throws(() => normalizeRole(role), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.ok(error.message.startsWith(`unknown role '${role}'`), error.message);
      return true;
    });
  }
});

Deno.test("decodeClaims reads the worker vector field by field", () => {
  const { claims } = parseTicket(WORKER_VECTOR);
  assert.deepEqual(claims, workerClaims());
});

Deno.test("decodeClaims reads the queen, gpu and scoped vectors", () => {
  assert.deepEqual(parseTicket(QUEEN_VECTOR).claims, {
    version: 1,
    role: "queen",
    issuedAtMs: ISSUED,
    mountService: "",
    mountAt: "",
  });
  assert.deepEqual(parseTicket(GPU_VECTOR).claims, {
    version: 1,
    role: "worker-gpu",
    ops: 64n,
    ttlS: 120n,
    subject: "gpu-a",
    issuedAtMs: ISSUED,
    mountService: "",
    mountAt: "",
  });
  assert.deepEqual(parseTicket(SCOPED_VECTOR).claims, {
    version: 1,
    role: "worker-heartbeat",
    subject: "worker-1",
    issuedAtMs: ISSUED,
    mountService: "",
    mountAt: "",
    scopes: [{ path: "/proc", verb: "read", ratePerS: 0 }],
    quotas: { bandwidthBytes: 4096n, cursorResumes: 0, cursorAdvances: 10 },
  });
});

Deno.test("encodeClaims reproduces every vector's claims bytes exactly", () => {
  for (const vector of VECTORS) {
    const parsed = parseTicket(vector);
    assert.equal(bytesToHex(encodeClaims(parsed.claims)), claimsHexOf(vector));
    assert.equal(bytesToHex(parsed.claimsBytes), claimsHexOf(vector));
    assert.equal(bytesToHex(parsed.mac), vector.slice(vector.indexOf(".") + 1));
  }
});

Deno.test("encodeClaims round-trips mounts, every verb and large integers", () => {
  const claims = workerClaims({
    role: "worker-lora",
    ticks: (1n << 64n) - 1n,
    mountService: "svc",
    mountAt: "/mnt/ü",
    scopes: [
      { path: "/a", verb: "read", ratePerS: 1 },
      { path: "/b", verb: "write", ratePerS: 0xffff_ffff },
      { path: "/c", verb: "read-write", ratePerS: 0 },
    ],
    quotas: { bandwidthBytes: 0n, cursorResumes: 0, cursorAdvances: 0 },
  });
  assert.deepEqual(decodeClaims(encodeClaims(claims)), claims);
});

Deno.test("encodeClaims omits an empty scope list as the Rust encoder does", () => {
  const withEmpty = encodeClaims(workerClaims({ scopes: [] }));
  assert.deepEqual(withEmpty, encodeClaims(workerClaims()));
  assert.equal(withEmpty[2], 0x0f);
});

Deno.test("encodeClaims refuses values the layout cannot carry", () => {
  throwsTicket(
    () => encodeClaims(workerClaims({ subject: "x".repeat(256) })),
    "ticket string field too large",
  );
  assert.equal(
    decodeClaims(encodeClaims(workerClaims({ subject: "x".repeat(255) }))).subject?.length,
    255,
  );
  const scopes: TicketScope[] = Array.from({ length: 17 }, (_, i) => ({
    path: `/s${i}`,
    verb: "read",
    ratePerS: 0,
  }));
  throwsTicket(() => encodeClaims(workerClaims({ scopes })), "ticket scope count exceeds max");
  assert.throws(() => encodeClaims(workerClaims({ ops: -1n })), TicketError);
  assert.throws(() => encodeClaims(workerClaims({ ops: 1n << 64n })), TicketError);
  assert.throws(
    () => encodeClaims(workerClaims({ scopes: [{ path: "/", verb: "read", ratePerS: 2 ** 32 }] })),
    TicketError,
  );
});

Deno.test("parseTicket accepts upper-case hex", () => {
  const upper = `cohesix-ticket-${claimsHexOf(WORKER_VECTOR).toUpperCase()}.${
    WORKER_VECTOR.slice(WORKER_VECTOR.indexOf(".") + 1).toUpperCase()
  }`;
  const parsed = parseTicket(upper);
  assert.deepEqual(parsed.claims, parseTicket(WORKER_VECTOR).claims);
  assert.deepEqual(parsed.mac, parseTicket(WORKER_VECTOR).mac);
});

Deno.test("parseTicket reports each text-form problem with the Python message", () => {
  const claims = claimsHexOf(WORKER_VECTOR);
  throwsTicket(() => parseTicket("garbage-ticket"), "ticket missing cohesix-ticket prefix");
  throwsTicket(
    () => parseTicket(`COHESIX-TICKET-${claims}.${FAKE_MAC}`),
    "ticket missing cohesix-ticket prefix",
  );
  throwsTicket(
    () => parseTicket(`cohesix-ticket-${claims}${FAKE_MAC}`),
    "ticket missing mac separator",
  );
  throwsTicket(
    () => parseTicket(`cohesix-ticket-${claims}0.${FAKE_MAC}`),
    "ticket hex decode failed",
  );
  throwsTicket(
    () => parseTicket(`cohesix-ticket-zz${claims}.${FAKE_MAC}`),
    "ticket hex decode failed",
  );
  throwsTicket(
    () => parseTicket(`cohesix-ticket-${claims}.${FAKE_MAC}.00`),
    "ticket hex decode failed",
  );
  throwsTicket(
    () => parseTicket(`cohesix-ticket-${claims}.${"ab".repeat(31)}`),
    "ticket mac length invalid",
  );
  throwsTicket(
    () => parseTicket(`cohesix-ticket-${claims}.${"ab".repeat(33)}`),
    "ticket mac length invalid",
  );
});

Deno.test("decodeClaims reports each layout problem with the Python message", () => {
  const worker = hexBytes(claimsHexOf(WORKER_VECTOR));
  const withByte = (at: number, value: number) => {
    const copy = worker.slice();
    copy[at] = value;
    return copy;
  };
  throwsTicket(() => decodeClaims(withByte(0, 2)), "ticket version unsupported");
  throwsTicket(() => decodeClaims(withByte(0, 0)), "ticket version unsupported");
  throwsTicket(() => decodeClaims(withByte(1, 5)), "ticket role unsupported");
  throwsTicket(
    () => decodeClaims(new Uint8Array([...worker, 0])),
    "ticket payload has trailing data",
  );
  // Subject length 0x0100 (256) at offset 27.
  throwsTicket(() => decodeClaims(withByte(28, 1)), "ticket string field too large");
  const badUtf8 = worker.slice();
  badUtf8.set([0xc3, 0x28], 29);
  throwsTicket(() => decodeClaims(badUtf8), "ticket string field not UTF-8");
});

Deno.test("decodeClaims reports truncation at every cut of every vector", () => {
  for (const vector of VECTORS) {
    const bytes = hexBytes(claimsHexOf(vector));
    for (let length = 0; length < bytes.length; length++) {
      throwsTicket(() => decodeClaims(bytes.subarray(0, length)), "ticket payload truncated");
    }
  }
});

Deno.test("decodeClaims refuses more than 16 scopes and unknown scope verbs", () => {
  const scoped = hexBytes(claimsHexOf(SCOPED_VECTOR));
  // Scope count sits right after the two empty mount strings.
  const countAt = 2 + 1 + 2 + 8 + 8 + 2 + 2;
  assert.equal(scoped[countAt], 1);
  const tooMany = scoped.slice();
  tooMany[countAt] = 17;
  throwsTicket(() => decodeClaims(tooMany), "ticket scope count exceeds max");
  const badVerb = scoped.slice();
  badVerb[countAt + 1 + 2 + 5] = 3;
  throwsTicket(() => decodeClaims(badVerb), "ticket scope verb unsupported");
});

Deno.test("decodeClaims ignores unknown flag bits, as upstream decoders do", () => {
  const queen = hexBytes(claimsHexOf(QUEEN_VECTOR));
  queen[2] = 0x80;
  assert.equal(decodeClaims(queen).role, "queen");
});

Deno.test("validateTicketForRole: queen ticket is optional and decoded when present", () => {
  assert.equal(validateTicketForRole("queen", undefined), undefined);
  assert.equal(validateTicketForRole("queen", null), undefined);
  assert.equal(validateTicketForRole("queen", ""), undefined);
  assert.equal(validateTicketForRole("QUEEN", " \t "), undefined);
  assert.equal(validateTicketForRole("queen", `  ${QUEEN_VECTOR}\n`), QUEEN_VECTOR);
  throwsTicket(
    () => validateTicketForRole("queen", "garbage-ticket"),
    "ticket missing cohesix-ticket prefix",
  );
});

Deno.test("validateTicketForRole: worker roles need a matching ticket with a subject", () => {
  assert.equal(validateTicketForRole("worker", WORKER_VECTOR), WORKER_VECTOR);
  assert.equal(validateTicketForRole("worker-heartbeat", SCOPED_VECTOR), SCOPED_VECTOR);
  assert.equal(validateTicketForRole("worker-gpu", GPU_VECTOR), GPU_VECTOR);
  throwsTicket(
    () => validateTicketForRole("worker-gpu", undefined),
    "ticket payload is required (hint: mint one with: cohsh --mint-ticket --role worker-gpu --ticket-subject <id>)",
  );
  throwsTicket(
    () => validateTicketForRole("worker", GPU_VECTOR),
    "ticket role worker-gpu does not match requested role worker-heartbeat",
  );
  throwsTicket(
    () => validateTicketForRole("worker-bus", QUEEN_VECTOR),
    "ticket role queen does not match requested role worker-bus",
  );
  for (const subject of [undefined, ""]) {
    const claims = workerClaims();
    const { subject: _, ...withoutSubject } = claims;
    const ticket = unsignedTicket(subject === undefined ? withoutSubject : { ...claims, subject });
    assert.throws(() => validateTicketForRole("worker", ticket), (error: unknown) => {
      assert.ok(error instanceof TicketError);
      assert.ok(error.message.startsWith("ticket missing required subject identity"));
      return true;
    });
  }
  assert.throws(() => validateTicketForRole("pilot", WORKER_VECTOR), ValidationError);
});

Deno.test("validateTicketForRole: console.max_ticket_len is 224, counted after trimming", () => {
  // Ticket length is 80 + 2 × claims length, and these claims are 41 bytes + the subject:
  // subject 31 gives 224, 32 gives 226.
  const atLimit = unsignedTicket(workerClaims({ subject: "s".repeat(31) }));
  const overLimit = unsignedTicket(workerClaims({ subject: "s".repeat(32) }));
  assert.equal(atLimit.length, 224);
  assert.equal(overLimit.length, 226);
  assert.equal(validateTicketForRole("worker", ` ${atLimit} `), atLimit);
  for (const ticket of [overLimit, "x".repeat(225)]) {
    assert.throws(() => validateTicketForRole("worker", ticket), (error: unknown) => {
      assert.ok(error instanceof LimitError);
      assert.equal(error.limit, "console.max_ticket_len");
      assert.equal(error.max, 224);
      assert.ok(error.message.startsWith("ticket payload exceeds 224 bytes"));
      return true;
    });
  }
  const tighter = { ...DEFAULTS, console: { ...DEFAULTS.console, maxTicketLen: 200 } };
  assert.throws(() => validateTicketForRole("worker", atLimit, tighter), LimitError);
});

Deno.test("ticket errors never echo the ticket text", () => {
  const claims = claimsHexOf(WORKER_VECTOR);
  const bad = [
    `cohesix-ticket-${claims}.${"ab".repeat(31)}`,
    `cohesix-ticket-${claims}00.${FAKE_MAC}`,
    `cohesix-ticket-${claims.slice(0, -2)}.${FAKE_MAC}`,
    "x".repeat(300),
    GPU_VECTOR,
  ];
  for (const ticket of bad) {
    assert.throws(() => validateTicketForRole("worker", ticket), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.ok(!error.message.includes(claims.slice(0, 20)), error.message);
      assert.ok(!error.message.includes("ab".repeat(8)), error.message);
      assert.ok(!error.message.includes("xxxxxxxx"), error.message);
      return true;
    });
  }
});

Deno.test("checkTicketClaimLimits accepts the vectors and claims at every limit", () => {
  for (const vector of VECTORS) {
    assert.equal(checkTicketClaimLimits(parseTicket(vector).claims), undefined);
  }
  const atLimits = workerClaims({
    scopes: Array.from({ length: 8 }, (_, i) => ({
      path: i === 0 ? `/${"p".repeat(127)}` : `/s${i}`,
      verb: "read" as const,
      ratePerS: 64,
    })),
    quotas: { bandwidthBytes: 131072n, cursorResumes: 16, cursorAdvances: 256 },
  });
  assert.equal(checkTicketClaimLimits(atLimits, DEFAULTS.ticketLimits), undefined);
});

Deno.test("checkTicketClaimLimits names the first limit one past its value", () => {
  const scope = (path: string, ratePerS = 0): TicketScope => ({ path, verb: "read", ratePerS });
  const cases: Array<[Partial<TicketClaims>, string]> = [
    [{ scopes: Array.from({ length: 9 }, (_, i) => scope(`/s${i}`)) }, "max_scopes"],
    [{ scopes: [scope(`/${"p".repeat(128)}`)] }, "max_scope_path_len"],
    [{ scopes: [scope("proc")] }, "absolute"],
    [{ scopes: [scope("/proc/../queen")] }, "'..'"],
    [{ scopes: [scope("/proc", 65)] }, "max_scope_rate_per_s"],
    [
      { quotas: { bandwidthBytes: 131073n, cursorResumes: 0, cursorAdvances: 0 } },
      "bandwidth_bytes",
    ],
    [{ quotas: { bandwidthBytes: 0n, cursorResumes: 17, cursorAdvances: 0 } }, "cursor_resumes"],
    [{ quotas: { bandwidthBytes: 0n, cursorResumes: 0, cursorAdvances: 257 } }, "cursor_advances"],
  ];
  for (const [overrides, expected] of cases) {
    const problem = checkTicketClaimLimits(workerClaims(overrides));
    assert.ok(problem?.includes(expected), `${expected}: ${problem}`);
  }
});

Deno.test("checkTicketClaimLimits treats a limit of 0 as unlimited", () => {
  const unlimited = {
    ...DEFAULTS.ticketLimits,
    maxScopeRatePerS: 0,
    bandwidthBytes: 0,
    cursorResumes: 0,
    cursorAdvances: 0,
  };
  const claims = workerClaims({
    scopes: [{ path: "/proc", verb: "read", ratePerS: 1000 }],
    quotas: { bandwidthBytes: 1n << 40n, cursorResumes: 1000, cursorAdvances: 1000 },
  });
  assert.notEqual(checkTicketClaimLimits(claims), undefined);
  assert.equal(checkTicketClaimLimits(claims, unlimited), undefined);
});
