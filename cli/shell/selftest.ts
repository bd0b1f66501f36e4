/**
 * cohsh's `test` self-test (CLI.md §4): the preflight, the Queen's own scripts from
 * `/proc/tests` (the negative one first), the subset of commands they may use (which print
 * nothing and record synthetic `ERR …` lines for local errors), deferral, `--no-mutate`, the
 * `{{msize_overflow}}` placeholder, the timeout, and the JSON and human reports.
 *
 * @module
 */

import { sleepMs } from "../../core/sleep.ts";
import { CohesixError } from "../../core/errors.ts";
import { truncateUtf8 } from "../../queen/cat_text.ts";
import { ShellError } from "./cohsh_console.ts";
import {
  emptyScriptState,
  expectationMet,
  keywordOf,
  parseExpect,
  parseScriptLines,
  parseWait,
  ScriptFailureError,
  type ScriptLine,
  type ScriptState,
  shouldDefer,
} from "./coh_script.ts";
import {
  historyLines,
  roleDebugName,
  type SelftestCheck,
  selftestHumanLines,
  selftestJson,
  type SelftestReport,
} from "./render.ts";
import { ResponseRecorder } from "./response_recorder.ts";
import {
  checkPath,
  checkStringField,
  echoPayload,
  normalizeShellPayload,
  spawnPayload,
} from "./shell_checks.ts";
import type { ShellSession } from "./shell_session.ts";

/** The Queen's self-test scripts. */
export const SELFTEST_PATHS = {
  negative: "/proc/tests/selftest_negative.coh",
  quick: "/proc/tests/selftest_quick.coh",
  full: "/proc/tests/selftest_full.coh",
} as const;

const NAME_MAX = 120;
const DETAIL_MAX = 200;
const EXCERPT_MAX = 512;
const DEFAULT_TIMEOUT_S = 30;
const MAX_TIMEOUT_S = 120;

/** Parsed `test` options. */
export interface SelftestOptions {
  /** `quick` or `full`. */
  readonly mode: "quick" | "full";
  /** One JSON line instead of the human report. */
  readonly json: boolean;
  /** Limit in seconds (1–120). */
  readonly timeoutS: number;
  /** Skip spawn, kill and worker/shard tails. */
  readonly noMutate: boolean;
}

/** Parses `test` arguments with cohsh's rules and error texts. */
export function parseSelftestOptions(args: readonly string[]): SelftestOptions {
  let mode: "quick" | "full" = "quick";
  let json = false;
  let noMutate = false;
  let timeoutS = DEFAULT_TIMEOUT_S;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--no-mutate") noMutate = true;
    else if (arg.startsWith("--mode")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[++i];
      if (value === undefined) throw new ShellError("--mode requires quick or full");
      if (value !== "quick" && value !== "full") {
        throw new ShellError(`unsupported mode '${value}' (expected quick|full)`);
      }
      mode = value;
    } else if (arg.startsWith("--timeout")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[++i];
      if (value === undefined) throw new ShellError("--timeout requires a value in seconds");
      if (!/^\+?[0-9]+$/.test(value)) {
        throw new ShellError("--timeout requires a numeric value in seconds");
      }
      const seconds = Number(value);
      if (seconds === 0) throw new ShellError("--timeout must be at least 1s");
      if (seconds > MAX_TIMEOUT_S) {
        throw new ShellError(`--timeout exceeds max of ${MAX_TIMEOUT_S}s`);
      }
      timeoutS = seconds;
    } else {
      throw new ShellError(`unknown test option '${arg}'`);
    }
  }
  return { mode, json, timeoutS, noMutate };
}

/** What one self-test command did (it prints nothing). */
interface TestExecution {
  readonly acks: string[];
  readonly out: string[];
  readonly error?: string;
  readonly quit?: boolean;
}

function check(name: string, ok: boolean, detail: string, excerpt?: string): SelftestCheck {
  return {
    name: truncateUtf8(name, NAME_MAX),
    ok,
    detail: truncateUtf8(detail, DETAIL_MAX),
    ...(excerpt === undefined ? {} : { transcriptExcerpt: truncateUtf8(excerpt, EXCERPT_MAX) }),
  };
}

/** Runs one command of the self-test subset. */
async function testCommand(
  session: ShellSession,
  line: string,
  signal: AbortSignal | undefined,
): Promise<TestExecution> {
  const console = session.console;
  const words = line.split(/\s+/);
  const command = words[0]!;
  const args = words.slice(1);
  const acks: string[] = [];
  const out: string[] = [];
  const attached = (what: string) => {
    if (session.attachedRole === undefined) throw new ShellError(`${what}: not attached`);
  };
  const drained = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } finally {
      acks.push(...console.drainAcks());
    }
  };
  const queenCtl = async (payload: string) => {
    const role = session.attachedRole;
    if (role === undefined) throw new ShellError("queen control requires an attached session");
    if (role !== "queen") {
      throw new ShellError(
        `queen control requires a queen session; attached as ${roleDebugName(role)}`,
      );
    }
    const text = normalizeShellPayload(payload);
    await drained(() => console.echo("/queen/ctl", text, signal));
  };
  try {
    switch (command) {
      case "ping": {
        attached("ping");
        const reply = await drained(() => console.ping(signal));
        out.push(`ping: ${reply}`);
        break;
      }
      case "log":
      case "tail":
      case "cat":
      case "ls": {
        let path: string;
        if (command === "log") {
          if (args.length > 0) throw new ShellError("log does not take any arguments");
          path = "/log/queen.log";
        } else {
          if (args.length === 0) throw new ShellError(`${command} requires a path`);
          if (args.length > 1) {
            throw new ShellError(`${command} takes exactly one argument: path`);
          }
          path = args[0]!;
        }
        const name = command === "log" ? "tail" : command;
        attached(name);
        checkPath(path);
        const verb = name === "ls" ? "LS" : name === "cat" ? "CAT" : "TAIL";
        out.push(...(await drained(() => console.stream(verb, path, signal))).lines);
        break;
      }
      case "echo": {
        const rest = line.slice(4).trimStart();
        if (!rest.includes(">")) {
          throw new ShellError("echo requires syntax: echo <text> > <path>");
        }
        const at = rest.indexOf(">");
        const pathText = rest.slice(at + 1).trim();
        // Payload first, then the session, then the path (cohsh's order here).
        const payload = echoPayload(rest.slice(0, at), session.defaults.secure9p.msize);
        attached("echo");
        const path = checkPath(pathText);
        await drained(() => console.echo(path, payload, signal));
        break;
      }
      case "spawn":
        await queenCtl(spawnPayload(args));
        break;
      case "kill":
        if (args.length === 0) throw new ShellError("kill requires a worker id");
        if (args.length > 1) throw new ShellError("kill takes exactly one argument: worker id");
        await queenCtl(`{"kill":"${checkStringField(args[0]!, "worker id")}"}`);
        break;
      case "quit":
        if (args.length > 0) throw new ShellError("quit does not take any arguments");
        // Its `OK QUIT` stays queued (cohsh prints it at the next drain).
        await session.quitQuietly(signal);
        out.push("closing session");
        return { acks, out, quit: true };
      default:
        return {
          acks,
          out: [`ERR LOCAL reason=unknown command '${command}'`],
          error: `unknown command '${command}'`,
        };
    }
  } catch (error) {
    if (!(error instanceof CohesixError)) throw error;
    const text = error.summary;
    // A local error records a synthetic response so that `EXPECT ERR` can see it.
    if (acks.length === 0 && out.length === 0) out.push(`ERR ${text}`);
    return { acks, out, error: text };
  }
  return { acks, out };
}

function recordExecution(state: ScriptState, execution: TestExecution): void {
  const recorder = new ResponseRecorder();
  for (const ack of execution.acks) recorder.record({ source: "ack", text: ack });
  for (const line of execution.out) recorder.record({ source: "out", text: line });
  state.lastResponse = recorder.lastResponse;
  state.history = recorder.history;
}

function stateExcerpt(state: ScriptState): string | undefined {
  return state.history.length === 0 ? undefined : historyLines(state.history).join("\n");
}

function shouldSkipNoMutate(keyword: string, text: string): boolean {
  if (keyword === "spawn" || keyword === "kill") return true;
  if (keyword !== "tail") return false;
  const path = text.split(/\s+/)[1] ?? "";
  return path.startsWith("/worker/") || path.startsWith("/shard/");
}

/** Runs one self-test script; false when a check failed (the test stops). */
async function runLines(
  session: ShellSession,
  lines: readonly ScriptLine[],
  options: SelftestOptions,
  deadline: number,
  checks: SelftestCheck[],
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const state = emptyScriptState();
  let skipExpect = false;
  for (let index = 0; index < lines.length; index++) {
    if (performance.now() > deadline) {
      checks.push(check("timeout", false, "ERR timeout exceeded"));
      return false;
    }
    const line = lines[index]!;
    const name = `line ${line.number}: ${line.text}`;
    const keyword = keywordOf(line.text);
    if (skipExpect && keyword === "EXPECT") {
      checks.push(check(name, true, "skipped --no-mutate"));
      continue;
    }
    skipExpect = false;
    if (keyword === "EXPECT") {
      let selector;
      try {
        selector = parseExpect(line, state);
      } catch (error) {
        if (!(error instanceof ScriptFailureError)) throw error;
        checks.push(check(name, false, `ERR ${error.report}`));
        return false;
      }
      const last = state.lastResponse;
      if (last === undefined) {
        checks.push(check(name, false, "ERR EXPECT requires a prior command response"));
        return false;
      }
      if (!expectationMet(selector, last.text)) {
        checks.push(check(name, false, "ERR expectation failed", stateExcerpt(state)));
        return false;
      }
      checks.push(check(name, true, "OK expectation met"));
      continue;
    }
    if (keyword === "WAIT") {
      let ms: number;
      try {
        ms = parseWait(line, state);
      } catch (error) {
        if (!(error instanceof ScriptFailureError)) throw error;
        checks.push(check(name, false, `ERR ${error.report}`));
        return false;
      }
      await sleepMs(ms, signal);
      checks.push(check(name, true, `OK waited ${ms}ms`));
      continue;
    }
    if (options.noMutate && shouldSkipNoMutate(keyword, line.text)) {
      skipExpect = true;
      checks.push(check(name, true, "skipped --no-mutate"));
      continue;
    }
    state.lastCommand = line.text;
    const execution = await testCommand(session, line.text, signal);
    recordExecution(state, execution);
    if (execution.error !== undefined) {
      if (shouldDefer(lines, index, state.lastResponse)) {
        checks.push(check(name, true, "ERR deferred to EXPECT"));
        continue;
      }
      checks.push(check(name, false, `ERR ${execution.error}`, stateExcerpt(state)));
      return false;
    }
    checks.push(check(name, true, "OK"));
    if (execution.quit) break;
  }
  return true;
}

async function loadScript(
  session: ShellSession,
  path: string,
  signal: AbortSignal | undefined,
): Promise<ScriptLine[]> {
  let body: string[];
  try {
    body = (await session.console.stream("CAT", path, signal)).lines;
  } catch (error) {
    if (!(error instanceof CohesixError)) throw error;
    throw new ShellError(`failed to read ${path}`, { cause: error });
  } finally {
    session.console.drainAcks();
  }
  try {
    return parseScriptLines(body.join("\n"));
  } catch (error) {
    if (!(error instanceof CohesixError)) throw error;
    throw new ShellError(`failed to parse ${path}`, { cause: error });
  }
}

/** Runs the self-test on `session` and returns its report (not printed). */
export async function selftestReport(
  session: ShellSession,
  options: SelftestOptions,
  signal?: AbortSignal,
): Promise<SelftestReport> {
  const start = performance.now();
  const deadline = start + options.timeoutS * 1000;
  const checks: SelftestCheck[] = [];
  const finish = (ok: boolean): SelftestReport => ({
    ok,
    mode: options.mode,
    elapsedMs: Math.floor(performance.now() - start),
    checks,
  });
  if (session.attachedRole === undefined) {
    checks.push(check("preflight/attach", false, "ERR not attached"));
    return finish(false);
  }
  const ping = await testCommand(session, "ping", signal);
  const excerpt = [...ping.acks.map((a) => `[ack] ${a}`), ...ping.out.map((o) => `[out] ${o}`)];
  const pingOk = ping.error === undefined;
  checks.push(check(
    "preflight/ping",
    pingOk,
    pingOk ? "OK ping" : `ERR ping failed: ${ping.error}`,
    excerpt.length === 0 ? undefined : excerpt.join("\n"),
  ));
  if (!pingOk) return finish(false);
  for (const path of [SELFTEST_PATHS.negative, SELFTEST_PATHS[options.mode]]) {
    if (performance.now() > deadline) {
      checks.push(check("timeout", false, "ERR timeout exceeded"));
      return finish(false);
    }
    let lines: ScriptLine[];
    try {
      lines = await loadScript(session, path, signal);
    } catch (error) {
      if (!(error instanceof ShellError)) throw error;
      checks.push(check(`load ${path}`, false, `ERR ${error.summary}`));
      return finish(false);
    }
    if (!(await runLines(session, lines, options, deadline, checks, signal))) return finish(false);
  }
  return finish(true);
}

/** The report as cohsh prints it: one JSON line, or the human lines. */
export function selftestOutput(report: SelftestReport, json: boolean): string[] {
  return json ? [selftestJson(report)] : selftestHumanLines(report);
}

/** The shell's `test` command: runs and prints (JSON is printed but not recorded). */
export async function runSelftestCommand(
  session: ShellSession,
  args: readonly string[],
  print: (line: string, record: boolean) => void,
  signal?: AbortSignal,
): Promise<{ ok: boolean }> {
  const options = parseSelftestOptions(args);
  const report = await selftestReport(session, options, signal);
  for (const line of selftestOutput(report, options.json)) print(line, !options.json);
  return { ok: report.ok };
}
