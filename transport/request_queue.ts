/**
 * FIFO serialiser for console requests. The Queen loses data when commands are pipelined
 * (PROTOCOL.md §10), so exactly one request is in flight per connection; concurrent callers
 * wait their turn in arrival order.
 *
 * @module
 */

import { AbortedError } from "../core/errors.ts";

/** Runs tasks one at a time, in the order {@link RequestQueue.run} was called. */
export class RequestQueue {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  /** Number of tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Runs `task` once every earlier task has settled. If `signal` aborts while the task is still
   * waiting, it is dropped with an {@link AbortedError} and never runs; later tasks still wait
   * for the earlier ones, so the one-in-flight rule holds.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next task waits for the previous one *and* this one, even if this one is dropped.
    this.#tail = previous.then(() => mine);
    this.#pending++;
    return (async () => {
      try {
        await waitTurn(previous, signal);
        return await task();
      } finally {
        this.#pending--;
        release();
      }
    })();
  }
}

function waitTurn(previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return previous;
  if (signal.aborted) return Promise.reject(abortedWhileQueued());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortedWhileQueued());
    signal.addEventListener("abort", onAbort, { once: true });
    previous.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

function abortedWhileQueued(): AbortedError {
  return new AbortedError("request aborted while waiting for an earlier console request");
}
