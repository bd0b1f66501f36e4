import assert from "node:assert/strict";
import { MockBackend } from "../backends/mock.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { ValidationError } from "../core/errors.ts";
import { FakeBackend } from "../tests/fake_backend.ts";
import { CohesixAudit } from "./audit.ts";
import { buildHeartbeatSpawnPayload, spawnHeartbeat } from "./worker_spawn.ts";

Deno.test("heartbeat spawn payload is cohsh's (61 bytes for ticks=5 ttl_s=30 ops=7)", () => {
  const json = buildHeartbeatSpawnPayload({ ticks: 5, budgetTtlS: 30, budgetOps: 7 }, DEFAULTS);
  assert.equal(json, '{"spawn":"heartbeat","ticks":5,"budget":{"ttl_s":30,"ops":7}}\n');
  assert.equal(json.length - 1, 61);
  assert.equal(
    buildHeartbeatSpawnPayload({ ticks: 1 }, DEFAULTS),
    '{"spawn":"heartbeat","ticks":1}\n',
  );
});

Deno.test("bad ticks are refused before sending", async () => {
  const backend = new FakeBackend();
  for (const ticks of [-1, 1.5, Number.NaN]) {
    await assert.rejects(spawnHeartbeat(backend, DEFAULTS, { ticks }), ValidationError);
  }
  assert.deepEqual(backend.calls, []);
});

Deno.test("spawnHeartbeat ECHOes to /queen/ctl, audits, and the Queen adds a worker", async () => {
  await using backend = new MockBackend({ seed: "queen" });
  const audit = new CohesixAudit();
  await spawnHeartbeat(backend, DEFAULTS, { ticks: 5 }, { audit });
  assert.deepEqual(backend.namespace.workers(), ["worker-1"]);
  assert.deepEqual(audit.lines, [
    "OK ECHO path=/queen/ctl bytes=32",
    "spawn requested role=heartbeat ticks=5",
  ]);
});
