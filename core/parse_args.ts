/**
 * A strict command-line parser with the shape and messages of `node:util`'s `parseArgs` (the
 * subset the entry points use), so they need no Node compatibility layer at start-up (it costs
 * a Deno process about 5 MiB and several milliseconds before the first line runs).
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** One option: a switch (`boolean`) or one taking a value (`string`), maybe repeatable. */
export interface ArgOption {
  /** `string` options take a value, `boolean` ones do not. */
  readonly type: "string" | "boolean";
  /** Collect every occurrence in order instead of keeping the last. */
  readonly multiple?: boolean;
  /** A one-letter alias (`v` for `-v`). */
  readonly short?: string;
}

/** What to parse and how. */
export interface ParseArgsConfig {
  /** The arguments (without the program name). */
  readonly args: readonly string[];
  /** The options by long name. */
  readonly options: Readonly<Record<string, ArgOption>>;
  /** Whether arguments that are not options are accepted (they are refused otherwise). */
  readonly allowPositionals?: boolean;
}

/** Parsed values by long name, and the positional arguments in order. */
export interface ParsedArgs {
  /** `true` for switches, the value for string options, a list for repeatable ones. */
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** Arguments that are not options (everything after `--` included). */
  readonly positionals: string[];
}

/**
 * Parses `config.args` strictly: an unknown option, a value on a switch, a missing or ambiguous
 * value, or (unless allowed) a positional argument is a {@link UsageError} worded as Node's.
 */
export function parseArgs(config: ParseArgsConfig): ParsedArgs {
  const values: Record<string, string | boolean | string[] | boolean[] | undefined> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, option] of Object.entries(config.options)) {
    if (option.short !== undefined) byShort.set(option.short, name);
  }
  const store = (name: string, value: string | boolean) => {
    const option = config.options[name]!;
    if (option.multiple) {
      const list = (values[name] as (string | boolean)[] | undefined) ?? [];
      list.push(value);
      values[name] = list as string[] | boolean[];
    } else {
      values[name] = value;
    }
  };
  const positional = (arg: string) => {
    if (!config.allowPositionals) {
      throw new UsageError(
        `Unexpected argument '${arg}'. This command does not take positional arguments`,
      );
    }
    positionals.push(arg);
  };
  const args = config.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      for (const rest of args.slice(i + 1)) positional(rest);
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const option = config.options[name];
      if (option === undefined) throw unknownOption(`--${name}`, config);
      if (option.type === "boolean") {
        if (eq >= 0) throw new UsageError(`Option '--${name}' does not take an argument`);
        store(name, true);
        continue;
      }
      if (eq >= 0) {
        store(name, arg.slice(eq + 1));
        continue;
      }
      store(name, takeValue(args, i, `--${name}`));
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        const name = byShort.get(letter);
        if (name === undefined) throw unknownOption(`-${letter}`, config);
        const option = config.options[name]!;
        if (option.type === "boolean") {
          store(name, true);
          continue;
        }
        if (j + 1 < arg.length) store(name, arg.slice(j + 1));
        else {
          store(name, takeValue(args, i, `-${letter}`));
          i++;
        }
        break;
      }
      continue;
    }
    positional(arg);
  }
  return { values, positionals };
}

function unknownOption(flag: string, config: ParseArgsConfig): UsageError {
  return new UsageError(`Unknown option '${flag}'`, {
    ...(config.allowPositionals
      ? { hint: `an argument starting with '-' goes after '--', as in -- "${flag}"` }
      : {}),
  });
}

function takeValue(args: readonly string[], index: number, flag: string): string {
  const value = args[index + 1];
  if (value === undefined) throw new UsageError(`Option '${flag} <value>' argument missing`);
  if (value.startsWith("-") && value !== "-") {
    throw new UsageError(`Option '${flag}' argument is ambiguous.`, {
      hint: `did you forget its value? A value starting with a dash is given as ${flag}=-XYZ`,
    });
  }
  return value;
}
