import assert from "node:assert/strict";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import {
  buildTelemetryCtlPayload,
  buildTelemetryRecord,
  buildTelemetryRecords,
  telemetryRecordCap,
  validateMime,
} from "./telemetry_records.ts";

/** The upstream 4096-byte split, without the console's ECHO cap (as cohsh/Python compute it). */
const WIDE: CohesixDefaults = {
  ...DEFAULTS,
  console: { ...DEFAULTS.console, maxEchoLen: 1 << 20 },
};

function payloads(records: string[]): string {
  return records.map((r) => JSON.parse(r).payload).join("");
}

Deno.test("ctl payloads have the §4.6 sizes", () => {
  assert.equal(buildTelemetryCtlPayload("text/plain"), '{"new":"segment","mime":"text/plain"}\n');
  assert.equal(buildTelemetryCtlPayload("text/plain").length, 38);
  assert.equal(buildTelemetryCtlPayload("application/json").length, 44);
  assert.equal(buildTelemetryCtlPayload("application/x-ndjson").length, 48);
  assert.equal(buildTelemetryCtlPayload("text/csv").length, 36);
  for (const bad of ["", "text plain", 'a"b', "été"]) {
    assert.throws(() => validateMime(bad), ValidationError, bad);
  }
});

Deno.test("the demo payload is one 124-byte record, as live", () => {
  const text = "telemetry demo line 1\ntelemetry demo line 2\n";
  const records = buildTelemetryRecords(text, "text/plain", DEFAULTS);
  assert.deepEqual(records, [
    '{"schema":"cohsh-telemetry-push/v1","seq":1,"mime":"text/plain","payload":"telemetry demo line 1\\ntelemetry demo line 2\\n"}\n',
  ]);
  assert.equal(records[0]!.length, 124);
  assert.equal(buildTelemetryRecord("cohsh-telemetry-push/v1", 1, "text/plain", "").length, 78);
});

Deno.test("4096-byte split: 5000×x → 4096 + 1060 bytes", () => {
  const records = buildTelemetryRecords("x".repeat(5000), "text/plain", WIDE);
  assert.deepEqual(records.map((r) => r.length), [4096, 1060]);
  assert.deepEqual(records.map((r) => JSON.parse(r).payload.length), [4018, 982]);
  assert.deepEqual(records.map((r) => JSON.parse(r).seq), [1, 2]);
});

Deno.test("4096-byte split: 1000×line\\n → 4096 + 2060 bytes", () => {
  const records = buildTelemetryRecords("line\n".repeat(1000), "text/plain", WIDE);
  assert.deepEqual(records.map((r) => r.length), [4096, 2060]);
  assert.deepEqual(records.map((r) => JSON.parse(r).payload.length), [3349, 1651]);
  assert.equal(payloads(records), "line\n".repeat(1000));
});

Deno.test("over the console every record fits one ECHO (≤ max_echo_len + 1)", () => {
  assert.deepEqual(telemetryRecordCap(DEFAULTS), { max: 129, limit: "console.max_echo_len" });
  assert.deepEqual(telemetryRecordCap(WIDE), {
    max: 4096,
    limit: "telemetry_push.max_record_bytes",
  });
  const text = "x".repeat(5000);
  const records = buildTelemetryRecords(text, "text/plain", DEFAULTS);
  for (const record of records) assert.ok(record.length <= 129);
  assert.equal(records[0]!.length, 129);
  assert.equal(payloads(records), text);
  assert.deepEqual(records.map((r) => JSON.parse(r).seq), records.map((_, i) => i + 1));
});

Deno.test("non-ASCII text becomes \\uXXXX, is never split inside a character, round-trips", () => {
  const text = "a€\n".repeat(40) + "😀".repeat(30) + "é";
  const records = buildTelemetryRecords(text, "text/plain", DEFAULTS);
  for (const record of records) {
    assert.match(record, /^[\x20-\x7e]*\n$/);
    assert.ok(record.length <= 129);
    // A record never ends on half a surrogate pair.
    assert.ok(!/\\ud83d"}\n$/.test(record), record);
  }
  assert.equal(payloads(records), text);
});

Deno.test("a record that cannot hold even one character fails naming the bound", () => {
  assert.throws(
    () => buildTelemetryRecords("x", "text/" + "p".repeat(60), DEFAULTS),
    (e: unknown) => e instanceof LimitError && e.limit === "console.max_echo_len" && e.max === 129,
  );
});
