/**
 * The examples' local artifacts, byte for byte as the Python examples write them
 * (OPERATIONS.md §5): `audit.txt` (transcript lines joined by `\n` plus a final `\n`), JSON with
 * sorted keys and two-space indent and no trailing newline, plain files.
 *
 * @module
 */

import { writeFileAtomic } from "../core/atomic_file.ts";
import { fileError } from "../core/permissions.ts";

/** Name of the transcript artifact. */
export const AUDIT_FILE = "audit.txt";

/** `audit.txt` content: the lines joined by `\n`, plus a final `\n`. */
export function renderAudit(lines: readonly string[]): string {
  return `${lines.join("\n")}\n`;
}

/** Recursively sorts object keys (code-point order, as Python's `sort_keys`). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) sorted[key] = sortKeys(record[key]);
    return sorted;
  }
  return value;
}

/** Python's `json.dumps(value, indent=2, sort_keys=True)` for plain JSON values. */
export function renderSortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

/** Creates `dir` and its parents; a failure is a `LocalFileError` (or `PermissionError`). */
export function ensureDir(dir: string): void {
  try {
    Deno.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw fileError("create folder", dir, error, { access: "write", hint: WRITE_HINT });
  }
}

/**
 * Writes `text` to `path` (creating or replacing it) through the one atomic writer: a symlink
 * planted at `path` is replaced, never followed (a symlinked output folder is followed: the
 * operator's choice).
 */
export async function writeArtifact(path: string, text: string | Uint8Array): Promise<void> {
  await writeFileAtomic(path, text);
}

/** Removes `path` recursively if it exists (the examples' own scratch folders only). */
export function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw fileError("remove", path, error, { access: "write", hint: WRITE_HINT });
  }
}

/** Reads a local text file the user named (e.g. `--payload-file`). */
export function readUserFile(path: string, what: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw fileError(`read ${what}`, path, error, {
      hint: "check the file exists and is readable",
    });
  }
}

const WRITE_HINT = "check the folder is writable, or pass another --out";
