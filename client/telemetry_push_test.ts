import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError, OperationError, ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { telemetryPush } from "./telemetry_push.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

const DEMO = "telemetry demo line 1\ntelemetry demo line 2\n";
const RECORD =
  '{"schema":"cohsh-telemetry-push/v1","seq":1,"mime":"text/plain","payload":"telemetry demo line 1\\ntelemetry demo line 2\\n"}';

/** A namespace whose ctl creates the next segment and points `latest` at it, as the Queen. */
function queenLike(existing: number): FakeBackend {
  const backend = new FakeBackend();
  let counter = existing;
  backend.onWrite = (path) => {
    const match = /^\/queen\/telemetry\/([^/]+)\/ctl$/.exec(path);
    if (!match) return;
    counter += 1;
    const seg = `seg-${String(counter).padStart(6, "0")}`;
    backend.put(`/queen/telemetry/${match[1]}/seg/${seg}`, "");
    backend.put(`/queen/telemetry/${match[1]}/latest`, `${seg}\n`);
  };
  return backend;
}

Deno.test("push follows cohsh's wire sequence and audits like Python", async () => {
  const backend = queenLike(0);
  const audit = new CohesixAudit();
  const result = await telemetryPush(backend, DEFAULTS, "device-1", DEMO, { audit });
  assert.deepEqual(result, { deviceId: "device-1", segId: "seg-000001", records: 1, bytes: 124 });
  assert.deepEqual(backend.calls, [
    'ECHO /queen/telemetry/device-1/ctl {"new":"segment","mime":"text/plain"}',
    "CAT /queen/telemetry/device-1/latest",
    `ECHO /queen/telemetry/device-1/seg/seg-000001 ${RECORD}`,
  ]);
  assert.deepEqual(audit.lines, [
    "OK ECHO path=/queen/telemetry/device-1/ctl bytes=38",
    "OK ECHO path=/queen/telemetry/device-1/seg/seg-000001 bytes=124",
    "telemetry push device=device-1 seg_id=seg-000001 records=1 bytes=124",
  ]);
});

Deno.test("records go to the segment named by latest, not the last existing one", async () => {
  const backend = queenLike(2);
  backend.put("/queen/telemetry/device-1/seg/seg-000001", "old\n");
  backend.put("/queen/telemetry/device-1/seg/seg-000002", "old\n");
  const result = await telemetryPush(backend, DEFAULTS, "device-1", "x".repeat(120), {
    mime: "application/json",
  });
  assert.equal(result.segId, "seg-000003");
  assert.equal(result.records, 3);
  const writes = backend.calls.filter((c) => c.startsWith("ECHO /queen/telemetry/device-1/seg/"));
  assert.equal(writes.length, 3);
  for (const write of writes) {
    assert.ok(write.startsWith("ECHO /queen/telemetry/device-1/seg/seg-000003 "));
  }
  assert.ok(backend.calls[0]!.endsWith('{"new":"segment","mime":"application/json"}'));
  const stored = new TextDecoder().decode(
    backend.files.get("/queen/telemetry/device-1/seg/seg-000003"),
  );
  assert.equal(
    stored.split("\n").filter(Boolean).map((l) => JSON.parse(l).payload).join(""),
    "x".repeat(120),
  );
  assert.equal(result.bytes, new TextEncoder().encode(stored).length);
});

Deno.test("bytes payloads must be UTF-8", async () => {
  const backend = queenLike(0);
  const result = await telemetryPush(backend, DEFAULTS, "d", new TextEncoder().encode("héllo"));
  assert.equal(result.records, 1);
  await assert.rejects(
    telemetryPush(backend, DEFAULTS, "d", new Uint8Array([0xff, 0xfe])),
    OperationError,
  );
});

Deno.test("refused pushes send nothing (no empty segment is created)", async () => {
  const backend = queenLike(0);
  const cases: [string, string, RegExp | typeof LimitError][] = [
    ["", DEMO, /telemetry device id must not be empty/],
    ["a/b", DEMO, /must not contain '\/'/],
    ['d"1', DEMO, /unsupported character/],
    ["d 1", DEMO, /whitespace/],
    ["device-1", "", /telemetry payload is empty/],
    ["device-1", "x".repeat(20000), LimitError],
  ];
  for (const [device, payload, expected] of cases) {
    await assert.rejects(telemetryPush(backend, DEFAULTS, device, payload), expected as RegExp);
  }
  await assert.rejects(
    telemetryPush(backend, DEFAULTS, "device-1", DEMO, { mime: "bad mime" }),
    ValidationError,
  );
  assert.deepEqual(backend.calls, []);
});

Deno.test("the total is checked against max_bytes_per_segment", async () => {
  const backend = queenLike(0);
  // 20000 chars split into ~51-char records at 129 bytes each is well above 32768.
  await assert.rejects(
    telemetryPush(backend, DEFAULTS, "device-1", "x".repeat(20000)),
    (e: unknown) =>
      e instanceof LimitError && e.limit === "telemetry_ingest.max_bytes_per_segment" &&
      e.max === 32768,
  );
  const ok = await telemetryPush(backend, DEFAULTS, "device-1", "x".repeat(10000));
  assert.ok(ok.bytes <= 32768);
});

Deno.test("a latest file with no segment id fails after the ctl write", async () => {
  const backend = new FakeBackend();
  backend.put("/queen/telemetry/device-1/latest", "\n \n");
  await assert.rejects(
    telemetryPush(backend, DEFAULTS, "device-1", DEMO),
    /telemetry push could not resolve latest segment id/,
  );
  assert.equal(backend.calls.length, 2);
});

Deno.test("a latest file of several lines names its last segment", async () => {
  const backend = new FakeBackend();
  backend.onWrite = (path) => {
    if (path !== "/queen/telemetry/device-1/ctl") return;
    backend.put("/queen/telemetry/device-1/seg/seg-000002", "");
    backend.put("/queen/telemetry/device-1/latest", "seg-000001\nseg-000002\n\n");
  };
  const result = await telemetryPush(backend, DEFAULTS, "device-1", "hello");
  assert.equal(result.segId, "seg-000002");
  assert.ok(backend.calls.at(-1)!.startsWith("ECHO /queen/telemetry/device-1/seg/seg-000002 "));
});
