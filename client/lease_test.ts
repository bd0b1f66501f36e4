import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { buildSpawnPayload, gpuLease } from "./lease.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

const bytes = (text: string) => new TextEncoder().encode(text).length;

Deno.test("spawn payloads match the §4.3 worked examples", () => {
  const golden = buildSpawnPayload(
    { gpuId: "GPU-0", memMb: 4096, streams: 2, ttlS: 120, priority: 1 },
    DEFAULTS,
  );
  assert.equal(
    golden,
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}}\n',
  );
  assert.equal(bytes(golden), 94);
  const defaulted = buildSpawnPayload(
    { gpuId: "GPU-0", memMb: 4096, streams: 1, ttlS: 60 },
    DEFAULTS,
  );
  assert.ok(defaulted.includes('"priority":0}'));
  assert.equal(bytes(defaulted), 93);
  const budget = buildSpawnPayload(
    { gpuId: "GPU-0", memMb: 4096, streams: 1, ttlS: 60, budgetTtlS: 30, budgetOps: 5 },
    DEFAULTS,
  );
  assert.ok(budget.endsWith(',"budget":{"ttl_s":30,"ops":5}}\n'));
  assert.equal(bytes(budget), 123);
  const opsOnly = buildSpawnPayload(
    { gpuId: "GPU-0", memMb: 1, streams: 1, ttlS: 1, budgetOps: 7 },
    DEFAULTS,
  );
  assert.ok(opsOnly.endsWith(',"budget":{"ops":7}}\n'));
  assert.equal(
    bytes(buildSpawnPayload({ gpuId: "GPU-1", memMb: 2048, streams: 1, ttlS: 300 }, DEFAULTS)),
    94,
  );
});

Deno.test("integer arguments are range-checked with clear messages", () => {
  const base = { gpuId: "GPU-0", memMb: 4096, streams: 1, ttlS: 60 };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ streams: 300 }, /streams must be an integer in 0\.\.=255/],
    [{ streams: -1 }, /streams/],
    [{ memMb: 2 ** 32 }, /mem_mb must be an integer in 0\.\.=4294967295/],
    [{ ttlS: 1.5 }, /ttl_s/],
    [{ priority: 256 }, /priority must be an integer in 0\.\.=255/],
    [{ budgetOps: -3 }, /budget_ops/],
    [{ budgetTtlS: Number.NaN }, /budget_ttl_s/],
  ];
  for (const [patch, message] of cases) {
    assert.throws(
      () => buildSpawnPayload({ ...base, ...patch } as typeof base, DEFAULTS),
      (error: unknown) => error instanceof ValidationError && message.test(error.message),
      JSON.stringify(patch),
    );
  }
  // Zero is in range (the Queen, not the client, refuses it), as in coh.
  assert.ok(buildSpawnPayload({ ...base, streams: 0 }, DEFAULTS).includes('"streams":0'));
});

Deno.test("gpu ids with JSON-breaking characters are refused", () => {
  for (const gpuId of ['GPU"0', "GPU\\0", "GPU\n0", "  "]) {
    assert.throws(
      () => buildSpawnPayload({ gpuId, memMb: 1, streams: 1, ttlS: 1 }, DEFAULTS),
      ValidationError,
    );
  }
});

Deno.test("gpuLease ECHOes to /queen/ctl and audits like coh", async () => {
  const backend = new FakeBackend();
  const audit = new CohesixAudit();
  await gpuLease(
    backend,
    DEFAULTS,
    { gpuId: "GPU-0", memMb: 4096, streams: 2, ttlS: 120, priority: 1 },
    { audit },
  );
  assert.deepEqual(backend.calls, [
    'ECHO /queen/ctl {"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}}',
  ]);
  assert.deepEqual(audit.lines, [
    "OK ECHO path=/queen/ctl bytes=94",
    "lease requested gpu_id=GPU-0 mem_mb=4096 streams=2 ttl_s=120",
  ]);
  await gpuLease(backend, DEFAULTS, { gpuId: "GPU-1", memMb: 1, streams: 1, ttlS: 1 });
  assert.equal(audit.lines.length, 2, "no audit, no lines");
  assert.equal(backend.calls.length, 2);
});

Deno.test("a payload above the console ECHO cap is refused before sending", async () => {
  const backend = new FakeBackend();
  await assert.rejects(
    gpuLease(backend, DEFAULTS, {
      gpuId: "G".repeat(40),
      memMb: 4096,
      streams: 1,
      ttlS: 60,
      budgetTtlS: 1e15,
      budgetOps: 1e15,
    }),
    ValidationError,
  );
  assert.deepEqual(backend.calls, []);
});
