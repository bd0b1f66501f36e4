/**
 * A subcommand's own arguments: its flags (`--name value`, `--name=value`, switches), its
 * positionals, and everything after `--` kept as is. Unknown flags, missing values and stray
 * arguments are {@link UsageError}s naming the command, so `cohesix` exits 2 with its usage hint.
 *
 * @module
 */

import { UsageError } from "../core/errors.ts";

/** One flag of a subcommand. */
export interface FlagSpec {
  /** Every spelling (`--gpu`, `-g`); the first is canonical and names the value in the result. */
  readonly names: readonly string[];
  /** Placeholder of the value (`ID`, `MB`); absent for switches. */
  readonly value?: string;
  /** Help text. */
  readonly help: string;
}

/** A subcommand's parsed arguments. */
export interface ParsedArgs {
  /** Flag values by canonical name without dashes (`gpu`, `mem-mb`); switches are `true`. */
  readonly flags: Readonly<Record<string, string | true>>;
  /** Positionals, in order. */
  readonly positionals: readonly string[];
  /** Everything after `--`, or `undefined` when there was no `--`. */
  readonly rest: readonly string[] | undefined;
  /** Whether `-h`/`--help` was given. */
  readonly help: boolean;
}

function canonical(spec: FlagSpec): string {
  return spec.names[0]!.replace(/^-+/, "");
}

/**
 * Parses `argv` for command `command` (e.g. `gpu lease`, for messages). A repeated flag keeps its
 * last value, as clap does for coh's flags. Positionals beyond `maxPositionals` are refused.
 */
export function parseArgs(
  command: string,
  argv: readonly string[],
  flags: readonly FlagSpec[],
  maxPositionals = 0,
): ParsedArgs {
  const byName = new Map(flags.flatMap((spec) => spec.names.map((name) => [name, spec] as const)));
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  let rest: string[] | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest = argv.slice(i + 1);
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      const spec = byName.get(name);
      if (spec === undefined) {
        throw new UsageError(`unknown option '${name}'`, {
          hint: `run cohesix ${command} --help for its options`,
        });
      }
      if (spec.value === undefined) {
        if (eq > 0) {
          throw new UsageError(`${name} takes no value`, {
            hint: `run cohesix ${command} --help for its options`,
          });
        }
        values[canonical(spec)] = true;
        continue;
      }
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) {
        throw new UsageError(`${name} needs a value (${spec.value})`, {
          hint: `run cohesix ${command} --help for its options`,
        });
      }
      values[canonical(spec)] = value;
      continue;
    }
    positionals.push(arg);
  }
  if (!help && positionals.length > maxPositionals) {
    throw new UsageError(
      `unexpected argument '${positionals[maxPositionals]}'`,
      { hint: `run cohesix ${command} --help for its usage` },
    );
  }
  return { flags: values, positionals, rest, help };
}

/** A flag's string value, or `undefined` when absent. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === "string" ? value : undefined;
}

/** A required flag's value (non-blank), or a {@link UsageError} naming it. */
export function requiredFlag(args: ParsedArgs, command: string, name: string): string {
  const value = stringFlag(args, name);
  if (value === undefined) {
    throw new UsageError(`--${name} is required`, {
      hint: `run cohesix ${command} --help for its usage`,
    });
  }
  return value;
}

const UINT_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff, u64: Number.MAX_SAFE_INTEGER };

/**
 * Parses an unsigned integer flag value as clap does for coh's typed flags; out of range is
 * `invalid value '300' for '--streams <N>': 300 is not in 0..=255` (u64 is capped at 2^53-1,
 * the largest integer a JSON number carries exactly).
 */
export function uintValue(
  flag: string,
  placeholder: string,
  text: string,
  type: keyof typeof UINT_MAX,
): number {
  const max = UINT_MAX[type];
  const prefix = `invalid value '${text}' for '${flag} <${placeholder}>'`;
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${prefix}: invalid digit found in string`);
  const value = Number(text);
  if (value > max) throw new UsageError(`${prefix}: ${text} is not in 0..=${max}`);
  return value;
}

/** The help lines of `flags`, aligned. */
export function flagHelp(flags: readonly FlagSpec[]): string {
  return flags.map((spec) => {
    const names = spec.names.join(", ") + (spec.value ? ` ${spec.value}` : "");
    return `  ${names.padEnd(26)} ${spec.help}`;
  }).join("\n");
}
