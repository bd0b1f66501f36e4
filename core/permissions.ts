/**
 * The permission plan of every entry point (examples, CLI): each run states the Deno permissions it needs (derived from its
 * flags), checks them all up front with `Deno.permissions.query`, and refuses with one message
 * naming every missing flag, instead of failing half-way or prompting. A `Deno.errors.NotCapable`
 * that still escapes is turned into the same kind of message.
 *
 * It is also the one place that classifies OS errors of local files ({@link fileError}): Deno's
 * own refusal (`NotCapable`, a missing flag) and the operating system's (`PermissionDenied`, a
 * mode-000 file: no flag helps) are told apart, so the operator is never told to pass a flag they
 * already passed.
 *
 * @module
 */

import { CohesixError, LocalFileError, PermissionError } from "./errors.ts";

/** One permission a run needs: what it is for, how to query it, and the flag that grants it. */
export interface PermissionNeed {
  /** What needs it, for the message (e.g. `writing out/examples/lease_run`). */
  readonly what: string;
  /** The descriptor `Deno.permissions.query` checks. */
  readonly descriptor: Deno.PermissionDescriptor;
  /** The exact flag that grants it (e.g. `--allow-write=out/examples`). */
  readonly flag: string;
}

/** Read access to `path`, granted by `--allow-read=<grant>` (a folder containing `path`). */
export function readNeed(what: string, path: string, grant: string = path): PermissionNeed {
  return { what, descriptor: { name: "read", path }, flag: `--allow-read=${grant}` };
}

/** Write access to `path`, granted by `--allow-write=<grant>`. */
export function writeNeed(what: string, path: string, grant: string = path): PermissionNeed {
  return { what, descriptor: { name: "write", path }, flag: `--allow-write=${grant}` };
}

/** Formats `host:port` as Deno's `--allow-net` flag wants it (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Network access to `host:port`. */
export function netNeed(what: string, host: string, port: number): PermissionNeed {
  const hostPort = formatHostPort(host, port);
  return { what, descriptor: { name: "net", host: hostPort }, flag: `--allow-net=${hostPort}` };
}

/** The `PermissionError` for `what` (connecting to `hostPort`) refused for want of `--allow-net`. */
export function missingNetPermission(
  what: string,
  hostPort: string,
  cause?: unknown,
): PermissionError {
  return new PermissionError(what, `--allow-net=${hostPort}`, cause === undefined ? {} : { cause });
}

/** Permission to start `command` (a program name or path). */
export function runNeed(what: string, command: string): PermissionNeed {
  return { what, descriptor: { name: "run", command }, flag: `--allow-run=${command}` };
}

/** Access to environment variables; one need per variable, one flag naming them all. */
export function envNeeds(what: string, variables: readonly string[]): PermissionNeed[] {
  const flag = `--allow-env=${variables.join(",")}`;
  return variables.map((variable) => ({ what, descriptor: { name: "env", variable }, flag }));
}

/**
 * Checks every need without prompting; if any is not granted, throws one `PermissionError`
 * whose message lists what needs it and whose `flag` holds every missing flag (space-separated,
 * each once, in order).
 */
export function requirePermissions(needs: readonly PermissionNeed[]): Promise<void> {
  const missing: PermissionNeed[] = [];
  for (const need of needs) {
    // querySync: the same answer without an asynchronous op (cheaper at start-up).
    const status = Deno.permissions.querySync(need.descriptor);
    if (status.state !== "granted") missing.push(need);
  }
  if (missing.length === 0) return Promise.resolve();
  const flags = [...new Set(missing.map((need) => need.flag))];
  const whats = [...new Set(missing.map((need) => need.what))];
  return Promise.reject(new PermissionError(whats.join(", "), flags.join(" ")));
}

const KIND_FLAGS: Record<string, string> = {
  read: "--allow-read",
  write: "--allow-write",
  net: "--allow-net",
  env: "--allow-env",
  run: "--allow-run",
  sys: "--allow-sys",
  ffi: "--allow-ffi",
  import: "--allow-import",
};

/**
 * Throws a `PermissionError` naming `--allow-<name>=<grant>` unless `name` access to `path` is
 * already granted (never prompts).
 */
export async function requirePathPermission(
  name: "read" | "write",
  path: string,
  what: string,
  grant: string = path,
): Promise<void> {
  await requirePermissions([
    name === "read" ? readNeed(what, path, grant) : writeNeed(what, path, grant),
  ]);
}

/**
 * Whether `error` is Deno's own refusal (a missing `--allow-*` flag). The operating system's
 * refusal (`EACCES`/`EPERM`, e.g. a mode-000 file) is `Deno.errors.PermissionDenied` and is NOT
 * one: no flag lifts it.
 */
export function isMissingDenoPermission(error: unknown): error is Deno.errors.NotCapable {
  return error instanceof Deno.errors.NotCapable;
}

/** Whether `error` is the operating system refusing access (owner, mode, ACL, read-only mount). */
export function isOsPermissionDenied(error: unknown): error is Deno.errors.PermissionDenied {
  return error instanceof Deno.errors.PermissionDenied;
}

/** Whether `error` is `ENOSYS` (a filesystem that does not implement the call, e.g. a FUSE mount). */
export function isNotImplemented(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === "ENOSYS" || /\(os error 38\)/.test(error.message);
}

/**
 * Turns Deno's own permission refusal (`Requires read access to "x", run again with the
 * --allow-read flag`) into a `PermissionError` naming the exact flag, and the operating system's
 * refusal into a `LocalFileError` that says no flag will help; other errors are returned
 * unchanged.
 */
export function toPermissionError(error: unknown): unknown {
  if (isOsPermissionDenied(error)) {
    return new LocalFileError(`the operating system refused access: ${error.message}`, {
      cause: error,
      hint: OS_DENIED_HINT,
    });
  }
  if (!isMissingDenoPermission(error)) return error;
  const match = /Requires (\w+) access to "([^"]*)"/.exec(error.message);
  const base = match ? KIND_FLAGS[match[1] ?? ""] : undefined;
  if (!match || base === undefined) {
    const flag = /--allow-[a-z]+/.exec(error.message)?.[0] ?? "--allow-<kind>";
    return new PermissionError("this run", flag, { cause: error });
  }
  const target = match[2] ?? "";
  return new PermissionError(`${match[1]} access to ${target}`, `${base}=${target}`, {
    cause: error,
  });
}

const OS_DENIED_HINT = "no Deno flag lifts this: check the owner and mode of the file and its " +
  "folders (ls -l), or pick another path";

/** Options of {@link fileError}. */
export interface FileErrorOptions {
  /** The access that failed, for the Deno flag to name; default `read`. */
  readonly access?: "read" | "write";
  /** The path the flag should grant (a folder above `path`); default `path`. */
  readonly grant?: string;
  /** What to do, for errors that are neither a missing flag nor an OS refusal. */
  readonly hint?: string;
}

/**
 * Wraps an error from a local file operation (`action` on `path`, e.g. `create` `out/x`) into the
 * `CohesixError` family: a missing Deno flag is a `PermissionError` naming
 * `--allow-<access>=<grant>` (the access Deno says it refused, else `access`); the operating system's refusal (`PermissionDenied`: owner, mode)
 * is a `LocalFileError` saying so (re-running with a flag would not help); anything else is a
 * `LocalFileError` with the OS message. `CohesixError`s pass through.
 */
export function fileError(
  action: string,
  path: string,
  cause: unknown,
  options: FileErrorOptions = {},
): CohesixError {
  if (cause instanceof CohesixError) return cause;
  const access = options.access ?? "read";
  if (isMissingDenoPermission(cause)) {
    // Deno names the access it refused (a rename also needs read access, a stat read access).
    const refused = /Requires (read|write) access/.exec(cause.message)?.[1] ?? access;
    return new PermissionError(`${action} ${path}`, `--allow-${refused}=${options.grant ?? path}`, {
      cause,
    });
  }
  if (isOsPermissionDenied(cause)) {
    return new LocalFileError(`${action} ${path}: permission denied by the operating system`, {
      cause,
      hint: OS_DENIED_HINT,
    });
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LocalFileError(`${action} ${path}: ${detail}`, {
    cause,
    hint: options.hint ??
      (cause instanceof Deno.errors.NotFound
        ? "check that the path exists"
        : "check the path, free space and permissions"),
  });
}
