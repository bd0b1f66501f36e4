/**
 * One timer per connection for the deadline of the request in flight. Arming a deadline only
 * records a time; the timer is (re)scheduled only when the new deadline is earlier than the one
 * it will fire for. A console round trip can take tens of microseconds, and a fresh
 * `setTimeout`/`clearTimeout` pair per request was a measurable part of that.
 *
 * @module
 */

/** A re-armable deadline backed by at most one pending timer. */
export class Deadline {
  #deadline = 0; // performance.now() value; 0 while disarmed
  #onExpire: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
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
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number, now: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#firesAt = now + ms;
    const timer = setTimeout(() => this.#fire(), Math.max(0, ms));
    // An idle connection with a stale timer must not keep the process alive.
    Deno.unrefTimer(timer);
    this.#timer = timer;
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
