import assert from "node:assert/strict";
import { parseAck, parseAckFields, renderAck, serverErrorFields } from "./ack.ts";
import { readRecording } from "../tests/fixtures.ts";

const SCENARIOS = [
  "auth_bad_token",
  "errors_attach",
  "errors_paths",
  "gpu_lease",
  "gpu_list",
  "gpu_status_after_run",
  "gpu_status_empty",
  "run_echo_ok",
  "session_basics",
  "telemetry_pull",
  "telemetry_push_new_device",
  "telemetry_push_second",
  "unattached_verb",
  "worker_list_kill",
];

function recordedServerLines(): string[] {
  const lines: string[] = [];
  for (const scenario of SCENARIOS) {
    for (const event of readRecording(scenario)) {
      if ("text" in event && event.dir === "s2c") lines.push(event.text);
    }
  }
  return lines;
}

/** `key=value` tokens as a reader would pick them by eye: the token after `key=` to a space. */
function tokenValue(line: string, key: string): string | undefined {
  const match = new RegExp(`(?:^| )${key}=(\\S*)`).exec(line);
  return match?.[1];
}

Deno.test("every ack line in the live recordings parses and round-trips", () => {
  const acks = recordedServerLines().filter((l) => l.startsWith("OK ") || l.startsWith("ERR "));
  assert.ok(acks.length > 40, `only ${acks.length} ack lines found`);
  for (const line of acks) {
    const ack = parseAck(line);
    assert.ok(ack !== undefined, line);
    assert.equal(ack.status, line.startsWith("OK ") ? "OK" : "ERR");
    assert.equal(ack.label, line.split(" ")[1]);
    assert.equal(renderAck(ack.status, ack.label, ack.detail), line);
    for (const key of ["path", "entries", "bytes", "role", "reason", "id"]) {
      const expected = tokenValue(ack.detail, key);
      // `data=…` runs to the end of the line, so later `key=` text belongs to it.
      const inData = ack.fields.data !== undefined &&
        ack.detail.indexOf(`${key}=`) > ack.detail.indexOf("data=");
      if (expected !== undefined && !inData) assert.equal(ack.fields[key], expected, line);
    }
    if (ack.status === "ERR") {
      const fields = serverErrorFields(ack);
      assert.equal(fields.line, line);
      assert.equal(fields.label, ack.label);
      assert.ok(fields.reason !== undefined, line);
    }
  }
});

Deno.test("body lines of the live recordings are not acks", () => {
  const bodies = recordedServerLines().filter((l) => !l.startsWith("OK ") && !l.startsWith("ERR "));
  assert.ok(bodies.includes("END") && bodies.includes("PONG"));
  for (const line of bodies) assert.equal(parseAck(line), undefined, line);
});

Deno.test("values with spaces: error=, detail= and data= keep them", () => {
  const cat = parseAck(
    "ERR CAT reason=policy detail=invalid-path path=/gpu/bridge/info error=invalid path",
  )!;
  assert.deepEqual(serverErrorFields(cat), {
    label: "CAT",
    line: cat.line,
    reason: "policy",
    detail: "invalid-path",
    path: "/gpu/bridge/info",
    error: "invalid path",
  });
  const parse = parseAck("ERR PARSE reason=policy detail=argument path exceeds allowed length")!;
  assert.equal(parse.fields.detail, "argument path exceeds allowed length");
  const data = parseAck('OK CAT path=/log/queen.log data=pp-probe: a  b "q" > c')!;
  assert.equal(data.fields.data, 'pp-probe: a  b "q" > c');
  assert.equal(parseAck("OK CAT path=/x data=")!.fields.data, "");
});

Deno.test("PROTOCOL Appendix A.4 error lines", () => {
  const cases: [string, Record<string, string>][] = [
    ["ERR LS reason=policy detail=unauthenticated", {
      reason: "policy",
      detail: "unauthenticated",
    }],
    ["ERR PARSE reason=policy detail=unsupported console command", {
      reason: "policy",
      detail: "unsupported console command",
    }],
    ["ERR PARSE reason=policy detail=empty command", { reason: "policy", detail: "empty command" }],
    ["ERR FRAME reason=invalid-length", { reason: "invalid-length" }],
    ["ERR ATTACH reason=policy detail=invalid-role", { reason: "policy", detail: "invalid-role" }],
    ["ERR ATTACH reason=policy detail=denied", { reason: "policy", detail: "denied" }],
    ["ERR ATTACH reason=quota detail=throttled delay_ms=250", {
      reason: "quota",
      detail: "throttled",
      delay_ms: "250",
    }],
    ["ERR ATTACH reason=quota detail=rate-limited delay_ms=90000", {
      reason: "quota",
      detail: "rate-limited",
      delay_ms: "90000",
    }],
    ["ERR ATTACH reason=quota detail=expired", { reason: "quota", detail: "expired" }],
    ["ERR ATTACH reason=quota detail=invalid-claims", {
      reason: "quota",
      detail: "invalid-claims",
    }],
    ["ERR LS reason=policy path=/log error=EPERM", {
      reason: "policy",
      path: "/log",
      error: "EPERM",
    }],
    ["ERR LS reason=cut detail=root-unreachable", { reason: "cut", detail: "root-unreachable" }],
    ["ERR TAIL reason=policy detail=invalid-path path=/proc/boot", {
      reason: "policy",
      detail: "invalid-path",
      path: "/proc/boot",
    }],
    ["ERR LS reason=quota detail=buffer-full path=/shard error=buffer full", {
      reason: "quota",
      detail: "buffer-full",
      path: "/shard",
      error: "buffer full",
    }],
    ["OK KILL id=worker-3", { id: "worker-3" }],
    ["ERR KILL reason=policy detail=invalid-path error=invalid path", {
      reason: "policy",
      detail: "invalid-path",
      error: "invalid path",
    }],
  ];
  for (const [line, fields] of cases) {
    const ack = parseAck(line);
    assert.ok(ack !== undefined, line);
    assert.deepEqual({ ...ack.fields }, fields, line);
  }
});

Deno.test("truncated detail: ERR LS reason=policy with a trailing space", () => {
  const ack = parseAck("ERR LS reason=policy ")!;
  assert.equal(ack.label, "LS");
  assert.equal(ack.detail, "reason=policy ");
  assert.deepEqual({ ...ack.fields }, { reason: "policy" });
  const fields = serverErrorFields(ack);
  assert.equal(fields.path, undefined);
  assert.equal(fields.error, undefined);
  assert.equal(renderAck("ERR", "LS", ack.detail), "ERR LS reason=policy ");
  assert.equal(parseAck("OK SPAWN payload=")!.fields.payload, "");
});

Deno.test("not acks: bare status, lowercase, missing label", () => {
  for (const line of ["OK", "ERR", "OK ", "ok LS", "OKAY LS", "END", "PONG", ""]) {
    assert.equal(parseAck(line), undefined, JSON.stringify(line));
  }
  assert.equal(parseAck("OK AUTH")!.detail, "");
  assert.deepEqual(parseAckFields(""), {});
});

Deno.test("error= runs to the end of the line, even over text that looks like fields", () => {
  const ack = parseAck("ERR ECHO reason=quota path=/x error=over budget: limit=4 used=5 detail=y")!;
  assert.equal(ack.fields.error, "over budget: limit=4 used=5 detail=y");
  assert.equal(ack.fields.limit, undefined);
  assert.equal(ack.fields.detail, undefined);
  assert.equal(ack.fields.reason, "quota");
});
