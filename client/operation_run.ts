/**
 * One running client operation: its transcript, and one deadline for the whole of it. Each
 * backend call gets the caller's `signal` joined with the deadline's, so a request in flight, a
 * retry's backoff, a reconnect and a command under `run` all end when the deadline passes; the
 * error is then an {@link OperationDeadlineError} naming the operation, what it was doing and
 * how many requests were done. Local steps (file writes) check the deadline before they start.
 *
 * @module
 */

import type { Backend, CallOptions } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { AbortedError, OperationDeadlineError, ValidationError } from "../core/errors.ts";
import type { CohesixAudit } from "./audit.ts";
import { listDirBounded, type OperationOptions, readFileCapped } from "./remote.ts";

/** The transcript, signal and deadline of one operation call. Dispose it when the call ends. */
export class OperationRun implements Disposable {
  /** Transcript to append to, if the caller gave one. */
  readonly audit: CohesixAudit | undefined;
  /** Options for each backend call: the caller's timeout, and a signal that ends at the deadline. */
  readonly callOptions: CallOptions;
  readonly #operation: string;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #deadlineMs: number | undefined;
  readonly #deadlineAt: number;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  #activity = "starting";
  #done = 0;
  #planned: number | undefined;

  /** Starts `operation` (e.g. `telemetry pull`) with the caller's `options`; the clock starts now. */
  constructor(operation: string, options: OperationOptions = {}) {
    this.#operation = operation;
    this.audit = options.audit;
    this.#callerSignal = options.signal;
    const { deadlineMs } = options;
    if (deadlineMs !== undefined && !(Number.isFinite(deadlineMs) && deadlineMs >= 0)) {
      throw new ValidationError(
        `${operation}: deadlineMs must be a non-negative number of milliseconds, got ` +
          String(deadlineMs),
      );
    }
    this.#deadlineMs = deadlineMs;
    this.#deadlineAt = deadlineMs === undefined ? Infinity : performance.now() + deadlineMs;
    let signal = options.signal;
    if (deadlineMs !== undefined) {
      const expired = new AbortController();
      this.#timer = setTimeout(() => expired.abort(), deadlineMs);
      signal = signal === undefined ? expired.signal : AbortSignal.any([signal, expired.signal]);
    }
    const call: { signal?: AbortSignal; timeoutMs?: number } = {};
    if (signal !== undefined) call.signal = signal;
    if (options.timeoutMs !== undefined) call.timeoutMs = options.timeoutMs;
    this.callOptions = call;
  }

  /** The signal that ends the operation: the caller's, joined with the deadline. */
  get signal(): AbortSignal | undefined {
    return this.callOptions.signal;
  }

  /** Milliseconds left before the deadline, or `undefined` without one. */
  get remainingMs(): number | undefined {
    return this.#deadlineMs === undefined
      ? undefined
      : Math.max(0, this.#deadlineAt - performance.now());
  }

  /** True once the deadline has passed. */
  get expired(): boolean {
    return performance.now() >= this.#deadlineAt;
  }

  /** Records how many requests the operation will send in all, for the deadline message. */
  plan(requests: number): void {
    this.#planned = requests;
  }

  /** Lists `path` within the bounds (`listDirBounded`), as one request of this operation. */
  list(backend: Backend, path: string, defaults: CohesixDefaults): Promise<string[]> {
    return this.request(`listing ${path}`, (call) => listDirBounded(backend, path, defaults, call));
  }

  /** Reads `path` capped at `maxBytes` from bound `limit` (`readFileCapped`), as one request. */
  read(backend: Backend, path: string, maxBytes: number, limit: string): Promise<Uint8Array> {
    return this.request(
      `reading ${path}`,
      (call) => readFileCapped(backend, path, maxBytes, limit, call),
    );
  }

  /** Appends `payload` to `path`, as one request; returns the byte count the backend reports. */
  append(backend: Backend, path: string, payload: Uint8Array): Promise<number> {
    return this.request(`appending to ${path}`, (call) => backend.writeAppend(path, payload, call));
  }

  /** Sends one request described by `activity` under the deadline, and counts it when done. */
  async request<T>(activity: string, send: (call: CallOptions) => Promise<T>): Promise<T> {
    const result = await this.step(activity, () => send(this.callOptions));
    this.#done += 1;
    return result;
  }

  /** Runs a step described by `activity` (local or remote) under the deadline and signal. */
  async step<T>(activity: string, body: () => Promise<T>): Promise<T> {
    this.#activity = activity;
    this.check();
    try {
      return await body();
    } catch (error) {
      if (this.expired) throw this.deadlineError(error);
      throw error;
    }
  }

  /** Throws the deadline error if the deadline passed, `AbortedError` if the caller aborted. */
  check(): void {
    if (this.expired) throw this.deadlineError();
    if (this.#callerSignal?.aborted) {
      throw new AbortedError(`${this.#operation} was aborted while ${this.#activity}`, {
        cause: this.#callerSignal.reason,
      });
    }
  }

  /** The error that says the deadline passed during the current activity. */
  deadlineError(cause?: unknown): OperationDeadlineError {
    return new OperationDeadlineError({
      operation: this.#operation,
      deadlineMs: this.#deadlineMs ?? Infinity,
      activity: this.#activity,
      requestsDone: this.#done,
      ...(this.#planned === undefined ? {} : { requestsPlanned: this.#planned }),
    }, cause === undefined ? {} : { cause });
  }

  /** Stops the deadline timer. */
  [Symbol.dispose](): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}
