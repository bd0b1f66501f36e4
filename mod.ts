/**
 * `cohesix` for Deno: a thin, non-authoritative client for the Cohesix Queen console.
 *
 * @module
 */

export * from "./core/errors.ts";
export { type CohesixDefaults, DEFAULTS, MANIFEST_SHA256 } from "./core/defaults.ts";
export type { Backend, CallOptions } from "./backends/backend.ts";
