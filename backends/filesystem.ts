/**
 * `FilesystemBackend`: a mounted Secure9P namespace (for example a `coh mount` FUSE mount) at a
 * local directory. Paths are Queen paths joined under the mount root; every access is contained
 * by resolved real path, so `..`, symlinks pointing out and a sibling sharing the root's prefix
 * are all refused. Needs `--allow-read=ROOT` (and `--allow-write=ROOT` to append).
 *
 * @module
 */

import { concatBytes } from "../core/bytes.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import {
  AbortedError,
  CohesixError,
  LocalFileError,
  PermissionError,
  ValidationError,
} from "../core/errors.ts";
import { readCapError } from "../core/read_caps.ts";
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
    await requirePermission("read", absolute, "reading the mount root");
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
  async listDir(path: string, options: CallOptions = {}): Promise<string[]> {
    this.#check(options);
    const real = await this.#resolveExisting(path);
    const info = await this.#fs(() => Deno.stat(real), path);
    if (!info.isDirectory) throw new LocalFileError(`${path} is not a directory`);
    const names: string[] = [];
    await this.#fs(async () => {
      for await (const entry of Deno.readDir(real)) names.push(entry.name);
    }, path);
    return names.sort(compareCodePoints);
  }

  /** Reads file `path` as raw bytes; reads at most `maxBytes + 1` bytes to enforce the cap. */
  async readFile(path: string, maxBytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    this.#check(options);
    const real = await this.#resolveExisting(path);
    const info = await this.#fs(() => Deno.stat(real), path);
    if (!info.isFile) throw new LocalFileError(`${path} is not a file`);
    return await this.#fs(async () => {
      using file = await Deno.open(real, { read: true });
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
    }, path);
  }

  /**
   * Appends `payload` to `path` exactly as given, creating parent directories; returns
   * `payload.length`. The payload must pass the console's ECHO rules (`wire/echo_payload.ts`:
   * one non-empty line of printable ASCII, at most `console.max_echo_len` bytes, one trailing
   * newline allowed), refused with the same error as on the other backends.
   */
  async writeAppend(path: string, payload: Uint8Array, options: CallOptions = {}): Promise<number> {
    this.#check(options);
    const parts = this.#parts(path);
    // The console's ECHO rules, so a payload the Queen would refuse is refused here too.
    normalizeEchoPayload(payload, this.#defaults);
    await requirePermission("write", this.root, "appending under the mount root");
    const target = await this.#resolveForWrite(parts, path);
    await this.#fs(
      async () => {
        await Deno.mkdir(parentOf(target), { recursive: true });
        // Re-check after creating parents: a racing symlink must not redirect the write.
        this.#contain(await Deno.realPath(parentOf(target)), path);
        using file = await Deno.open(target, { append: true, create: true });
        let written = 0;
        while (written < payload.length) written += await file.write(payload.subarray(written));
      },
      path,
      "write",
    );
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

  #check(options: CallOptions): void {
    if (this.#closed) throw new LocalFileError("filesystem backend is closed");
    if (options.signal?.aborted) {
      throw new AbortedError("filesystem request aborted", { cause: options.signal.reason });
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

  #contain(real: string, path: string): void {
    const root = this.root === "/" ? "" : this.root;
    if (real !== this.root && !real.startsWith(`${root}/`)) throw escapes(path);
  }

  async #resolveExisting(path: string): Promise<string> {
    const joined = this.#join(this.#parts(path));
    const real = await this.#fs(() => Deno.realPath(joined), path);
    this.#contain(real, path);
    return real;
  }

  /** For a file that may not exist yet: contain the nearest existing ancestor. */
  async #resolveForWrite(parts: readonly string[], path: string): Promise<string> {
    for (let depth = parts.length; depth >= 0; depth--) {
      const candidate = this.#join(parts.slice(0, depth));
      let real: string;
      try {
        real = await Deno.realPath(candidate);
      } catch (cause) {
        if (cause instanceof Deno.errors.NotFound) continue;
        throw mapFsError(cause, this.root, path, "read");
      }
      this.#contain(real, path);
      if (depth === parts.length) {
        const info = await this.#fs(() => Deno.stat(real), path);
        if (!info.isFile) throw new LocalFileError(`${path} is not a file`);
        return real;
      }
      return [real === "/" ? "" : real, ...parts.slice(depth)].join("/");
    }
    throw escapes(path);
  }

  async #fs<T>(
    call: () => Promise<T>,
    path: string,
    access: "read" | "write" = "read",
  ): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      throw mapFsError(cause, this.root, path, access);
    }
  }
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
  if (cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied) {
    return new PermissionError(
      `${access === "read" ? "reading" : "writing"} ${path}`,
      `--allow-${access}=${root}`,
      { cause },
    );
  }
  if (cause instanceof Deno.errors.NotFound) {
    return new LocalFileError(`${path} does not exist under the mount root`, { cause });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new LocalFileError(`${path}: ${message}`, { cause });
}

async function requirePermission(name: "read" | "write", root: string, what: string) {
  const status = await Deno.permissions.query({ name, path: root });
  if (status.state !== "granted") throw new PermissionError(what, `--allow-${name}=${root}`);
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

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
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
