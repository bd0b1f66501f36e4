/**
 * The flags every example shares and the backend they select, as the Python examples' `common.py`
 * does: `--mock` (with `--mock-root`), `--fs-root` (alias `--mount-root`), else TCP
 * (`--tcp-host`, `--tcp-port`, `--auth-token`, `--role`, `--ticket`, `--timeout-s`,
 * `--max-retries`); plus `--out`, `--help` and `--verbose`. Choice: mock > fs-root > TCP.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Backend } from "../backends/backend.ts";
import { FilesystemBackend } from "../backends/filesystem.ts";
import { MockBackend } from "../backends/mock.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { ValidationError } from "../core/errors.ts";
import {
  envNeeds,
  netNeed,
  type PermissionNeed,
  readNeed,
  requirePermissions,
  writeNeed,
} from "./permissions.ts";

/** Environment variables the auth token is read from, in order (after `--auth-token`). */
export const TOKEN_VARIABLES: readonly string[] = ["COH_AUTH_TOKEN", "COHSH_AUTH_TOKEN"];

/** The token used when neither the flag nor the environment gives one (as coh and Python). */
export const FALLBACK_TOKEN = "changeme";

/** Default Queen console address (the Python examples' defaults). */
export const DEFAULT_TCP_HOST = "127.0.0.1";
/** Default Queen console port. */
export const DEFAULT_TCP_PORT = 31337;

/** A bad command line: the runner prints the message and the usage line and exits with 2. */
export class UsageError extends ValidationError {
  /** Always `usage`. */
  override readonly code = "usage";
}

/** One flag of an example, in `node:util` `parseArgs` form plus its help text. */
export interface FlagSpec {
  /** `string` flags take a value; `boolean` flags do not. */
  readonly type: "string" | "boolean";
  /** May be given several times (values are collected in order). */
  readonly multiple?: boolean;
  /** One-letter alias. */
  readonly short?: string;
  /** Placeholder of the value in the help text. */
  readonly value?: string;
  /** Help text. */
  readonly help: string;
}

/** The flags every example accepts. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  mock: { type: "boolean", help: "use the in-memory mock Queen (seeded demo namespace)" },
  "mock-root": {
    type: "string",
    value: "DIR",
    help: "keep the mock Queen's state in DIR across runs (implies --mock)",
  },
  "fs-root": {
    type: "string",
    value: "DIR",
    help: "use a mounted Cohesix namespace at DIR (e.g. a coh mount)",
  },
  "mount-root": { type: "string", value: "DIR", help: "alias of --fs-root" },
  "tcp-host": { type: "string", value: "HOST", help: `Queen console host (${DEFAULT_TCP_HOST})` },
  "tcp-port": { type: "string", value: "PORT", help: `Queen console port (${DEFAULT_TCP_PORT})` },
  "auth-token": {
    type: "string",
    value: "TOKEN",
    help: `console token (else ${TOKEN_VARIABLES.join(", then ")}, then ${FALLBACK_TOKEN})`,
  },
  role: { type: "string", value: "ROLE", help: "console role (queen)" },
  ticket: { type: "string", value: "TICKET", help: "capability ticket for the role" },
  "timeout-s": {
    type: "string",
    value: "SECONDS",
    help: `per-request timeout (${DEFAULTS.retry.timeoutMs / 1000})`,
  },
  "max-retries": {
    type: "string",
    value: "N",
    help: `connection attempts (${DEFAULTS.retry.maxAttempts})`,
  },
  out: {
    type: "string",
    value: "DIR",
    help: `artifact root (${DEFAULTS.examples.outputRoot}); files go to DIR/<example>/`,
  },
  verbose: { type: "boolean", short: "v", help: "print the transcript and error causes" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/** What an example declares about its command line. */
export interface ExampleCli {
  /** The example's name, also its artifact folder (`lease_run`, …). */
  readonly name: string;
  /** One line saying what it does. */
  readonly summary: string;
  /** Its own flags, added to {@link COMMON_FLAGS}. */
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Text after the flags in the usage line (e.g. `[-- command...]`). */
  readonly trailing?: string;
  /** Whether arguments after `--` are accepted (as the command to run). */
  readonly acceptsCommand?: boolean;
}

/** Parsed flag values: strings, booleans, or string lists for repeatable flags. */
export type FlagValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** A parsed command line. */
export interface ParsedArgs {
  /** Flag values by long name. */
  readonly values: FlagValues;
  /** Arguments after `--` (only for examples that accept a command). */
  readonly command: readonly string[] | undefined;
}

/** The usage line of an example. */
export function usageLine(cli: ExampleCli): string {
  const trailing = cli.trailing ? ` ${cli.trailing}` : "";
  return `usage: ${cli.name} [options]${trailing}   (--help for the options)`;
}

/** The full help text of an example. */
export function helpText(cli: ExampleCli): string {
  const rows: string[] = [];
  const all = { ...cli.flags, ...COMMON_FLAGS };
  for (const [name, spec] of Object.entries(all)) {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : "";
    rows.push(`  ${short}--${name}${value}`.padEnd(30) + ` ${spec.help}`);
  }
  return [
    `${cli.name}: ${cli.summary}`,
    "",
    usageLine(cli).replace("   (--help for the options)", ""),
    "",
    "Backend: --mock, else --fs-root, else the Queen's TCP console.",
    "",
    "Options:",
    ...rows,
    "",
    "Exit status: 0 success, 1 the run failed (message on stderr), 2 bad command line.",
  ].join("\n");
}

/**
 * Parses `argv` strictly (`node:util` parseArgs): unknown flags, missing values and stray
 * arguments are a {@link UsageError}. For examples that accept a command, everything after the
 * first `--` is the command.
 */
export function parseExampleArgs(cli: ExampleCli, argv: readonly string[]): ParsedArgs {
  let flagArgs = [...argv];
  let command: string[] | undefined;
  const split = argv.indexOf("--");
  if (cli.acceptsCommand && split >= 0) {
    flagArgs = argv.slice(0, split);
    command = argv.slice(split + 1);
  }
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = {};
  for (const [name, spec] of Object.entries({ ...COMMON_FLAGS, ...cli.flags })) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  try {
    const { values } = parseArgs({
      args: flagArgs,
      options,
      strict: true,
      allowPositionals: false,
    });
    return { values: values as FlagValues, command };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split("\n")[0] ?? "" : String(cause);
    throw new UsageError(message, { cause });
  }
}

/** A string flag's value, or `undefined`. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) return value.at(-1);
  return typeof value === "string" ? value : undefined;
}

/** A repeatable string flag's values (empty when not given). */
export function listFlag(values: FlagValues, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value;
  return typeof value === "string" ? [value] : [];
}

/** A boolean flag. */
export function booleanFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

/** An integer flag (decimal digits only), or `fallback` when absent. */
export function integerFlag(values: FlagValues, name: string, fallback: number): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text.trim())) {
    throw new UsageError(`--${name} must be a non-negative integer, got '${text}'`);
  }
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${name} is too large: ${text}`);
  return value;
}

/** A positive number flag (e.g. seconds), or `fallback` when absent. */
export function positiveNumberFlag(values: FlagValues, name: string, fallback: number): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive number, got '${text}'`);
  }
  return value;
}

/** Which backend the flags select, and its settings. */
export type BackendChoice =
  | { readonly kind: "mock"; readonly root: string | undefined; readonly includeMig: boolean }
  | { readonly kind: "filesystem"; readonly root: string }
  | {
    readonly kind: "tcp";
    readonly host: string;
    readonly port: number;
    /** The explicit `--auth-token`, trimmed; `undefined` means: read the environment. */
    readonly authToken: string | undefined;
    readonly role: string;
    readonly ticket: string | undefined;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
  };

/** Reads the backend flags (mock > fs-root > TCP). `includeMig` only matters for the mock. */
export function backendChoice(
  values: FlagValues,
  options: { includeMig?: boolean; defaults?: CohesixDefaults } = {},
): BackendChoice {
  const defaults = options.defaults ?? DEFAULTS;
  const mockRoot = stringFlag(values, "mock-root");
  if (booleanFlag(values, "mock") || mockRoot !== undefined) {
    return { kind: "mock", root: mockRoot, includeMig: options.includeMig ?? false };
  }
  const fsRoot = stringFlag(values, "fs-root") ?? stringFlag(values, "mount-root");
  if (fsRoot !== undefined) {
    if (fsRoot.trim() === "") throw new UsageError("--fs-root must not be empty");
    return { kind: "filesystem", root: fsRoot };
  }
  const port = integerFlag(values, "tcp-port", DEFAULT_TCP_PORT);
  if (port < 1 || port > 65535) throw new UsageError(`--tcp-port must be 1..65535, got ${port}`);
  const maxAttempts = integerFlag(values, "max-retries", defaults.retry.maxAttempts);
  if (maxAttempts < 1) throw new UsageError("--max-retries must be at least 1");
  const token = stringFlag(values, "auth-token")?.trim();
  const ticket = stringFlag(values, "ticket")?.trim();
  return {
    kind: "tcp",
    host: stringFlag(values, "tcp-host") ?? DEFAULT_TCP_HOST,
    port,
    authToken: token === undefined || token === "" ? undefined : token,
    role: stringFlag(values, "role") ?? "queen",
    ticket: ticket === undefined || ticket === "" ? undefined : ticket,
    timeoutMs: Math.round(
      positiveNumberFlag(values, "timeout-s", defaults.retry.timeoutMs / 1000) * 1000,
    ),
    maxAttempts,
  };
}

/** The artifact root (`--out` or `DEFAULTS.examples.outputRoot`). */
export function outputRoot(values: FlagValues, defaults: CohesixDefaults = DEFAULTS): string {
  const root = stringFlag(values, "out") ?? defaults.examples.outputRoot;
  if (root.trim() === "") throw new UsageError("--out must not be empty");
  return root.replace(/\/+$/, "") || "/";
}

/** The permissions a backend choice needs. */
export function backendNeeds(choice: BackendChoice): PermissionNeed[] {
  switch (choice.kind) {
    case "mock":
      return choice.root === undefined ? [] : [
        readNeed(`loading the mock state in ${choice.root}`, choice.root),
        writeNeed(`saving the mock state in ${choice.root}`, choice.root),
      ];
    case "filesystem":
      return [
        readNeed(`reading the namespace at ${choice.root}`, choice.root),
        writeNeed(`writing the namespace at ${choice.root}`, choice.root),
      ];
    case "tcp":
      return [
        netNeed(
          `connecting to the Queen at ${choice.host}:${choice.port}`,
          choice.host,
          choice.port,
        ),
        ...(choice.authToken === undefined
          ? envNeeds(
            `reading the auth token from ${TOKEN_VARIABLES.join("/")} (or pass --auth-token)`,
            TOKEN_VARIABLES,
          )
          : []),
      ];
  }
}

/**
 * The console token: `--auth-token` (trimmed, non-empty), else `COH_AUTH_TOKEN`, else
 * `COHSH_AUTH_TOKEN` (each trimmed, if non-empty), else `changeme` — as coh and the Python
 * examples resolve it.
 */
export function resolveAuthToken(
  explicit: string | undefined,
  readEnv: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const flag = explicit?.trim();
  if (flag) return flag;
  for (const name of TOKEN_VARIABLES) {
    const value = readEnv(name)?.trim();
    if (value) return value;
  }
  return FALLBACK_TOKEN;
}

/**
 * Checks the backend's permissions, then opens it. Close it with `await using` or `close()`.
 */
export async function openBackend(
  choice: BackendChoice,
  options: { defaults?: CohesixDefaults; signal?: AbortSignal } = {},
): Promise<Backend> {
  await requirePermissions(backendNeeds(choice));
  const defaults = options.defaults ?? DEFAULTS;
  switch (choice.kind) {
    case "mock":
      return choice.root === undefined
        ? new MockBackend({ includeMig: choice.includeMig, defaults })
        : await MockBackend.open({ root: choice.root, includeMig: choice.includeMig, defaults });
    case "filesystem":
      return await FilesystemBackend.open(choice.root, { defaults });
    case "tcp":
      return await TcpBackend.connect({
        host: choice.host,
        port: choice.port,
        authToken: resolveAuthToken(choice.authToken),
        role: choice.role,
        ...(choice.ticket === undefined ? {} : { ticket: choice.ticket }),
        timeoutMs: choice.timeoutMs,
        maxAttempts: choice.maxAttempts,
        defaults,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
  }
}

/** Where a backend choice points, for messages (`the mock Queen`, `the Queen at H:P`, …). */
export function describeBackend(choice: BackendChoice): string {
  switch (choice.kind) {
    case "mock":
      return choice.root === undefined ? "the mock Queen" : `the mock Queen in ${choice.root}`;
    case "filesystem":
      return `the namespace mounted at ${choice.root}`;
    case "tcp":
      return `the Queen at ${choice.host}:${choice.port}`;
  }
}
