/**
 * The flags every example shares and the backend they select, as the Python examples' `common.py`
 * does: `--mock` (with `--mock-root`), `--fs-root` (alias `--mount-root`), else TCP
 * (`--tcp-host`, `--tcp-port`, `--auth-token`, `--role`, `--ticket`, `--timeout-s`,
 * `--max-retries`); plus `--deadline-s`, `--out`, `--help` and `--verbose`. Choice: mock >
 * fs-root > TCP.
 *
 * @module
 */

import {
  type BackendChoice,
  DEFAULT_TCP_HOST,
  DEFAULT_TCP_PORT,
  FALLBACK_TOKEN,
  TOKEN_VARIABLES,
} from "../client/connect.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { UsageError } from "../core/errors.ts";
import { parseArgs } from "../core/parse_args.ts";

export { UsageError } from "../core/errors.ts";

export {
  type BackendChoice,
  backendNeeds,
  describeBackend,
  openBackend,
} from "../client/connect.ts";

/** One flag of an example, in `parseArgs` form (`core/parse_args.ts`) plus its help text. */
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

/**
 * Default `--deadline-s`: the whole run, connecting included. A demo finishes in well under a
 * second; a Queen answering every request just under its timeout could otherwise hold one
 * maximal telemetry pull (161 requests) for about 13 minutes.
 */
export const DEFAULT_DEADLINE_S = 120;

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
  "deadline-s": {
    type: "string",
    value: "SECONDS",
    help: `deadline of the whole run: connecting and every request and retry ` +
      `(${DEFAULT_DEADLINE_S})`,
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
 * Parses `argv` strictly (`core/parse_args.ts`): unknown flags, missing values and stray
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
  const { values } = parseArgs({ args: flagArgs, options, allowPositionals: false });
  return { values: values as FlagValues, command };
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
