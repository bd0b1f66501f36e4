/**
 * The one writer of local files: every file the product writes (example artifacts and
 * `audit.txt`, the mock Queen's state, pulled telemetry, exported adapters, the registry) goes
 * through {@link writeFileAtomic} (or its streaming and synchronous forms).
 *
 * How it writes `dir/name`:
 * 1. creates `dir/.name.<32 random hex>.partial` exclusively (`O_CREAT|O_EXCL`: an existing
 *    file or symlink under that name is an error, never followed; the name cannot be guessed);
 * 2. writes the bytes and syncs them;
 * 3. renames it over `dir/name`. `rename` replaces whatever directory entry is there: a symlink
 *    planted at `dir/name` is replaced by the new file, never followed, so its target is never
 *    written. A hard link to the old file keeps the old bytes (the old inode is not touched).
 *
 * On any failure the temporary file is removed and `dir/name` is untouched.
 *
 * Symlinked folders are the operator's choice and are followed: with `out -> /data/out`, files go
 * to `/data/out/...` (the operator made that link, and Deno's `--allow-write` is checked on the
 * resolved path). Only a symlink at the file itself is treated as planted.
 *
 * @module
 */

import { fileError } from "./permissions.ts";
import { SYNC_IO_MAX_BYTES, syncFileData, writeChunk } from "./sync_io.ts";

const encoder = new TextEncoder();

function dirnameOf(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The unpredictable temporary name beside `path` (same folder, so the rename is atomic). */
function temporaryPathFor(path: string): string {
  const random = crypto.randomUUID().replaceAll("-", "");
  const dir = dirnameOf(path);
  const name = `.${basenameOf(path)}.${random}.partial`;
  return dir === "." && !path.startsWith("./") ? name : `${dir === "/" ? "" : dir}/${name}`;
}

const CREATE_TEMPORARY: Deno.OpenOptions = { write: true, createNew: true, mode: 0o644 };

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/**
 * Writes every byte of `data` to `file`, which already holds `offset` bytes (short writes
 * continue). Within the file's first 256 KiB the writes are synchronous (`core/sync_io.ts`).
 */
export async function writeAll(
  file: Deno.FsFile,
  path: string,
  data: Uint8Array,
  offset = 0,
): Promise<void> {
  let done = 0;
  while (done < data.length) {
    try {
      done += await writeChunk(file, data.subarray(done), offset + done);
    } catch (cause) {
      throw fileError("write", path, cause, { access: "write" });
    }
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Never created, or already gone: nothing to clean up.
  }
}

/**
 * Creates the temporary file beside `path` (step 1 of the module doc). Opening, renaming and
 * removing are single system calls, so both writers make them synchronously (core/sync_io.ts).
 */
function openTemporaryBeside(path: string): { temporary: string; file: Deno.FsFile } {
  const temporary = temporaryPathFor(path);
  try {
    return { temporary, file: Deno.openSync(temporary, CREATE_TEMPORARY) };
  } catch (cause) {
    throw fileError("create a file beside", path, cause, { access: "write" });
  }
}

/**
 * Writes a new file beside `path` with `fill`, syncs it and renames it over `path` (see the
 * module doc). `fill` may throw: the temporary file is then removed and `path` is untouched.
 * Errors are `CohesixError`s (`PermissionError` for a missing `--allow-write`).
 */
export async function writeFileAtomicWith(
  path: string,
  fill: (file: Deno.FsFile) => Promise<void>,
): Promise<void> {
  const { temporary, file } = openTemporaryBeside(path);
  try {
    try {
      await fill(file);
      await syncFileData(file);
    } finally {
      file.close();
    }
    Deno.renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw fileError("write", path, error, { access: "write" });
  }
}

/**
 * Atomically creates or replaces `path` with `data` (text is written as UTF-8). Small data (the
 * artifacts, audit files, registry state: all well under 256 KiB) is written with synchronous
 * calls only (`core/sync_io.ts`); larger data goes through {@link writeFileAtomicWith}.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = toBytes(data);
  if (bytes.length <= SYNC_IO_MAX_BYTES) return writeFileAtomicSync(path, bytes);
  await writeFileAtomicWith(path, (file) => writeAll(file, path, bytes));
}

/** {@link writeFileAtomic} for synchronous callers (the mock Queen saves its state in-line). */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const bytes = toBytes(data);
  const { temporary, file } = openTemporaryBeside(path);
  try {
    try {
      let offset = 0;
      while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
      file.syncDataSync();
    } finally {
      file.close();
    }
    Deno.renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw fileError("write", path, error, { access: "write" });
  }
}
