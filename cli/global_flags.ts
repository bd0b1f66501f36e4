/**
 * The flags every `cohesix` subcommand accepts, before or after the subcommand's name: which
 * Queen (mock, mounted namespace or TCP console, with its token, role and ticket), the policy file,
 * timeouts, output format and verbosity. They are taken out of the command line here, so each
 * subcommand parses only its own flags. Nothing after `--` is touched.
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

/**
 * The default deadline of a one-shot command, in seconds: long enough for the largest transfer
 * the manifest allows over a slow console (a 64 MiB import is local), short enough that a wedged
 * Queen does not hold a script forever.
 */
export const DEFAULT_DEADLINE_S = 300;

/** One global flag: its names, whether it takes a value, and its help text. */
export interface GlobalFlagSpec {
  /** Every spelling, long names with `--`, short ones with `-` (the first one is canonical). */
  readonly names: readonly string[];
  /** The value placeholder for flags that take one; absent for switches. */
  readonly value?: string;
  /** Help text. */
  readonly help: string;
}

/** The global flags, in help order. */
export const GLOBAL_FLAGS: readonly GlobalFlagSpec[] = [
  { names: ["--mock"], help: "use the in-memory mock Queen (demo seed)" },
  {
    names: ["--mock-root"],
    value: "DIR",
    help: "keep the mock Queen's state in DIR (implies --mock)",
  },
  {
    names: ["--fs-root", "--mount-root"],
    value: "DIR",
    help: "use a mounted Cohesix namespace at DIR (e.g. a coh mount)",
  },
  {
    names: ["--host", "--tcp-host"],
    value: "HOST",
    help: `Queen console host (${DEFAULT_TCP_HOST})`,
  },
  {
    names: ["--port", "--tcp-port"],
    value: "PORT",
    help: `Queen console port (${DEFAULT_TCP_PORT})`,
  },
  {
    names: ["--auth-token"],
    value: "TOKEN",
    help: `console token (else ${TOKEN_VARIABLES.join(", then ")}, then ${FALLBACK_TOKEN})`,
  },
  { names: ["--role"], value: "ROLE", help: "console role (queen)" },
  { names: ["--ticket"], value: "TICKET", help: "capability ticket for the role" },
  { names: ["--policy"], value: "FILE", help: "coh/cohsh policy file, hash-checked before use" },
  {
    names: ["--timeout-s"],
    value: "SECONDS",
    help: `per-request timeout (the policy's retry.timeout_ms, ${
      DEFAULTS.retry.timeoutMs / 1000
    } by default)`,
  },
  {
    names: ["--deadline-s"],
    value: "SECONDS",
    help: `whole-operation deadline of a one-shot command (${DEFAULT_DEADLINE_S})`,
  },
  {
    names: ["--max-retries"],
    value: "N",
    help: `connection attempts (${DEFAULTS.retry.maxAttempts})`,
  },
  { names: ["--json"], help: "print one JSON document on stdout (errors as JSON on stderr)" },
  { names: ["--verbose", "-v"], help: "print error causes (never a secret)" },
  { names: ["--version"], help: "print the version and exit" },
];

/** The global flags as parsed (raw values; see {@link backendChoiceOf} for the backend). */
export interface GlobalOptions {
  /** Raw values by canonical name (`--tcp-host` is stored as `host`, `--mount-root` as `fs-root`). */
  readonly values: Readonly<Record<string, string | true>>;
  /** `--json`. */
  readonly json: boolean;
  /** `-v`/`--verbose`. */
  readonly verbose: boolean;
  /** `--version`. */
  readonly version: boolean;
  /** `--policy FILE`, if given. */
  readonly policy: string | undefined;
  /** `--timeout-s` in milliseconds, if given (else the policy's `retry.timeout_ms`). */
  readonly timeoutMs: number | undefined;
  /** `--deadline-s` in milliseconds ({@link DEFAULT_DEADLINE_S} by default). */
  readonly deadlineMs: number;
}

function canonical(spec: GlobalFlagSpec): string {
  return spec.names[0]!.replace(/^-+/, "");
}

const BY_NAME = new Map<string, GlobalFlagSpec>(
  GLOBAL_FLAGS.flatMap((spec) => spec.names.map((name) => [name, spec] as const)),
);

/**
 * Takes the global flags out of `argv` (wherever they stand before `--`) and returns them with
 * the remaining arguments in order. `--flag=value` and `--flag value` are both accepted; a
 * repeated flag keeps its last value. A value flag without a value is a {@link UsageError}.
 */
export function splitGlobalFlags(
  argv: readonly string[],
): { globals: GlobalOptions; rest: string[] } {
  const values: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = BY_NAME.get(name);
    if (spec === undefined) {
      rest.push(arg);
      continue;
    }
    if (spec.value === undefined) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      values[canonical(spec)] = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`${name} needs a value (${spec.value})`);
    values[canonical(spec)] = value;
  }
  const timeoutText = typeof values["timeout-s"] === "string" ? values["timeout-s"] : undefined;
  const timeoutMs = timeoutText === undefined
    ? undefined
    : Math.round(positiveSeconds("--timeout-s", timeoutText) * 1000);
  const deadlineText = typeof values["deadline-s"] === "string" ? values["deadline-s"] : undefined;
  const deadlineMs = Math.round(
    (deadlineText === undefined
      ? DEFAULT_DEADLINE_S
      : positiveSeconds("--deadline-s", deadlineText)) * 1000,
  );
  const policy = typeof values.policy === "string" ? values.policy : undefined;
  if (policy !== undefined && policy.trim() === "") {
    throw new UsageError("--policy must not be empty");
  }
  return {
    globals: {
      values,
      json: values.json === true,
      verbose: values.verbose === true,
      version: values.version === true,
      policy,
      timeoutMs,
      deadlineMs,
    },
    rest,
  };
}

/** Parses a positive number of seconds, or throws a {@link UsageError} naming `flag`. */
export function positiveSeconds(flag: string, text: string): number {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds, got '${text}'`);
  }
  return value;
}

function stringValue(globals: GlobalOptions, name: string): string | undefined {
  const value = globals.values[name];
  return typeof value === "string" ? value : undefined;
}

function integerValue(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text.trim())) {
    throw new UsageError(`${flag} must be a non-negative integer, got '${text}'`);
  }
  return Number(text.trim());
}

/**
 * The backend the global flags select, as the examples choose it: `--mock`/`--mock-root`, else
 * `--fs-root`, else the TCP console at `--host:--port`.
 */
export function backendChoiceOf(
  globals: GlobalOptions,
  defaults: CohesixDefaults = DEFAULTS,
): BackendChoice {
  const mockRoot = stringValue(globals, "mock-root");
  if (globals.values.mock === true || mockRoot !== undefined) {
    if (mockRoot !== undefined && mockRoot.trim() === "") {
      throw new UsageError("--mock-root must not be empty");
    }
    return { kind: "mock", root: mockRoot, includeMig: false };
  }
  const fsRoot = stringValue(globals, "fs-root");
  if (fsRoot !== undefined) {
    if (fsRoot.trim() === "") throw new UsageError("--fs-root must not be empty");
    return { kind: "filesystem", root: fsRoot };
  }
  const port = integerValue("--port", stringValue(globals, "port"), DEFAULT_TCP_PORT);
  if (port < 1 || port > 65535) throw new UsageError(`--port must be 1..65535, got ${port}`);
  const maxAttempts = integerValue(
    "--max-retries",
    stringValue(globals, "max-retries"),
    defaults.retry.maxAttempts,
  );
  if (maxAttempts < 1) throw new UsageError("--max-retries must be at least 1");
  const token = stringValue(globals, "auth-token")?.trim();
  const ticket = stringValue(globals, "ticket")?.trim();
  const host = stringValue(globals, "host")?.trim() ?? DEFAULT_TCP_HOST;
  if (host === "") throw new UsageError("--host must not be empty");
  return {
    kind: "tcp",
    host,
    port,
    authToken: token === undefined || token === "" ? undefined : token,
    role: stringValue(globals, "role")?.trim() || "queen",
    ticket: ticket === undefined || ticket === "" ? undefined : ticket,
    timeoutMs: globals.timeoutMs ?? defaults.retry.timeoutMs,
    maxAttempts,
  };
}
