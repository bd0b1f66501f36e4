/**
 * Builds the namespace a server serves when the caller passes none: the Queen namespace model
 * (`queen/queen_namespace.ts`) with the requested seed.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { QueenNamespace } from "../queen/queen_namespace.ts";

export { QueenNamespace };

/** Seeds the server can start from: `queen` (the live tree fresh after boot) or `demo`. */
export type NamespaceSeed = "demo" | "queen";

/** Options of {@link createNamespace}. */
export interface CreateNamespaceOptions {
  /** Which tree to start from. */
  readonly seed: NamespaceSeed;
  /** Server clock (server ms), for `/proc/root/last_seen_ms` and friends. */
  readonly now: () => number;
  /** Manifest bounds. */
  readonly defaults: CohesixDefaults;
}

/** A fresh Queen namespace. */
export function createNamespace(options: CreateNamespaceOptions): QueenNamespace {
  return new QueenNamespace({ seed: options.seed, now: options.now, defaults: options.defaults });
}
