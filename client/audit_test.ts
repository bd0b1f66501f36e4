import assert from "node:assert/strict";
import { ValidationError } from "../core/errors.ts";
import { CohesixAudit, normalizeTranscript, toTranscript } from "./audit.ts";

Deno.test("pushAck renders OK/ERR case-insensitively and omits an empty detail", () => {
  const audit = new CohesixAudit();
  audit.pushAck("ok", "LS", "path=/gpu");
  audit.pushAck("Err", "RUN", "reason=command exited with code 1");
  audit.pushAck("OK", "ECHO");
  audit.pushAck("OK", "CAT", "");
  assert.deepEqual(audit.lines, [
    "OK LS path=/gpu",
    "ERR RUN reason=command exited with code 1",
    "OK ECHO",
    "OK CAT",
  ]);
});

Deno.test("pushAck refuses any other status", () => {
  const audit = new CohesixAudit();
  assert.throws(() => audit.pushAck("WARN", "LS"), ValidationError);
  assert.throws(() => audit.pushAck("", "LS"), ValidationError);
  assert.deepEqual(audit.lines, []);
});

Deno.test("pushLine and extend append in order", () => {
  const audit = new CohesixAudit();
  audit.pushLine("gpu: none");
  audit.extend(["a", "b"]);
  audit.extend(new Set(["c"]));
  assert.deepEqual(audit.lines, ["gpu: none", "a", "b", "c"]);
});

Deno.test("normalizeTranscript keeps END and OK/ERR lines except AUTH ones", () => {
  const lines = [
    "OK AUTH",
    "ERR AUTH reason=bad",
    "OK ATTACH role=queen",
    "gpu id=GPU-0 name=x",
    "OKAY not an ack",
    "ERR ECHO reason=policy",
    "END",
    " END",
    "ok LS lowercase",
    "OK LS path=/gpu",
  ];
  assert.deepEqual(normalizeTranscript(lines), [
    "OK ATTACH role=queen",
    "ERR ECHO reason=policy",
    "END",
    "OK LS path=/gpu",
  ]);
});

Deno.test("toTranscript joins kept lines with a final newline", () => {
  const audit = new CohesixAudit();
  audit.pushAck("OK", "LS", "path=/gpu");
  audit.pushLine("gpu: none");
  audit.pushAck("OK", "CAT", "path=/x");
  assert.equal(audit.toTranscript(), "OK LS path=/gpu\nOK CAT path=/x\n");
  assert.equal(toTranscript(["human only"]), "\n");
});
