/**
 * ATTACH throttling shared by every connection of one Queen (PROTOCOL.md §2.3): an exponential
 * back-off after each consecutive failure (`base·2^min(k−1,max)` server ms, refusing *all*
 * attempts), and a rate limiter that blocks failing attempts once `rateLimitFailures` failures
 * fall within `rateLimitWindowMs`. A success resets both. Times are server milliseconds.
 *
 * @module
 */

import { QUEEN_LIMITS, type QueenLimits } from "./queen_limits.ts";

/** Verdict of {@link AttachGuard.recordFailure}. */
export type FailureVerdict =
  | { readonly kind: "denied" }
  | { readonly kind: "rate-limited"; readonly delayMs: number };

/** Back-off and rate-limiter state of one Queen. */
export class AttachGuard {
  readonly #limits: QueenLimits;
  #consecutiveFailures = 0;
  #backoffUntil = 0;
  #windowFailures = 0;
  #windowStart: number | undefined;
  #blockedUntil: number | undefined;

  /** Creates a guard with the Queen's limits (override for tests). */
  constructor(limits: QueenLimits = QUEEN_LIMITS) {
    this.#limits = limits;
  }

  /** Remaining back-off at `now`, or 0 if ATTACH may proceed. */
  backoffRemaining(now: number): number {
    return Math.max(0, Math.ceil(this.#backoffUntil - now));
  }

  /** Records a successful ATTACH: clears back-off and rate limiter. */
  recordSuccess(): void {
    this.#consecutiveFailures = 0;
    this.#backoffUntil = 0;
    this.#windowFailures = 0;
    this.#windowStart = undefined;
    this.#blockedUntil = undefined;
  }

  /** Records a failed ticket check at `now` and says how to answer it. */
  recordFailure(now: number): FailureVerdict {
    const limits = this.#limits;
    this.#consecutiveFailures += 1;
    const exponent = Math.min(this.#consecutiveFailures - 1, limits.backoffMaxExponent);
    this.#backoffUntil = now + limits.backoffBaseMs * 2 ** exponent;
    if (this.#blockedUntil !== undefined && now < this.#blockedUntil) {
      return { kind: "rate-limited", delayMs: Math.ceil(this.#blockedUntil - now) };
    }
    if (this.#windowStart === undefined || now - this.#windowStart > limits.rateLimitWindowMs) {
      this.#windowStart = now;
      this.#windowFailures = 0;
    }
    this.#windowFailures += 1;
    if (this.#windowFailures >= limits.rateLimitFailures) {
      this.#blockedUntil = now + limits.rateLimitCooldownMs;
      this.#windowFailures = 0;
      this.#windowStart = undefined;
      return { kind: "rate-limited", delayMs: limits.rateLimitCooldownMs };
    }
    return { kind: "denied" };
  }
}
