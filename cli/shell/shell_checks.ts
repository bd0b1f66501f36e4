/**
 * cohsh's local checks and payload builders for shell commands (CLI.md §2.4), with its exact
 * error texts: paths, string fields, echo payloads, the `{{msize_overflow}}` placeholder, the
 * `/queen/ctl` JSON of spawn, kill, bind and mount, and the lifecycle transition table. Pure; a
 * failed check throws {@link ShellError}.
 *
 * @module
 */

import { normalizeRole } from "../../wire/ticket.ts";
import {
  LIFECYCLE_COMMANDS as CLIENT_LIFECYCLE_COMMANDS,
  lifecycleAllowed,
  type LifecycleState,
  parseLifecycleState,
} from "../../client/lifecycle.ts";
import { ShellError } from "./cohsh_console.ts";

const MAX_PATH_COMPONENTS = 8;

/** Checks a shell path; returns it unchanged (cohsh sends it exactly as typed). */
export function checkPath(path: string): string {
  if (!path.startsWith("/")) throw new ShellError("paths must be absolute");
  let depth = 0;
  for (const component of path.split("/")) {
    if (component === "") continue;
    if (component === "." || component === "..") {
      throw new ShellError(`path component '${component}' is not permitted`);
    }
    if (component.includes("\0")) throw new ShellError("path component contains NUL byte");
    depth++;
    if (depth > MAX_PATH_COMPONENTS) {
      throw new ShellError(`path exceeds maximum depth of ${MAX_PATH_COMPONENTS} components`);
    }
  }
  return path;
}

/** A string that goes into JSON unescaped: not empty, no `"`, `\` or control character. */
export function checkStringField(value: string, label: string): string {
  if (value.length === 0) throw new ShellError(`${label} must not be empty`);
  // deno-lint-ignore no-control-regex
  if (/["\\\x00-\x1f\x7f]/.test(value)) {
    throw new ShellError(`${label} contains unsupported character`);
  }
  return value;
}

/** Echo payload normalisation: the text as sent (trimmed, one quote pair stripped), no newline. */
export function normalizeShellPayload(text: string): string {
  let payload = text.trim();
  if (payload.length === 0) throw new ShellError("payload must not be empty");
  if (
    payload.length >= 2 &&
    ((payload.startsWith('"') && payload.endsWith('"')) ||
      (payload.startsWith("'") && payload.endsWith("'")))
  ) {
    payload = payload.slice(1, -1);
  }
  if (/[\r\n\0]/.test(payload)) throw new ShellError("payload must be a single line of text");
  return payload;
}

/** The only placeholder cohsh expands (CLI.md §4.4). */
export const MSIZE_OVERFLOW_PLACEHOLDER = "{{msize_overflow}}";

/** The placeholder's expansion without its final newline (8255 bytes: msize + 64 with it). */
export function msizeOverflowPayload(msize = 8192): string {
  const head = '{"spawn":"gpu","lease":{"gpu_id":"';
  const tail = '","mem_mb":1,"streams":1,"ttl_s":1,"priority":1}}';
  const fill = msize + 64 - 1 - head.length - tail.length;
  return head + "X".repeat(fill) + tail;
}

/** The text of an `echo`, as sent: the placeholder's expansion, or the normalised payload. */
export function echoPayload(text: string, msize?: number): string {
  return text.includes(MSIZE_OVERFLOW_PLACEHOLDER)
    ? msizeOverflowPayload(msize)
    : normalizeShellPayload(text);
}

/** `echo <text> > <path>`: the payload (placeholder expanded) and the checked path. */
export function parseEcho(rest: string, msize?: number): { payload: string; path: string } {
  const at = rest.indexOf(">");
  if (at < 0) throw new ShellError("echo requires syntax: echo <text> > <path>");
  const payload = echoPayload(rest.slice(0, at), msize);
  const path = checkPath(rest.slice(at + 1).trim());
  return { payload, path };
}

/**
 * The wire label of a role word (any case, `worker` an alias: `wire/ticket.ts`'s rules), or
 * cohsh's `unknown role '<x>'`.
 */
export function roleLabel(word: string): string {
  try {
    return normalizeRole(word);
  } catch {
    throw new ShellError(`unknown role '${word}'`);
  }
}

type IntKind = "u8" | "u32" | "u64";
const INT_MAX: Readonly<Record<IntKind, bigint>> = {
  u8: 255n,
  u32: 4294967295n,
  u64: 18446744073709551615n,
};

/** Rust's unsigned `str::parse`, with its error texts (a leading `+` is accepted). */
export function parseUnsigned(text: string, kind: IntKind): bigint {
  if (text === "") throw new Error("cannot parse integer from empty string");
  const digits = text.startsWith("+") ? text.slice(1) : text;
  if (digits === "" || !/^[0-9]+$/.test(digits)) throw new Error("invalid digit found in string");
  const value = BigInt(digits);
  if (value > INT_MAX[kind]) throw new Error("number too large to fit in target type");
  return value;
}

/** Parses `k=v` options: keys lowercased; `invalid option` / `duplicate option` errors. */
function parseOptions(args: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0 || eq === arg.length - 1) {
      throw new ShellError(`invalid option '${arg}': expected key=value`);
    }
    const key = arg.slice(0, eq).toLowerCase();
    if (options.has(key)) throw new ShellError(`duplicate option '${arg}'`);
    options.set(key, arg.slice(eq + 1));
  }
  return options;
}

/** Takes `key` out of `options`, parsed; `undefined` when absent and not required. */
function take(
  options: Map<string, string>,
  key: string,
  kind: IntKind,
  isRequired: boolean,
): bigint | undefined {
  const value = options.get(key);
  if (value === undefined) {
    if (isRequired) throw new ShellError(`missing required option '${key}'`);
    return undefined;
  }
  options.delete(key);
  try {
    return parseUnsigned(value, kind);
  } catch (error) {
    throw new ShellError(`invalid ${key} '${value}': ${(error as Error).message}`);
  }
}

function rejectUnknown(options: Map<string, string>): void {
  const unknown = [...options.keys()].sort();
  if (unknown.length > 0) throw new ShellError(`unknown spawn options: ${unknown.join(", ")}`);
}

function budgetJson(ttl: bigint | undefined, ops: bigint | undefined): string {
  if (ttl === undefined && ops === undefined) return "";
  const parts = [];
  if (ttl !== undefined) parts.push(`"ttl_s":${ttl}`);
  if (ops !== undefined) parts.push(`"ops":${ops}`);
  return `,"budget":{${parts.join(",")}}`;
}

/** `spawn <role> [k=v…]` → the `/queen/ctl` JSON, keys in cohsh's order. */
export function spawnPayload(args: readonly string[]): string {
  const [roleWord, ...rest] = args;
  if (roleWord === undefined) throw new ShellError("spawn requires a role");
  const options = parseOptions(rest);
  const role = roleWord.toLowerCase();
  if (role === "heartbeat" || role === "worker" || role === "worker-heartbeat") {
    const ticks = take(options, "ticks", "u64", true)!;
    const ttl = take(options, "ttl_s", "u64", false);
    const ops = take(options, "ops", "u64", false);
    rejectUnknown(options);
    return `{"spawn":"heartbeat","ticks":${ticks}${budgetJson(ttl, ops)}}`;
  }
  if (role === "gpu" || role === "worker-gpu") {
    const gpuId = options.get("gpu_id");
    if (gpuId === undefined) throw new ShellError("missing required option 'gpu_id'");
    options.delete("gpu_id");
    checkStringField(gpuId, "gpu_id");
    const memMb = take(options, "mem_mb", "u32", true)!;
    const streams = take(options, "streams", "u8", true)!;
    const ttl = take(options, "ttl_s", "u32", true)!;
    const priority = take(options, "priority", "u8", false);
    const budgetTtl = take(options, "budget_ttl_s", "u64", false);
    const budgetOps = take(options, "budget_ops", "u64", false);
    rejectUnknown(options);
    const lease = `"gpu_id":"${gpuId}","mem_mb":${memMb},"streams":${streams},"ttl_s":${ttl}` +
      (priority === undefined ? "" : `,"priority":${priority}`);
    return `{"spawn":"gpu","lease":{${lease}}${budgetJson(budgetTtl, budgetOps)}}`;
  }
  throw new ShellError(`unknown spawn role '${roleWord}'`);
}

/** `kill <id>` → `{"kill":"<id>"}`. */
export function killPayload(args: readonly string[]): string {
  if (args.length === 0) throw new ShellError("kill requires a worker id");
  if (args.length > 1) throw new ShellError("kill takes exactly one argument: worker id");
  return `{"kill":"${checkStringField(args[0]!, "worker id")}"}`;
}

/** `bind <src> <dst>` → `{"bind":{"from":…,"to":…}}`. */
export function bindPayload(args: readonly string[]): string {
  if (args.length === 0) throw new ShellError("bind requires a source path");
  if (args.length === 1) throw new ShellError("bind requires a destination path");
  if (args.length > 2) throw new ShellError("bind takes exactly two arguments: src dst");
  const from = checkStringField(checkPath(args[0]!), "bind source");
  const to = checkStringField(checkPath(args[1]!), "bind target");
  return `{"bind":{"from":"${from}","to":"${to}"}}`;
}

/** `mount <service> <path>` → `{"mount":{"service":…,"at":…}}`. */
export function mountPayload(args: readonly string[]): string {
  if (args.length === 0) throw new ShellError("mount requires a service name");
  if (args.length === 1) throw new ShellError("mount requires a destination path");
  if (args.length > 2) throw new ShellError("mount takes exactly two arguments: service path");
  const service = checkStringField(args[0]!, "service name");
  const at = checkStringField(checkPath(args[1]!), "mount path");
  return `{"mount":{"service":"${service}","at":"${at}"}}`;
}

/** The lifecycle commands and the states each is allowed from (CLI.md §2.4). */
export const LIFECYCLE_COMMANDS: Readonly<Record<string, (state: string) => boolean>> = Object
  .fromEntries(
    CLIENT_LIFECYCLE_COMMANDS.map((command) => [
      command,
      (state: string) => lifecycleAllowed(command, state as LifecycleState),
    ]),
  );

const LIFECYCLE_LIST = CLIENT_LIFECYCLE_COMMANDS.join("|");

/** `lifecycle <cmd>`: the checked command word. */
export function lifecycleCommand(args: readonly string[]): string {
  if (args.length === 0) throw new ShellError(`lifecycle requires a command: ${LIFECYCLE_LIST}`);
  if (args.length > 1) {
    throw new ShellError(`lifecycle takes exactly one argument: ${LIFECYCLE_LIST}`);
  }
  const command = args[0]!;
  if (!(command in LIFECYCLE_COMMANDS)) {
    throw new ShellError(`unknown lifecycle command '${command}'`);
  }
  return command;
}

/** The state named by the first `state=<S>` line of `/proc/lifecycle/state`. */
export function lifecycleState(lines: readonly string[]): string {
  const state = parseLifecycleState(lines.join("\n"));
  if (state === undefined) {
    throw new ShellError("lifecycle state not found at /proc/lifecycle/state");
  }
  return state;
}
