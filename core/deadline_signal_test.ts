import assert from "node:assert/strict";
import { deadlineSignal } from "./deadline_signal.ts";

Deno.test("deadlineSignal aborts with a TimeoutError once its time has passed", async () => {
  const deadline = deadlineSignal(5);
  await new Promise((resolve) => deadline.signal.addEventListener("abort", resolve));
  assert.equal(deadline.signal.aborted, true);
  assert.equal((deadline.signal.reason as DOMException).name, "TimeoutError");
});

Deno.test("a disposed deadline never aborts", async () => {
  const disposed = deadlineSignal(5);
  disposed[Symbol.dispose]();
  const later = deadlineSignal(30);
  await new Promise((resolve) => later.signal.addEventListener("abort", resolve));
  assert.equal(disposed.signal.aborted, false);
});
