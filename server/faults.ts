/**
 * Fault injection for client tests: misbehaviours of a live Queen (or of the network) that the
 * in-repo server can produce on demand, each aimed at commands by verb and/or position.
 *
 * @module
 */

/** What goes wrong. */
export type FaultAction =
  /** Reply with a frame whose length prefix is `length` (e.g. 3 or 9000) instead of the reply. */
  | { readonly kind: "bad-length"; readonly length: number }
  /** Send the first reply frame cut in half, then close. */
  | { readonly kind: "truncate" }
  /** Never answer (the connection stays open). */
  | { readonly kind: "stall" }
  /** Answer normally, but only after `ms` wall milliseconds (a slow-drip Queen). */
  | { readonly kind: "delay"; readonly ms: number }
  /** Send the ack line, then close before any body line or `END`. */
  | { readonly kind: "close-after-ack" }
  /** Send the whole reply, then close (a drop between commands). */
  | { readonly kind: "close-after-reply" }
  /** Close at once, without replying. */
  | { readonly kind: "drop" }
  /** Reply with a payload that is not UTF-8. */
  | { readonly kind: "non-utf8" }
  /** Answer ATTACH with `ERR ATTACH reason=quota detail=throttled delay_ms=<delayMs>`. */
  | { readonly kind: "throttle-attach"; readonly delayMs?: number }
  /** Add body lines (e.g. `OK FAKE`, `END`) to a stream, as if they were content. */
  | { readonly kind: "inject"; readonly lines: readonly string[] };

/** One fault and the commands it hits. */
export type FaultSpec = FaultAction & {
  /** Verb to match (`LS`, `ATTACH`, …; `PARSE` for unparsable lines); any verb if omitted. */
  readonly verb?: string;
  /** Fire from the n-th matching command on (1-based, counted over the server's life). */
  readonly nth?: number;
  /** How many times it fires (default 1; `Infinity` for always). */
  readonly times?: number;
};

/** Tracks which faults fire for which command. */
export class FaultPlan {
  readonly #specs: readonly FaultSpec[];
  readonly #seen: number[];
  readonly #fired: number[];

  /** Creates a plan from `specs`, checked in order (the first that fires wins). */
  constructor(specs: readonly FaultSpec[] = []) {
    this.#specs = specs;
    this.#seen = specs.map(() => 0);
    this.#fired = specs.map(() => 0);
  }

  /** Returns the fault to apply to a command with `verb`, if any, and counts it. */
  next(verb: string): FaultAction | undefined {
    let chosen: FaultAction | undefined;
    this.#specs.forEach((spec, i) => {
      if (spec.verb !== undefined && spec.verb.toUpperCase() !== verb) return;
      this.#seen[i]! += 1;
      if (chosen !== undefined) return;
      if (this.#seen[i]! < (spec.nth ?? 1)) return;
      if (this.#fired[i]! >= (spec.times ?? 1)) return;
      this.#fired[i]! += 1;
      chosen = spec;
    });
    return chosen;
  }
}
