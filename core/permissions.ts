/**
 * The permission plan of every entry point (examples, CLI): each run states the Deno permissions it needs (derived from its
 * flags), checks them all up front with `Deno.permissions.query`, and refuses with one message
 * naming every missing flag, instead of failing half-way or prompting. A `Deno.errors.NotCapable`
 * that still escapes is turned into the same kind of message.
 *
 * @module
 */

import { PermissionError } from "./errors.ts";

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

/** Network access to `host:port`. */
export function netNeed(what: string, host: string, port: number): PermissionNeed {
  const hostPort = `${host}:${port}`;
  return { what, descriptor: { name: "net", host: hostPort }, flag: `--allow-net=${hostPort}` };
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
export async function requirePermissions(needs: readonly PermissionNeed[]): Promise<void> {
  const missing: PermissionNeed[] = [];
  for (const need of needs) {
    const status = await Deno.permissions.query(need.descriptor);
    if (status.state !== "granted") missing.push(need);
  }
  if (missing.length === 0) return;
  const flags = [...new Set(missing.map((need) => need.flag))];
  const whats = [...new Set(missing.map((need) => need.what))];
  throw new PermissionError(whats.join(", "), flags.join(" "));
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
 * Turns Deno's own permission refusal (`Requires read access to "x", run again with the
 * --allow-read flag`) into a `PermissionError` naming the exact flag; other errors are returned
 * unchanged.
 */
export function toPermissionError(error: unknown): unknown {
  if (
    !(error instanceof Deno.errors.NotCapable) && !(error instanceof Deno.errors.PermissionDenied)
  ) {
    return error;
  }
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
