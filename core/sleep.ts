/**
 * Waiting a while (a script's `WAIT`, a poll interval, a pause between publishes), cut short by
 * an abort (Ctrl-C). On {@link deadlineSignal}, so a wait neither keeps the process alive past an
 * abort nor pays for Deno's `setTimeout` machinery.
 *
 * @module
 */

import { deadlineSignal } from "./deadline_signal.ts";

/** Resolves after `ms` wall milliseconds, or as soon as `signal` aborts (never rejects). */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const wait = deadlineSignal(ms);
    const done = () => {
      wait[Symbol.dispose]();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    wait.signal.addEventListener("abort", done, { once: true });
    signal?.addEventListener("abort", done, { once: true });
  });
}
