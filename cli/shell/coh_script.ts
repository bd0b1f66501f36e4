/**
 * `.coh` scripts (CLI.md §3): parsing (a `#` anywhere starts a comment, raw line numbers, at
 * most 256 kept lines), the `EXPECT` and `WAIT` statements, running a script through a
 * {@link ShellSession} with cohsh's deferral rule and its failure report, and `--check`.
 *
 * @module
 */

import { sleepMs } from "../../core/sleep.ts";
import { ShellError } from "./cohsh_console.ts";
import { type ResponseRecord, type ScriptFailure, scriptFailureLines } from "./render.ts";
import { parseUnsigned } from "./shell_checks.ts";
import type { ShellSession } from "./shell_session.ts";

/** Most kept lines in a script. */
export const MAX_SCRIPT_LINES = 256;
/** Longest `WAIT`, in ms. */
export const MAX_WAIT_MS = 2000;

/** One kept script line. */
export interface ScriptLine {
  /** Raw 1-based line number. */
  readonly number: number;
  /** The text, comment cut and trimmed. */
  readonly text: string;
}

/** A script that cannot run: the §3.5 report. */
export class ScriptFailureError extends ShellError {
  /** What the report shows. */
  readonly failure: ScriptFailure;

  /** Creates the error for `failure`. */
  constructor(failure: ScriptFailure) {
    super(`script failure at line ${failure.lineNo}: ${failure.text}: ${failure.reason}`);
    this.failure = failure;
  }

  /** cohsh's multi-line report (printed after `Error: `). */
  get report(): string {
    return scriptFailureLines(this.failure).join("\n");
  }
}

/** The state the report reads: the last command and what it recorded. */
export interface ScriptState {
  /** The last command line run. */
  lastCommand: string | undefined;
  /** Its last response line. */
  lastResponse: ResponseRecord | undefined;
  /** Its recorded lines. */
  history: ResponseRecord[];
}

/** A fresh state (no command yet). */
export function emptyScriptState(): ScriptState {
  return { lastCommand: undefined, lastResponse: undefined, history: [] };
}

function failure(line: ScriptLine, reason: string, state: ScriptState): ScriptFailureError {
  return new ScriptFailureError({
    lineNo: line.number,
    text: line.text,
    reason,
    lastCommand: state.lastCommand,
    lastResponse: state.lastResponse,
    history: state.history,
  });
}

/** Splits script text into kept lines; more than 256 is a {@link ScriptFailureError}. */
export function parseScriptLines(text: string): ScriptLine[] {
  const lines: ScriptLine[] = [];
  const raw = text.split("\n");
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!.trimEnd();
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim();
    if (line === "") continue;
    const kept = { number: i + 1, text: line };
    if (lines.length >= MAX_SCRIPT_LINES) {
      throw failure(kept, `script exceeds max of ${MAX_SCRIPT_LINES} lines`, emptyScriptState());
    }
    lines.push(kept);
  }
  return lines;
}

/** An `EXPECT` selector. */
export type ExpectSelector =
  | { readonly kind: "OK" | "ERR" }
  | { readonly kind: "SUBSTR" | "NOT"; readonly needle: string };

/** The first word of a kept line. */
export function keywordOf(text: string): string {
  return text.split(/\s+/, 1)[0]!;
}

/** Parses the selector of an `EXPECT` line (errors are §3.5 reports). */
export function parseExpect(line: ScriptLine, state: ScriptState): ExpectSelector {
  const rest = line.text.slice("EXPECT".length).trimStart();
  if (rest === "") throw failure(line, "EXPECT requires a selector", state);
  if (rest === "OK" || rest === "ERR") return { kind: rest };
  for (const kind of ["SUBSTR", "NOT"] as const) {
    if (rest.startsWith(kind)) {
      const needle = rest.slice(kind.length).trimStart();
      if (needle === "") throw failure(line, `EXPECT ${kind} requires text`, state);
      return { kind, needle };
    }
  }
  throw failure(line, "EXPECT selector is invalid", state);
}

/** Whether `last` satisfies `selector`. */
export function expectationMet(selector: ExpectSelector, last: string): boolean {
  switch (selector.kind) {
    case "OK":
      return last.startsWith("OK");
    case "ERR":
      return last.startsWith("ERR");
    case "SUBSTR":
      return last.includes(selector.needle);
    case "NOT":
      return !last.includes(selector.needle);
  }
}

/** Parses a `WAIT` line's milliseconds (errors are §3.5 reports). */
export function parseWait(line: ScriptLine, state: ScriptState): number {
  const args = line.text.split(/\s+/).slice(1);
  if (args.length === 0) throw failure(line, "WAIT requires milliseconds", state);
  if (args.length > 1) throw failure(line, "WAIT accepts a single millisecond value", state);
  let ms: bigint;
  try {
    ms = parseUnsigned(args[0]!, "u64");
  } catch {
    throw failure(line, "WAIT requires a numeric millisecond value", state);
  }
  if (ms > BigInt(MAX_WAIT_MS)) throw failure(line, `WAIT exceeds max of ${MAX_WAIT_MS}ms`, state);
  return Number(ms);
}

/** cohsh's deferral: the failed command's response starts `ERR` and the next line `EXPECT`. */
export function shouldDefer(
  lines: readonly ScriptLine[],
  index: number,
  last: ResponseRecord | undefined,
): boolean {
  if (last === undefined || !last.text.startsWith("ERR")) return false;
  return lines[index + 1]?.text.trimStart().startsWith("EXPECT") ?? false;
}

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** Where each printed line goes (stdout), as it is printed. */
  readonly print: (line: string) => Promise<void>;
  /** Aborts the script (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Sleeps for `WAIT` (tests may shorten it). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `lines` on `session` as cohsh's `--script` does. Resolves when the script ends (end of
 * file or `quit`); rejects with a {@link ScriptFailureError} at the first failure.
 */
export async function runScript(
  session: ShellSession,
  lines: readonly ScriptLine[],
  options: RunScriptOptions,
): Promise<void> {
  const state = emptyScriptState();
  const sleep = options.sleep ?? sleepMs;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const keyword = keywordOf(line.text);
    if (keyword === "EXPECT") {
      const selector = parseExpect(line, state);
      const last = state.lastResponse;
      if (last === undefined) {
        const reason = state.lastCommand === undefined
          ? "EXPECT requires a prior command response"
          : `EXPECT requires a prior command response (last command: ${state.lastCommand})`;
        throw failure(line, reason, state);
      }
      if (!expectationMet(selector, last.text)) {
        throw failure(line, `EXPECT ${selector.kind} failed`, state);
      }
      continue;
    }
    if (keyword === "WAIT") {
      await sleep(parseWait(line, state), options.signal);
      continue;
    }
    state.lastCommand = line.text;
    const outcome = await session.run(line.text, options.signal ? { signal: options.signal } : {});
    state.lastResponse = outcome.lastResponse;
    state.history = outcome.history;
    for (const printed of outcome.printed) {
      // A deferred failure is silent: no `Error:` line.
      if (printed.kind === "error") continue;
      await options.print(printed.text);
    }
    if (outcome.quit) return;
    if (outcome.error !== undefined) {
      if (shouldDefer(lines, index, state.lastResponse)) continue;
      throw failure(line, `command failed: ${outcome.error}`, state);
    }
  }
}

/**
 * `--check`: parses and validates selectors and WAITs; every EXPECT needs an earlier line that
 * is neither EXPECT nor WAIT. Throws a {@link ScriptFailureError} (with `last command: <none>`).
 */
export function checkScript(text: string): void {
  const lines = parseScriptLines(text);
  const state = emptyScriptState();
  let sawCommand = false;
  for (const line of lines) {
    const keyword = keywordOf(line.text);
    if (keyword === "EXPECT") {
      parseExpect(line, state);
      if (!sawCommand) throw failure(line, "EXPECT requires a prior command response", state);
    } else if (keyword === "WAIT") {
      parseWait(line, state);
    } else {
      sawCommand = true;
    }
  }
}
