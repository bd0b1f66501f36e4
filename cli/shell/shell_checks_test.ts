import assert from "node:assert/strict";
import {
  bindPayload,
  checkPath,
  checkStringField,
  killPayload,
  LIFECYCLE_COMMANDS,
  lifecycleCommand,
  lifecycleState,
  mountPayload,
  msizeOverflowPayload,
  normalizeShellPayload,
  parseEcho,
  parseUnsigned,
  roleLabel,
  spawnPayload,
} from "./shell_checks.ts";
import { attachedLine, renderAckLine, roleDebugName } from "./render.ts";
import { checkAttachTicket } from "./attach_ticket.ts";
import { parseSelftestOptions } from "./selftest.ts";
import { mintTicketForRole } from "../../wire/ticket_mint.ts";

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (caught) {
    return (caught as { summary?: string; message: string }).summary ??
      (caught as Error).message;
  }
  throw new Error("no error");
}

Deno.test("paths: cohsh's checks and texts, sent as typed", () => {
  assert.equal(checkPath("//proc//boot/"), "//proc//boot/");
  assert.equal(error(() => checkPath("proc")), "paths must be absolute");
  assert.equal(error(() => checkPath("/proc/../x")), "path component '..' is not permitted");
  assert.equal(error(() => checkPath("/./x")), "path component '.' is not permitted");
  assert.equal(error(() => checkPath("/a\0b")), "path component contains NUL byte");
  assert.equal(checkPath("/1/2/3/4/5/6/7/8"), "/1/2/3/4/5/6/7/8");
  assert.equal(
    error(() => checkPath("/1/2/3/4/5/6/7/8/9")),
    "path exceeds maximum depth of 8 components",
  );
});

Deno.test("string fields and echo payloads", () => {
  assert.equal(error(() => checkStringField("", "worker id")), "worker id must not be empty");
  for (const bad of ['a"b', "a\\b", "a\tb"]) {
    assert.equal(
      error(() => checkStringField(bad, "gpu_id")),
      "gpu_id contains unsupported character",
    );
  }
  assert.equal(normalizeShellPayload(`  "  spaced  "  `), "  spaced  ");
  assert.equal(normalizeShellPayload("'x'"), "x");
  assert.equal(normalizeShellPayload('"'), '"');
  assert.equal(error(() => normalizeShellPayload("   ")), "payload must not be empty");
  assert.deepEqual(parseEcho(" hi > /log/queen.log "), { payload: "hi", path: "/log/queen.log" });
  assert.equal(error(() => parseEcho(" a>b > /x")), "paths must be absolute");
  assert.equal(error(() => parseEcho(" hi")), "echo requires syntax: echo <text> > <path>");
});

Deno.test("{{msize_overflow}} expands to 8256 bytes with its newline; any echo text containing it", () => {
  const payload = msizeOverflowPayload();
  assert.equal(payload.length + 1, 8256);
  assert.match(
    payload,
    /^\{"spawn":"gpu","lease":\{"gpu_id":"X{8172}","mem_mb":1,"streams":1,"ttl_s":1,"priority":1\}\}$/,
  );
  assert.equal(parseEcho(" pre {{msize_overflow}} post > /queen/ctl").payload, payload);
  // The frame: 4-byte header + `ECHO /queen/ctl ` + payload = 8275 bytes, as recorded.
  assert.equal(4 + "ECHO /queen/ctl ".length + payload.length, 8275);
});

Deno.test("spawn: cohsh's JSON layouts, option rules and error texts", () => {
  assert.equal(spawnPayload(["heartbeat", "ticks=5"]), '{"spawn":"heartbeat","ticks":5}');
  assert.equal(
    spawnPayload(["Worker", "TICKS=5", "ttl_s=30", "ops=7"]),
    '{"spawn":"heartbeat","ticks":5,"budget":{"ttl_s":30,"ops":7}}',
  );
  assert.equal(
    spawnPayload(["heartbeat", "ticks=+2", "ops=1"]),
    '{"spawn":"heartbeat","ticks":2,"budget":{"ops":1}}',
  );
  assert.equal(
    spawnPayload(["gpu", "gpu_id=GPU-1", "mem_mb=2048", "streams=1", "ttl_s=60"]),
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":2048,"streams":1,"ttl_s":60}}',
  );
  assert.equal(
    spawnPayload([
      "worker-gpu",
      "gpu_id=G",
      "mem_mb=1",
      "streams=2",
      "ttl_s=3",
      "priority=4",
      "budget_ops=5",
    ]),
    '{"spawn":"gpu","lease":{"gpu_id":"G","mem_mb":1,"streams":2,"ttl_s":3,"priority":4},"budget":{"ops":5}}',
  );
  assert.equal(error(() => spawnPayload([])), "spawn requires a role");
  assert.equal(error(() => spawnPayload(["bogus"])), "unknown spawn role 'bogus'");
  assert.equal(error(() => spawnPayload(["bogus", "x"])), "invalid option 'x': expected key=value");
  assert.equal(
    error(() => spawnPayload(["heartbeat", "ticks="])),
    "invalid option 'ticks=': expected key=value",
  );
  assert.equal(
    error(() => spawnPayload(["heartbeat", "ticks=1", "TICKS=2"])),
    "duplicate option 'TICKS=2'",
  );
  assert.equal(error(() => spawnPayload(["heartbeat"])), "missing required option 'ticks'");
  assert.equal(
    error(() => spawnPayload(["heartbeat", "ticks=-1"])),
    "invalid ticks '-1': invalid digit found in string",
  );
  assert.equal(
    error(() => spawnPayload(["gpu", "gpu_id=G", "mem_mb=1", "streams=300", "ttl_s=1"])),
    "invalid streams '300': number too large to fit in target type",
  );
  assert.equal(
    error(() => spawnPayload(["heartbeat", "ticks=1", "zeta=1", "alpha=2"])),
    "unknown spawn options: alpha, zeta",
  );
  assert.equal(
    error(() => spawnPayload(["gpu", 'gpu_id=a"b'])),
    "gpu_id contains unsupported character",
  );
  assert.equal(parseUnsigned("18446744073709551615", "u64"), 18446744073709551615n);
});

Deno.test("kill, bind, mount: payloads and errors", () => {
  assert.equal(killPayload(["worker-2"]), '{"kill":"worker-2"}');
  assert.equal(error(() => killPayload([])), "kill requires a worker id");
  assert.equal(error(() => killPayload(["a", "b"])), "kill takes exactly one argument: worker id");
  assert.equal(bindPayload(["/shard", "/tmp/x"]), '{"bind":{"from":"/shard","to":"/tmp/x"}}');
  assert.equal(error(() => bindPayload([])), "bind requires a source path");
  assert.equal(error(() => bindPayload(["/a"])), "bind requires a destination path");
  assert.equal(
    error(() => bindPayload(["/a", "/b", "/c"])),
    "bind takes exactly two arguments: src dst",
  );
  assert.equal(
    error(() => bindPayload(["/proc/../boot", "/tmp"])),
    "path component '..' is not permitted",
  );
  assert.equal(
    mountPayload(["logs", "/tmp/logs"]),
    '{"mount":{"service":"logs","at":"/tmp/logs"}}',
  );
  assert.equal(error(() => mountPayload(["logs"])), "mount requires a destination path");
  assert.equal(
    error(() => mountPayload(['lo"gs', "/x"])),
    "service name contains unsupported character",
  );
});

Deno.test("lifecycle: the transition table, the state line, the errors", () => {
  const allowed = (command: string) =>
    ["BOOTING", "DEGRADED", "ONLINE", "DRAINING", "QUIESCED", "OFFLINE"].filter((state) =>
      LIFECYCLE_COMMANDS[command]!(state)
    );
  assert.deepEqual(allowed("cordon"), ["DEGRADED", "ONLINE"]);
  assert.deepEqual(allowed("drain"), ["DRAINING"]);
  assert.deepEqual(allowed("resume"), ["BOOTING", "DEGRADED", "DRAINING", "QUIESCED", "OFFLINE"]);
  assert.deepEqual(allowed("quiesce"), ["DEGRADED", "ONLINE", "DRAINING"]);
  assert.deepEqual(allowed("reset"), ["DEGRADED", "ONLINE", "DRAINING", "QUIESCED", "OFFLINE"]);
  assert.equal(lifecycleState(["x", "state=QUIESCED"]), "QUIESCED");
  assert.equal(
    error(() => lifecycleState(["state=weird"])),
    "lifecycle state not found at /proc/lifecycle/state",
  );
  assert.equal(
    error(() => lifecycleCommand([])),
    "lifecycle requires a command: cordon|drain|resume|quiesce|reset",
  );
  assert.equal(error(() => lifecycleCommand(["Cordon"])), "unknown lifecycle command 'Cordon'");
});

Deno.test("roles: case-insensitive labels, the worker alias, Debug names", () => {
  assert.equal(roleLabel("QUEEN"), "queen");
  assert.equal(roleLabel("worker"), "worker-heartbeat");
  assert.equal(error(() => roleLabel("king")), "unknown role 'king'");
  // An Object.prototype member is not a role.
  assert.equal(error(() => roleLabel("constructor")), "unknown role 'constructor'");
  assert.equal(roleDebugName("worker-gpu"), "WorkerGpu");
  assert.equal(attachedLine(2, "queen"), "attached session SessionId(2) as Queen");
  assert.equal(renderAckLine("OK", "ECHO", "path=/x bytes=1 "), "OK ECHO path=/x bytes=1");
  assert.equal(renderAckLine("OK", "AUTH", ""), "OK AUTH");
});

Deno.test("attach tickets: cohsh's client-side checks", () => {
  assert.equal(checkAttachTicket("queen", undefined), undefined);
  assert.equal(
    error(() => checkAttachTicket("worker-heartbeat", undefined)),
    "role WorkerHeartbeat requires a non-empty ticket payload",
  );
  assert.equal(
    error(() => checkAttachTicket("queen", "nope")),
    "ticket is not a valid claims token: ticket missing prefix",
  );
  assert.equal(
    error(() => checkAttachTicket("queen", "x".repeat(225))),
    "ticket payload exceeds 224 bytes",
  );
  const gpu = mintTicketForRole("worker-gpu", { secret: "worker-gpu", subject: "w1" });
  assert.equal(
    error(() => checkAttachTicket("worker-heartbeat", gpu)),
    "ticket role WorkerGpu does not match requested role WorkerHeartbeat",
  );
  assert.equal(checkAttachTicket("worker-gpu", ` ${gpu} `), gpu);
});

Deno.test("test options: cohsh's rules and texts", () => {
  assert.deepEqual(parseSelftestOptions([]), {
    mode: "quick",
    json: false,
    timeoutS: 30,
    noMutate: false,
  });
  assert.deepEqual(
    parseSelftestOptions(["--mode=full", "--timeout", "120", "--json", "--no-mutate"]),
    {
      mode: "full",
      json: true,
      timeoutS: 120,
      noMutate: true,
    },
  );
  assert.equal(error(() => parseSelftestOptions(["--mode"])), "--mode requires quick or full");
  assert.equal(
    error(() => parseSelftestOptions(["--mode", "slow"])),
    "unsupported mode 'slow' (expected quick|full)",
  );
  assert.equal(
    error(() => parseSelftestOptions(["--timeout"])),
    "--timeout requires a value in seconds",
  );
  assert.equal(
    error(() => parseSelftestOptions(["--timeout=x"])),
    "--timeout requires a numeric value in seconds",
  );
  assert.equal(
    error(() => parseSelftestOptions(["--timeout=121"])),
    "--timeout exceeds max of 120s",
  );
  assert.equal(error(() => parseSelftestOptions(["-v"])), "unknown test option '-v'");
});
