import assert from "node:assert/strict";
import { AttachGuard } from "./attach_guard.ts";
import { QUEEN_LIMITS } from "./queen_limits.ts";

Deno.test("back-off doubles per consecutive failure, capped, and a success resets it", () => {
  const guard = new AttachGuard();
  assert.equal(guard.backoffRemaining(0), 0);
  guard.recordFailure(1_000_000);
  assert.equal(guard.backoffRemaining(1_000_000), 250);
  assert.equal(guard.backoffRemaining(1_000_250), 0);
  // Spread failures beyond the rate window so only the back-off grows.
  let now = 1_000_000;
  for (let k = 2; k <= 12; k++) {
    now += 200_000;
    guard.recordFailure(now);
    assert.equal(guard.backoffRemaining(now), 250 * 2 ** Math.min(k - 1, 8), `k=${k}`);
  }
  guard.recordSuccess();
  assert.equal(guard.backoffRemaining(now), 0);
});

Deno.test("the third failure within the window is rate-limited for 90000 ms", () => {
  const guard = new AttachGuard();
  assert.deepEqual(guard.recordFailure(0), { kind: "denied" });
  assert.deepEqual(guard.recordFailure(1000), { kind: "denied" });
  assert.deepEqual(guard.recordFailure(2000), { kind: "rate-limited", delayMs: 90_000 });
  assert.deepEqual(guard.recordFailure(5390), { kind: "rate-limited", delayMs: 86_610 });
  // After the block, failures are counted afresh.
  assert.deepEqual(guard.recordFailure(100_000), { kind: "denied" });
});

Deno.test("failures outside the window do not add up", () => {
  const guard = new AttachGuard(QUEEN_LIMITS);
  assert.deepEqual(guard.recordFailure(0), { kind: "denied" });
  assert.deepEqual(guard.recordFailure(70_000), { kind: "denied" });
  assert.deepEqual(guard.recordFailure(80_000), { kind: "denied" });
  assert.deepEqual(guard.recordFailure(81_000), { kind: "rate-limited", delayMs: 90_000 });
});
