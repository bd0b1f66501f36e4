import assert from "node:assert/strict";
import { sleepMs } from "./sleep.ts";

Deno.test("sleepMs resolves after its time, and an abort ends it at once (never rejects)", async () => {
  let done = false;
  await sleepMs(5).then(() => done = true);
  assert.equal(done, true);
  const controller = new AbortController();
  const waiting = sleepMs(60_000, controller.signal);
  controller.abort();
  // The abort resolves the wait at once: it wins against two microtask turns.
  const later = new Promise((resolve) =>
    queueMicrotask(() => queueMicrotask(() => resolve("pending")))
  );
  assert.equal(await Promise.race([waiting.then(() => "resolved"), later]), "resolved");
  await sleepMs(60_000, controller.signal); // already aborted: returns at once
});
