/**
 * Retry delays of the manifest's `[client_policies.retry]` policy, as coh and cohsh use them:
 * the k-th retry waits `min(ceiling_ms, backoff_ms·2^(k−1))` (200, 400, 800 … 2000 ms), and
 * a throttled ATTACH waits at least the server's `delay_ms`, still capped by the ceiling.
 *
 * @module
 */

import type { RetryPolicy } from "../core/defaults.ts";
import { deadlineSignal } from "../core/deadline_signal.ts";
import { AbortedError } from "../core/errors.ts";

/** Wall-clock delay before retry number `retry` (1-based); never below `minimumMs`. */
export function backoffDelay(retry: number, policy: RetryPolicy, minimumMs = 0): number {
  const exponential = policy.backoffMs * 2 ** Math.max(0, retry - 1);
  return Math.min(policy.ceilingMs, Math.max(exponential, minimumMs));
}

/** Waits `ms` wall milliseconds; rejects with {@link AbortedError} if `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError("aborted while waiting to retry"));
  return new Promise<void>((resolve, reject) => {
    // Not setTimeout: its first use costs a Deno process ~4 MiB (core/deadline_signal.ts).
    const wait = deadlineSignal(ms);
    const onAbort = () => {
      wait[Symbol.dispose]();
      reject(new AbortedError("aborted while waiting to retry"));
    };
    wait.signal.addEventListener("abort", () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, { once: true });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
