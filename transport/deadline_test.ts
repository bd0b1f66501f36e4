import assert from "node:assert/strict";
import { Deadline } from "./deadline.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("a deadline that passes runs its callback once", async () => {
  const deadline = new Deadline();
  let fired = 0;
  deadline.arm(5, () => fired++);
  await sleep(40);
  assert.equal(fired, 1);
  deadline.stop();
});

/** Runs `body` counting the timers scheduled meanwhile. */
function countingTimers(body: () => void): number {
  const original = globalThis.setTimeout;
  let scheduled = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    scheduled++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    body();
  } finally {
    globalThis.setTimeout = original;
  }
  return scheduled;
}

Deno.test("a disarmed deadline never fires, and re-arming reuses the pending timer", async () => {
  const deadline = new Deadline();
  let fired = 0;
  const scheduled = countingTimers(() => {
    for (let i = 0; i < 100; i++) {
      deadline.arm(30, () => fired++);
      deadline.disarm();
    }
  });
  assert.equal(scheduled, 1, "one timer for 100 arms of the same length");
  await sleep(50);
  assert.equal(fired, 0);
  deadline.stop();
});

Deno.test("a later, longer deadline is honoured after the first timer fires early", async () => {
  const deadline = new Deadline();
  let firedAfter = -1;
  deadline.arm(5, () => assert.fail("disarmed"));
  deadline.disarm();
  const armedAt = performance.now();
  // The pending 5 ms timer fires first, finds 60 ms not yet passed, and re-schedules.
  deadline.arm(60, () => firedAfter = performance.now() - armedAt);
  await sleep(150);
  assert.ok(firedAfter >= 59, `fired after ${firedAfter} ms, before its 60 ms deadline`);
  deadline.stop();
});

Deno.test("an earlier deadline re-schedules a pending later timer", async () => {
  const deadline = new Deadline();
  let fired = "";
  deadline.arm(10_000, () => fired += "late");
  deadline.disarm();
  deadline.arm(5, () => fired += "early");
  await sleep(40);
  assert.equal(fired, "early");
  deadline.stop();
});

Deno.test("stop cancels the pending timer (no leak for the sanitizer)", () => {
  const deadline = new Deadline();
  deadline.arm(10_000, () => assert.fail("must not fire"));
  deadline.stop();
});
