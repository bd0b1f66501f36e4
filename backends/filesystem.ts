/**
 * `FilesystemBackend`: a mounted Secure9P namespace (for example a `coh mount` FUSE mount) at a
 * local directory. Paths are Queen paths joined under the mount root (its real path, resolved
 * once at open). Needs `--allow-read=ROOT` (and `--allow-write=ROOT` to append).
 *
 * Containment (a Secure9P namespace has no symlinks, so none is followed below the root):
 * - `..` is refused before anything is touched;
 * - every directory on the way is `lstat`ed and must be a real directory, the last component
 *   must not be a symlink (dangling or not): a symlink anywhere below the root is refused;
 * - no window between check and use: the file is opened first, then what was opened is compared
 *   (device and inode) with what was checked, and every directory on the way is checked again
 *   to be the same one; only then is a byte read or written. A directory or file swapped for a
 *   symlink meanwhile is refused (`path changed while it was used`);
 * - an append to an absent file creates it exclusively (`O_EXCL`, which never follows a
 *   symlink), and missing directories are made one at a time (`mkdir` never follows either).
 *
 * The check, the open and the re-check run synchronously, so no other task of this process runs
 * in between. Deno offers no `openat`, so against another process or thread the re-check is path
 * based: to get through, a swap would have to be made and undone twice between consecutive
 * syscalls of one check (a swapping thread in the tests and a swapping process in 20 000-round
 * probes never did). At worst an exclusive create through such a swap leaves an empty file: no
 * byte is ever read from or written outside the root.
 *
 * @module
 */

import { concatBytes } from "../core/bytes.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { AbortedError, CohesixError, LocalFileError, ValidationError } from "../core/errors.ts";
import { readCapError } from "../core/read_caps.ts";
import {
  fileError,
  isNotImplemented,
  isOsPermissionDenied,
  requirePathPermission,
} from "../core/permissions.ts";
import { explainRefusedWrite, LIFECYCLE_STATE_PATH } from "./write_refusal.ts";
import { validatePath } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import type { Backend, CallOptions } from "./backend.ts";

export type { Backend, CallOptions } from "./backend.ts";

/** Options of {@link FilesystemBackend.open}. */
export interface FilesystemBackendOptions {
  /** Manifest bounds used for path validation; defaults to {@link DEFAULTS}. */
  defaults?: CohesixDefaults;
}

const READ_CHUNK = 64 * 1024;

/** A Cohesix namespace mounted at a local directory. */
export class FilesystemBackend implements Backend {
  /** Always `filesystem`. */
  readonly kind = "filesystem" as const;
  /** The mount root's resolved real path. */
  readonly root: string;
  readonly #defaults: CohesixDefaults;
  #closed = false;

  private constructor(root: string, defaults: CohesixDefaults) {
    this.root = root;
    this.#defaults = defaults;
  }

  /** Opens the mount at `root` (resolves its real path; it must be a directory). */
  static async open(
    root: string,
    options: FilesystemBackendOptions = {},
  ): Promise<FilesystemBackend> {
    const absolute = absolutePath(root);
    await requirePathPermission("read", absolute, "reading the mount root");
    let real: string;
    try {
      real = await Deno.realPath(absolute);
    } catch (cause) {
      throw mapFsError(cause, absolute, `mount root ${absolute}`, "read");
    }
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(real);
    } catch (cause) {
      throw mapFsError(cause, absolute, `mount root ${absolute}`, "read");
    }
    if (!info.isDirectory) throw new LocalFileError(`mount root ${absolute} is not a directory`);
    return new FilesystemBackend(real, options.defaults ?? DEFAULTS);
  }

  /** Lists directory `path`, sorted in code-point order (a mount has no insertion order). */
  listDir(path: string, options: CallOptions = {}): Promise<string[]> {
    return this.#run(options, "read", path, () => {
      const parts = this.#parts(path);
      const walked = this.#walk(parts, path);
      const target = this.#lstatFinal(parts, path);
      if (target === undefined) throw missing(path);
      if (!target.isDirectory) throw new LocalFileError(`${path} is not a directory`);
      const names = [...Deno.readDirSync(this.#join(parts))].map((entry) => entry.name);
      // Returned only when nothing on the way was swapped while it was read.
      this.#verify(walked, parts, target, path);
      return names.sort(compareCodePoints);
    });
  }

  /** Reads file `path` as raw bytes; reads at most `maxBytes + 1` bytes to enforce the cap. */
  async readFile(path: string, maxBytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    const parts = this.#parts(path);
    using file = await this.#run(
      options,
      "read",
      path,
      () => this.#openVerifiedFile(parts, path, { read: true }),
    );
    // From here on the opened file is pinned: reading it cannot be redirected.
    const bytes = await this.#io(path, "read", async () => {
      const chunks: Uint8Array[] = [];
      let total = 0;
      while (total <= maxBytes) {
        options.signal?.throwIfAborted();
        const buffer = new Uint8Array(Math.min(READ_CHUNK, maxBytes + 1 - total));
        const n = await file.read(buffer);
        if (n === null) break;
        chunks.push(buffer.subarray(0, n));
        total += n;
      }
      if (total > maxBytes) {
        throw readCapError(path, maxBytes);
      }
      return concatBytes(chunks);
    });
    if (bytes.length === 0 && neverServedEmpty(parts)) throw unusableMount(this.root, path, "read");
    return bytes;
  }

  /**
   * Appends `payload` to `path` exactly as given, creating missing parent directories one at a
   * time and an absent file exclusively (never through a symlink). Returns `payload.length`.
   * The payload must pass the console's ECHO rules (`wire/echo_payload.ts`: one non-empty line
   * of printable ASCII, at most `console.max_echo_len` bytes, one trailing newline allowed),
   * refused with the same error as on the other backends.
   */
  async writeAppend(path: string, payload: Uint8Array, options: CallOptions = {}): Promise<number> {
    const parts = this.#parts(path);
    // The console's ECHO rules, so a payload the Queen would refuse is refused here too.
    normalizeEchoPayload(payload, this.#defaults);
    if (parts.length === 0) throw new LocalFileError(`${path} is not a file`);
    await requirePathPermission("write", this.root, "appending under the mount root");
    try {
      return await this.#append(parts, path, payload, options);
    } catch (error) {
      // The mount turns the Queen's EPERM into the OS's: read the lifecycle state to tell why.
      if (!(error instanceof LocalFileError && isOsPermissionDenied(error.cause))) throw error;
      throw await explainRefusedWrite(error, path, {
        role: "queen",
        hasTicket: false,
        readLifecycleState: () => this.readFile(LIFECYCLE_STATE_PATH, 256, options),
      });
    }
  }

  /**
   * Opens the regular file at `parts` (walked without following a symlink), then checks that
   * what was opened is what was walked; synchronous, so nothing in this process runs in between.
   */
  #openVerifiedFile(
    parts: readonly string[],
    path: string,
    mode: Deno.OpenOptions,
  ): Deno.FsFile {
    const walked = this.#walk(parts, path);
    const target = this.#lstatFinal(parts, path);
    if (target === undefined) throw missing(path);
    if (!target.isFile) throw new LocalFileError(`${path} is not a file`);
    const opened = Deno.openSync(this.#join(parts), mode);
    try {
      this.#verifyOpened(opened, walked, parts, target, path);
    } catch (error) {
      opened.close();
      throw error;
    }
    return opened;
  }

  async #append(
    parts: readonly string[],
    path: string,
    payload: Uint8Array,
    options: CallOptions,
  ): Promise<number> {
    using file = await this.#run(options, "write", path, () => {
      this.#createMissing(parts, path);
      return this.#openVerifiedFile(parts, path, { append: true });
    });
    await this.#io(path, "write", async () => {
      let written = 0;
      while (written < payload.length) written += await file.write(payload.subarray(written));
    });
    return payload.length;
  }

  /** Nothing to release; idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Same as {@link FilesystemBackend.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Runs the check-and-open part of an operation synchronously: no other task of this process
   * runs between the checks and the use, so a concurrent task cannot swap a path in between.
   */
  #run<T>(
    options: CallOptions,
    access: "read" | "write",
    path: string,
    body: () => T,
  ): Promise<T> {
    try {
      if (this.#closed) throw new LocalFileError("filesystem backend is closed");
      if (options.signal?.aborted) {
        throw new AbortedError("filesystem request aborted", { cause: options.signal.reason });
      }
      return Promise.resolve(body());
    } catch (cause) {
      return Promise.reject(mapFsError(cause, this.root, path, access));
    }
  }

  async #io<T>(path: string, access: "read" | "write", call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      throw mapFsError(cause, this.root, path, access);
    }
  }

  /** Queen path → components; `..` is an escape attempt, the rest follows `validatePath`. */
  #parts(path: string): string[] {
    if (typeof path === "string" && path.split("/").some((p) => p === "..")) {
      throw escapes(path);
    }
    return validatePath(path, this.#defaults);
  }

  #join(parts: readonly string[]): string {
    return parts.length === 0 ? this.root : `${this.root}/${parts.join("/")}`;
  }

  /**
   * Creates the missing directories above `parts`' last component and the file itself, one at a
   * time: `mkdir` and an exclusive create (`O_EXCL`) never follow a symlink at their last
   * component, and every directory on the way is checked by the walk before the next step.
   */
  #createMissing(parts: readonly string[], path: string): void {
    for (let depth = 1; depth <= parts.length; depth++) {
      this.#walk(parts.slice(0, depth), path);
      const local = this.#join(parts.slice(0, depth));
      if (this.#lstat(local, path) !== undefined) continue;
      try {
        if (depth < parts.length) Deno.mkdirSync(local);
        else Deno.openSync(local, { write: true, createNew: true }).close();
      } catch (cause) {
        if (!(cause instanceof Deno.errors.AlreadyExists)) throw cause;
      }
    }
  }

  /**
   * `lstat` of every directory from the root down to the parent of `parts`' last component: each
   * must be a real directory (a symlink is refused). Returns their identities for
   * {@link FilesystemBackend.#verify}.
   */
  #walk(parts: readonly string[], path: string): Deno.FileInfo[] {
    const walked: Deno.FileInfo[] = [];
    for (let depth = 0; depth < Math.max(parts.length, 1); depth++) {
      const info = this.#lstat(this.#join(parts.slice(0, depth)), path);
      if (info === undefined) throw missing(path);
      if (info.isSymlink) throw escapes(path);
      if (!info.isDirectory) throw new LocalFileError(`${path}: a parent is not a directory`);
      walked.push(info);
    }
    return walked;
  }

  /** Checks that the opened file is the checked one, reached through the checked directories. */
  #verifyOpened(
    opened: Deno.FsFile,
    walked: readonly Deno.FileInfo[],
    parts: readonly string[],
    target: Deno.FileInfo,
    path: string,
  ): void {
    if (!sameEntry(opened.statSync(), target)) throw swapped(path);
    this.#verify(walked, parts, target, path);
  }

  /**
   * Re-checks, after the use, that every directory of the walk and the target are still the
   * same entries — twice, so a swap would have to be made and undone twice in between.
   */
  #verify(
    walked: readonly Deno.FileInfo[],
    parts: readonly string[],
    target: Deno.FileInfo,
    path: string,
  ): void {
    for (let round = 0; round < 2; round++) {
      for (let depth = 0; depth < walked.length; depth++) {
        const now = this.#lstat(this.#join(parts.slice(0, depth)), path);
        if (!sameEntry(now, walked[depth])) throw swapped(path);
      }
      if (!sameEntry(this.#lstatFinal(parts, path), target)) throw swapped(path);
    }
  }

  /** `lstat` of the last component: `undefined` when absent; a symlink is refused. */
  #lstatFinal(parts: readonly string[], path: string): Deno.FileInfo | undefined {
    const info = this.#lstat(this.#join(parts), path);
    if (parts.length > 0 && info?.isSymlink) throw escapes(path);
    return info;
  }

  #lstat(local: string, path: string): Deno.FileInfo | undefined {
    try {
      return Deno.lstatSync(local);
    } catch (cause) {
      if (cause instanceof Deno.errors.NotFound) return undefined;
      // A file used as a directory on the way (`/a/file/b`) is simply not there.
      if (cause instanceof Deno.errors.NotADirectory) return undefined;
      throw mapFsError(cause, this.root, path, "read");
    }
  }
}

/** Whether two `lstat`/`stat` results name the same file (device and inode). */
function sameEntry(a: Deno.FileInfo | undefined, b: Deno.FileInfo | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  // Deno reports no inode numbers on Windows: there only the symlink refusals apply.
  if (a.ino === null && b.ino === null) return a.isFile === b.isFile;
  return a.dev === b.dev && a.ino === b.ino;
}

function missing(path: string): LocalFileError {
  return new LocalFileError(`${path} does not exist under the mount root`);
}

function swapped(path: string): ValidationError {
  return new ValidationError(
    `path changed while it was used: ${JSON.stringify(path)} (a directory or file on the way ` +
      "was replaced)",
    {
      hint: "something is renaming or symlinking inside the mount root; nothing was read or " +
        "written through it",
    },
  );
}

/**
 * Files the Queen never serves empty (`/proc/lifecycle/*` always holds `key=value`,
 * `/gpu/<id>/info` a JSON object): an empty read means the mount does not pass content through.
 */
function neverServedEmpty(parts: readonly string[]): boolean {
  const [a, b, c] = parts;
  if (parts.length === 3 && a === "proc" && b === "lifecycle") return true;
  return parts.length === 3 && a === "gpu" && c === "info";
}

/** The mount cannot do `operation` for `path` (empty where the Queen never is, or ENOSYS). */
function unusableMount(root: string, path: string, operation: string, cause?: unknown) {
  return new LocalFileError(
    `the mount at ${root} is not usable to ${operation} ${path}: ${
      cause === undefined
        ? "it reads empty, and the Queen never serves that file empty"
        : "the filesystem does not implement the call (ENOSYS)"
    }`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: "a coh mount of release 0.3.0-alpha2 reports every file as size 0, reads it empty " +
        "and cannot create directories; use the TCP backend instead (--tcp-host/--tcp-port)",
    },
  );
}

function escapes(path: string): ValidationError {
  return new ValidationError(`path escapes mount root: ${JSON.stringify(path)}`, {
    hint: "use a Queen path below the mount root, without .. or symlinks pointing outside",
  });
}

function mapFsError(
  cause: unknown,
  root: string,
  path: string,
  access: "read" | "write",
): CohesixError {
  if (cause instanceof CohesixError) return cause;
  if (cause instanceof Deno.errors.NotFound) {
    return new LocalFileError(`${path} does not exist under the mount root`, { cause });
  }
  if (isNotImplemented(cause)) {
    return unusableMount(root, path, access === "read" ? "read" : "write", cause);
  }
  return fileError(access === "read" ? "read" : "write", path, cause, { access, grant: root });
}

function absolutePath(path: string): string {
  if (path.startsWith("/")) return path.replace(/(.)\/+$/, "$1");
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return path; // no read access to the cwd: let Deno resolve the relative path itself
  }
  const joined = `${cwd === "/" ? "" : cwd}/${path}`.replace(/\/\.?$/, "");
  return joined.replace(/\/\.\//g, "/");
}

/** Orders strings by Unicode code point (UTF-16 `<` misorders astral characters). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}
