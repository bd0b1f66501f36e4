/**
 * Queen-internal constants the in-repo server reproduces (PROTOCOL.md §2–§4). They are not
 * manifest bounds (those come from `CohesixDefaults`); they describe the live server's buffers
 * and timers, in server milliseconds where they are durations.
 *
 * @module
 */

/** The live Queen's internal buffer sizes and timers. */
export interface QueenLimits {
  /** Size of the buffer every ack detail is formatted into (§4.3). */
  readonly ackDetailBytes: number;
  /** Data-lane capacity for non-streaming emitters (§4.5). */
  readonly dataQueueLines: number;
  /** Parsed inbound lines kept per pump cycle; older ones are dropped (§4.5). */
  readonly inboundLines: number;
  /** Auth deadline after connect, server ms (§2.2). */
  readonly authDeadlineMs: number;
  /** First ATTACH back-off step, server ms (§2.3). */
  readonly backoffBaseMs: number;
  /** Largest back-off exponent (§2.3). */
  readonly backoffMaxExponent: number;
  /** Failed ATTACHes that trip the rate limiter (§2.3). */
  readonly rateLimitFailures: number;
  /** Rate limiter window, server ms (§2.3). */
  readonly rateLimitWindowMs: number;
  /** Rate limiter block, server ms (§2.3). */
  readonly rateLimitCooldownMs: number;
  /** Lines a stream (LS/CAT/TAIL/LOG) may carry (§6.1). */
  readonly maxStreamLines: number;
  /** Longest streamed line in bytes (§6.1). */
  readonly maxStreamLineBytes: number;
}

/** The values of the live Queen, release 0.3.0-alpha2. */
export const QUEEN_LIMITS: QueenLimits = Object.freeze({
  ackDetailBytes: 128,
  dataQueueLines: 8,
  inboundLines: 8,
  authDeadlineMs: 5000,
  backoffBaseMs: 250,
  backoffMaxExponent: 8,
  rateLimitFailures: 3,
  rateLimitWindowMs: 60_000,
  rateLimitCooldownMs: 90_000,
  maxStreamLines: 64,
  maxStreamLineBytes: 256,
});
