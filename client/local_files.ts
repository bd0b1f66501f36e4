/**
 * Local file I/O for the operations (OPERATIONS.md §5): bounded reads, streamed hashing and
 * copying, and atomic writes (temp file in the same directory, then rename; the temp file is
 * removed on failure, so a failure half-way never leaves a half-written file under the final
 * name). Every OS error becomes a `LocalFileError` naming the path, or a `PermissionError`
 * naming the Deno flag to add.
 *
 * @module
 */

import { Sha256 } from "../core/sha256.ts";
import { concatBytes } from "../core/bytes.ts";
import {
  CohesixError,
  LimitError,
  LocalFileError,
  OperationError,
  PermissionError,
} from "../core/errors.ts";

/** Size of one read when streaming a file (as coh's 8 KiB copy buffer). */
const CHUNK_BYTES = 8192;

/** Whether a local operation reads or writes, for the permission flag it needs. */
export type LocalAccess = "read" | "write";

/** Wraps an OS error for `action` on `path` into the `CohesixError` family. */
export function localError(
  action: string,
  path: string,
  cause: unknown,
  access: LocalAccess = "read",
): CohesixError {
  if (cause instanceof CohesixError) return cause;
  if (cause instanceof Deno.errors.NotCapable) {
    return new PermissionError(`${action} ${path}`, `--allow-${access}=${path}`, { cause });
  }
  if (cause instanceof Deno.errors.PermissionDenied) {
    return new LocalFileError(`${action} ${path}: permission denied by the OS`, {
      cause,
      hint: "check the file's owner and mode",
    });
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LocalFileError(`${action} ${path}: ${detail}`, {
    cause,
    hint: cause instanceof Deno.errors.NotFound
      ? "check that the path exists"
      : "check the path, free space and permissions",
  });
}

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

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `stat` (symlinks followed) that answers `undefined` for a missing path. */
export async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) return undefined;
    throw localError("inspect", path, cause);
  }
}

/** Whether `path` exists (any kind). */
export async function pathExists(path: string): Promise<boolean> {
  return (await statOrUndefined(path)) !== undefined;
}

/** Whether `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isFile === true;
}

/** Whether `path` is an existing directory. */
export async function isDirectory(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isDirectory === true;
}

/** `mkdir -p`; `what` names the directory in the error (e.g. `telemetry output dir`). */
export async function ensureDir(path: string, what = "directory"): Promise<void> {
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (cause) {
    throw localError(`create ${what}`, path, cause, "write");
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
    file = await Deno.open(path, { read: true });
  } catch (cause) {
    throw localError("open", path, cause);
  }
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    let total = 0;
    while (true) {
      let n: number | null;
      try {
        n = await file.read(buffer);
      } catch (cause) {
        throw localError("read", path, cause);
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

/** SHA-256 of `bytes` as lowercase hex. */
export { sha256Hex } from "../core/sha256.ts";

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

function tempNameFor(path: string): string {
  const random = crypto.randomUUID().slice(0, 8);
  return joinLocal(dirname(path), `.${basename(path)}.${random}.partial`);
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone, or never created: nothing to clean up.
  }
}

/**
 * Writes a temp file beside `path` with `fill`, syncs it, and renames it over `path`. On any
 * failure the temp file is removed and `path` is untouched.
 */
async function writeViaTemp(
  path: string,
  fill: (file: Deno.FsFile) => Promise<void>,
): Promise<void> {
  const temp = tempNameFor(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
  } catch (cause) {
    throw localError("create", temp, cause, "write");
  }
  try {
    try {
      await fill(file);
      await file.syncData();
    } finally {
      file.close();
    }
    try {
      await Deno.rename(temp, path);
    } catch (cause) {
      throw localError("rename into", path, cause, "write");
    }
  } catch (error) {
    await removeQuietly(temp);
    throw error instanceof CohesixError ? error : localError("write", path, error, "write");
  }
}

async function writeAll(file: Deno.FsFile, path: string, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += await file.write(data.subarray(offset));
    } catch (cause) {
      throw localError("write", path, cause, "write");
    }
  }
}

/** Atomically replaces (or creates) `path` with `data`. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  await writeViaTemp(path, (file) => writeAll(file, path, data));
}

/**
 * Writes `path` atomically unless it already exists (pull/export semantics: never overwrite,
 * never compare). Creates missing parent directories. Returns whether it wrote.
 */
export async function writeFileIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
  await ensureDir(dirname(path));
  if (await pathExists(path)) return false;
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
  await writeViaTemp(dest, async (file) => {
    bytes = await streamBounded(source, maxBytes, limit, async (chunk) => {
      hash.update(chunk);
      await writeAll(file, dest, chunk);
    });
    if (bytes === 0) throw new OperationError(`${source} is empty`);
  });
  return { sha256: hash.hexDigest(), bytes };
}
