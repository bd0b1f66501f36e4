import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { buildKillPayload, queenKill } from "./kill.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

Deno.test('kill payload is {"kill":"<id>"} plus a newline (20 bytes for worker-1)', () => {
  assert.equal(buildKillPayload(" worker-1 "), '{"kill":"worker-1"}\n');
  assert.equal(buildKillPayload("worker-1").length, 20);
});

Deno.test("bad worker ids are refused before sending", async () => {
  const backend = new FakeBackend();
  for (const id of ["", "  ", "a/b", 'w"1', "w\\1", ".."]) {
    await assert.rejects(queenKill(backend, DEFAULTS, id), ValidationError, id);
  }
  assert.deepEqual(backend.calls, []);
});

Deno.test("queenKill ECHOes to /queen/ctl and audits like Python", async () => {
  const backend = new FakeBackend();
  const audit = new CohesixAudit();
  await queenKill(backend, DEFAULTS, "worker-1", { audit });
  assert.deepEqual(backend.calls, ['ECHO /queen/ctl {"kill":"worker-1"}']);
  assert.deepEqual(audit.lines, [
    "OK ECHO path=/queen/ctl bytes=20",
    "kill requested worker_id=worker-1",
  ]);
});
