/**
 * Locates the shared fixtures (`../shared` beside the repository; CI lays it out the same way)
 * and reads them. Tests never copy fixtures into the project.
 *
 * @module
 */

/** Absolute path of the shared folder (override with `COHESIX_SHARED`). */
export const SHARED_DIR: string = Deno.env.get("COHESIX_SHARED") ??
  new URL("../../shared", import.meta.url).pathname;

/** Absolute path of a file under `shared/fixtures/`. */
export function fixturePath(relative: string): string {
  return `${SHARED_DIR}/fixtures/${relative}`;
}

/** Reads a fixture as text. */
export function readFixture(relative: string): string {
  return Deno.readTextFileSync(fixturePath(relative));
}

/** One line of a live recording (`shared/fixtures/live/*.jsonl`). */
export type RecordedEvent =
  | { conn: number; event: "open" }
  | { conn: number; dir: "c2s" | "s2c"; event: "eof" }
  | { conn: number; dir: "c2s" | "s2c"; t_ms: number; len: number; hex: string; text: string };

/**
 * Reads a live recording by scenario name (e.g. `session_basics`), from `live/` or another
 * recording set (`live2`).
 */
export function readRecording(scenario: string, set = "live"): RecordedEvent[] {
  return readFixture(`${set}/${scenario}.jsonl`).split("\n").filter((l) => l.trim() !== "").map(
    (l) => JSON.parse(l) as RecordedEvent,
  );
}

/** Decodes a recorded frame's hex payload. */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
