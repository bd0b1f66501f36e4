/**
 * When local file I/O is synchronous. Deno runs every asynchronous file call on a worker thread:
 * measured here, about 0.1 ms per call (3–4 ms for a process's first one) against 15–25 µs for
 * the same call made synchronously, and a PEFT import makes about forty such calls. So:
 *
 * - metadata calls (stat, mkdir, open, rename, remove, listing a folder) are synchronous: one
 *   system call each, microseconds on a local disk;
 * - the first {@link SYNC_IO_MAX_BYTES} of a file's contents are read or written synchronously,
 *   and so is the sync of a file no larger: the artifacts, manifests, registry state and demo
 *   adapters never leave the event loop's thread;
 * - beyond that, contents move asynchronously, so a large adapter (up to 64 MiB) holds the event
 *   loop for one such slice at a time and a deadline or Ctrl-C still gets through.
 *
 * The mounted namespace (`FilesystemBackend`) is not local disk (it may be a 9P mount that stalls)
 * and keeps asynchronous calls.
 *
 * @module
 */

/** Bytes of one file moved with synchronous calls before the rest goes asynchronous. */
export const SYNC_IO_MAX_BYTES = 256 * 1024;

/**
 * Reads the next chunk of `file` into `buffer`, `offset` bytes into the file: synchronously while
 * within {@link SYNC_IO_MAX_BYTES} (never past it), asynchronously beyond. `null` at the end.
 */
export function readChunk(
  file: Deno.FsFile,
  buffer: Uint8Array,
  offset: number,
): number | null | Promise<number | null> {
  if (offset >= SYNC_IO_MAX_BYTES) return file.read(buffer);
  return file.readSync(buffer.subarray(0, Math.min(buffer.length, SYNC_IO_MAX_BYTES - offset)));
}

/**
 * Writes some of `data` to `file`, `offset` bytes into the file: synchronously while within
 * {@link SYNC_IO_MAX_BYTES} (never past it), asynchronously beyond. Returns the bytes written.
 */
export function writeChunk(
  file: Deno.FsFile,
  data: Uint8Array,
  offset: number,
): number | Promise<number> {
  if (offset >= SYNC_IO_MAX_BYTES) return file.write(data);
  return file.writeSync(data.subarray(0, SYNC_IO_MAX_BYTES - offset));
}

/** Syncs `file`'s data: synchronously for a file of at most {@link SYNC_IO_MAX_BYTES}. */
export function syncFileData(file: Deno.FsFile): void | Promise<void> {
  if (file.statSync().size <= SYNC_IO_MAX_BYTES) return file.syncDataSync();
  return file.syncData();
}
