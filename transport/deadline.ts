/**
 * One timer per connection for the deadline of the request in flight. Arming a deadline only
 * records a time; the timer is (re)scheduled only when the new deadline is earlier than the one
 * it will fire for. A console round trip can take tens of microseconds, and a fresh
 * `setTimeout`/`clearTimeout` pair per request was a measurable part of that. The timer is an
 * `AbortSignal.timeout`, not a `setTimeout`: in Deno 2.9 the first `setTimeout` of a process costs
 * about 4 MiB of resident memory (see `core/deadline_signal.ts`), and its timer never keeps the
 * process alive.
 *
 * @module
 */

/** A re-armable deadline backed by at most one pending timer. */
export class Deadline {
  #deadline = 0; // performance.now() value; 0 while disarmed
  #onExpire: (() => void) | undefined;
  #timer: { signal: AbortSignal; listener: () => void } | undefined;
  #firesAt = 0;

  /** Arms the deadline `ms` from now; `onExpire` runs once if it passes before {@link disarm}. */
  arm(ms: number, onExpire: () => void): void {
    const now = performance.now();
    this.#deadline = now + ms;
    this.#onExpire = onExpire;
    if (this.#timer === undefined || this.#firesAt > this.#deadline) this.#schedule(ms, now);
  }

  /** Disarms the deadline; a pending timer stays and finds nothing to do. */
  disarm(): void {
    this.#deadline = 0;
    this.#onExpire = undefined;
  }

  /** Disarms and cancels the timer (on close). */
  stop(): void {
    this.disarm();
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== undefined) {
      this.#timer.signal.removeEventListener("abort", this.#timer.listener);
    }
    this.#timer = undefined;
  }

  #schedule(ms: number, now: number): void {
    this.#cancel();
    this.#firesAt = now + ms;
    // An idle connection with a stale timer must not keep the process alive: this one does not.
    const signal = AbortSignal.timeout(Math.max(0, Math.ceil(ms)));
    const listener = () => this.#fire();
    signal.addEventListener("abort", listener, { once: true });
    this.#timer = { signal, listener };
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#deadline === 0) return;
    const now = performance.now();
    const left = this.#deadline - now;
    if (left > 0) {
      this.#schedule(left, now);
      return;
    }
    const onExpire = this.#onExpire;
    this.disarm();
    onExpire?.();
  }
}
