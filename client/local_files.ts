/**
 * Local file I/O for the operations (OPERATIONS.md §5): bounded reads, streamed hashing and
 * copying. Every write goes through the one atomic writer (`core/atomic_file.ts`: exclusive
 * unpredictable temporary file, then rename; a symlink planted at the target is replaced, never
 * followed). Every OS error goes through `fileError` (`core/permissions.ts`): a `LocalFileError`
 * naming the path, or a `PermissionError` naming the Deno flag to add. Metadata calls and the
 * first 256 KiB of each file are synchronous (`core/sync_io.ts`); the functions stay `async` so
 * a large file streams without holding the event loop.
 *
 * @module
 */

import { Sha256 } from "../core/sha256.ts";
import { concatBytes } from "../core/bytes.ts";
import { LimitError, OperationError } from "../core/errors.ts";
import { writeAll, writeFileAtomic, writeFileAtomicWith } from "../core/atomic_file.ts";
import { fileError } from "../core/permissions.ts";
import { readChunk } from "../core/sync_io.ts";

export { writeFileAtomic } from "../core/atomic_file.ts";

/** Size of one read when streaming a file (as coh's 8 KiB copy buffer). */
const CHUNK_BYTES = 8192;

/** Joins local path pieces with `/`, without doubling separators (the first piece is kept). */
export function joinLocal(base: string, ...parts: string[]): string {
  let out = base;
  for (const part of parts) out = out.endsWith("/") ? `${out}${part}` : `${out}/${part}`;
  return out;
}

function dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

/** `stat` (symlinks followed) that answers `undefined` for a missing path. */
export function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) return undefined;
    throw fileError("inspect", path, cause);
  }
}

/** Whether `path` is there and not a symlink (`lstat`: a symlink is never followed). */
function entryExistsNotSymlink(path: string): boolean {
  try {
    return !Deno.lstatSync(path).isSymlink;
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) return false;
    throw fileError("inspect", path, cause);
  }
}

/** Whether `path` exists (any kind). */
export function pathExists(path: string): boolean {
  return statOrUndefined(path) !== undefined;
}

/** Whether `path` is an existing regular file. */
export function isFile(path: string): boolean {
  return statOrUndefined(path)?.isFile === true;
}

/** Whether `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  return statOrUndefined(path)?.isDirectory === true;
}

/** `mkdir -p`; `what` names the directory in the error (e.g. `telemetry output dir`). */
export function ensureDir(path: string, what = "directory"): void {
  try {
    Deno.mkdirSync(path, { recursive: true });
  } catch (cause) {
    throw fileError(`create ${what}`, path, cause, { access: "write" });
  }
}

function exceeds(path: string, max: number, limit: string): LimitError {
  return new LimitError(`${path} exceeds max bytes ${max}`, limit, max, {
    hint: `the bound ${limit} is ${max} bytes`,
  });
}

/** Streams `path` through `sink` in chunks, failing once more than `maxBytes` arrive. */
async function streamBounded(
  path: string,
  maxBytes: number,
  limit: string,
  sink: (chunk: Uint8Array) => Promise<void> | void,
): Promise<number> {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (cause) {
    throw fileError("open", path, cause);
  }
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    let total = 0;
    while (true) {
      let n: number | null;
      try {
        n = await readChunk(file, buffer, total);
      } catch (cause) {
        throw fileError("read", path, cause);
      }
      if (n === null) return total;
      total += n;
      if (total > maxBytes) throw exceeds(path, maxBytes, limit);
      await sink(buffer.subarray(0, n));
    }
  } finally {
    file.close();
  }
}

/** Reads a whole local file, refusing (without reading further) one above `maxBytes`. */
export async function readFileBounded(
  path: string,
  maxBytes: number,
  limit: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await streamBounded(path, maxBytes, limit, (chunk) => {
    chunks.push(chunk.slice());
  });
  return concatBytes(chunks);
}

/** SHA-256 (lowercase hex) and byte count of a file or copy. */
export interface FileDigest {
  /** Lowercase hex SHA-256. */
  readonly sha256: string;
  /** Byte count. */
  readonly bytes: number;
}

/** Hashes a local file in chunks; an empty file or one above `maxBytes` is refused. */
export async function hashFileBounded(
  path: string,
  maxBytes: number,
  limit: string,
): Promise<FileDigest> {
  const hash = new Sha256();
  const bytes = await streamBounded(path, maxBytes, limit, (chunk) => {
    hash.update(chunk);
  });
  if (bytes === 0) throw new OperationError(`${path} is empty`);
  return { sha256: hash.hexDigest(), bytes };
}

/**
 * Writes `path` atomically unless it already exists (pull/export semantics: never overwrite,
 * never compare; a symlink there is replaced, never followed). Creates missing parent directories. Returns whether it wrote.
 */
export async function writeFileIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
  ensureDir(dirname(path));
  // A symlink planted there is not an earlier pull: it is replaced, never followed.
  if (entryExistsNotSymlink(path)) return false;
  await writeFileAtomic(path, data);
  return true;
}

/**
 * Copies `source` to `dest` atomically, hashing in chunks (the source is never held whole in
 * memory). An empty source or one above `maxBytes` is refused and leaves no file behind.
 */
export async function copyFileWithHash(
  source: string,
  dest: string,
  maxBytes: number,
  limit: string,
): Promise<FileDigest> {
  const hash = new Sha256();
  let bytes = 0;
  await writeFileAtomicWith(dest, async (file) => {
    let written = 0;
    bytes = await streamBounded(source, maxBytes, limit, async (chunk) => {
      hash.update(chunk);
      await writeAll(file, dest, chunk, written);
      written += chunk.length;
    });
    if (bytes === 0) throw new OperationError(`${source} is empty`);
  });
  return { sha256: hash.hexDigest(), bytes };
}
