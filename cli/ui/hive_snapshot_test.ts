import assert from "node:assert/strict";
import { utf8Length } from "../../core/paths.ts";
import { HIVE_BUDGETS } from "./hive_budgets.ts";
import {
  budgetTelemetry,
  isReadAudit,
  parseKeyValues,
  parseLeaseLine,
  renderBreadcrumb,
} from "./hive_snapshot.ts";

Deno.test("telemetry keeps the last 50 lines (detail_lines), empty lines dropped", () => {
  const lines = Array.from({ length: 60 }, (_, i) => `l${i}`);
  const kept = budgetTelemetry(["", ...lines, "  "], HIVE_BUDGETS);
  assert.equal(kept.length, 50);
  assert.equal(kept[0], "l10");
  assert.equal(kept[49], "l59");
});

Deno.test("each line is cut to 160 bytes (line_cap_bytes) on a character boundary", () => {
  const [exact] = budgetTelemetry(["a".repeat(160)], HIVE_BUDGETS);
  assert.equal(exact, "a".repeat(160));
  const [cut] = budgetTelemetry(["a".repeat(159) + "é" + "b"], HIVE_BUDGETS);
  assert.equal(cut, "a".repeat(159), "the 2-byte é does not fit in the last byte");
});

Deno.test("a worker keeps at most 2 KiB (per_worker_bytes): the oldest lines go first", () => {
  const lines = Array.from({ length: 20 }, (_, i) => String(i).padStart(3, "0") + "x".repeat(125));
  const kept = budgetTelemetry(lines, HIVE_BUDGETS);
  const total = kept.reduce((sum, line) => sum + utf8Length(line), 0);
  assert.equal(kept.length, 16, "16 × 128 bytes = 2048 fit exactly");
  assert.equal(total, 2048);
  assert.ok(kept[0]!.startsWith("004"));
  const one = budgetTelemetry([...lines, "y"], HIVE_BUDGETS);
  assert.equal(one.length, 16);
  assert.ok(one[0]!.startsWith("005"), "one byte over drops one more old line");
});

Deno.test("key=value files, lease lines, breadcrumbs and read audits", () => {
  assert.deepEqual(parseKeyValues("active=1 draining=0\n"), { active: "1", draining: "0" });
  assert.deepEqual(
    parseLeaseLine(
      '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":1,"ttl_s":60,"priority":0}',
    ),
    { state: "ACTIVE", workerId: "worker-1", memMb: 4096, streams: 1, ttlS: 60, priority: 0 },
  );
  assert.equal(parseLeaseLine("not json"), null);
  assert.equal(parseLeaseLine('{"state":"ACTIVE"}'), null);
  assert.equal(
    renderBreadcrumb(
      '{"schema":"gpu-breadcrumb/v1","event":"EXIT","command":"echo ok","status":"OK","exit_code":0}',
      160,
    ),
    "EXIT echo ok OK exit=0",
  );
  assert.equal(renderBreadcrumb("x".repeat(200), 160), "x".repeat(160));
  assert.ok(isReadAudit("[INFO audit] console: cat /proc/boot"));
  assert.ok(!isReadAudit("[INFO audit] console: echo /queen/ctl bytes=19"));
  assert.ok(!isReadAudit("user line cat /x"));
});
