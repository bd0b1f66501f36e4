/**
 * Every fixed string cohsh prints, in one place: the banner, the prompt, `[console]` ack lines,
 * `Error:` lines, the attach line, `help`, the `[cohsh][tcp]` diagnostics, the `.coh` failure
 * report and the self-test report. The shell, scripts and `cohesix test` all print through these,
 * so a transcript matches cohsh's byte for byte (CLI.md §2, §3.5, §4.6–§4.7).
 *
 * Bodies from the Queen are printed raw, as cohsh does (byte parity); a terminal sanitizer for
 * server text belongs where a body is written to a terminal (the `sh` command's REPL output).
 *
 * @module
 */

/** The banner printed at start. */
export const BANNER = "Welcome to Cohesix. Type 'help' for commands.";
/** Printed when the shell starts (or stays) detached. */
export const DETACHED = "detached shell: run 'attach <role>' to connect";
/** The prompt, without a newline. */
export const PROMPT = "coh> ";
/** Printed by `quit`. */
export const CLOSING = "closing session";
/** Printed by `detach`. */
export const DETACH_OK = "OK DETACH";

/** `OK|ERR <VERB>[ <trimmed detail>]`: an ack re-rendered from its parts. */
export function renderAckLine(status: "OK" | "ERR", label: string, detail?: string): string {
  const trimmed = detail?.trim() ?? "";
  return trimmed === "" ? `${status} ${label}` : `${status} ${label} ${trimmed}`;
}

/** `[console] <ack>`. */
export function consoleLine(ack: string): string {
  return `[console] ${ack}`;
}

/** `Error: <message>`. */
export function errorLine(message: string): string {
  return `Error: ${message}`;
}

/** The Rust Debug name of a role label (`worker-gpu` → `WorkerGpu`). */
export function roleDebugName(label: string): string {
  return label.split("-").map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("");
}

/** `attached session SessionId(<n>) as <Role>`. */
export function attachedLine(sessionId: number, label: string): string {
  return `attached session SessionId(${sessionId}) as ${roleDebugName(label)}`;
}

/** `help`: 21 lines, exactly as cohsh. */
export const HELP_LINES: readonly string[] = [
  "Cohesix command surface:",
  "  help                         - Show this help message",
  "  attach <role> [ticket]       - Attach to a NineDoor session",
  "  login <role> [ticket]        - Alias for attach",
  "  detach                       - Close the current session",
  "  tail <path>                  - Stream a file via NineDoor",
  "  log                          - Tail /log/queen.log",
  "  ping                         - Report attachment status for health checks",
  "  test [--mode <quick|full>] [--json] [--timeout <s>] [--no-mutate] - Run self-tests",
  "  pool bench <opts>            - Run pooled throughput benchmark",
  "  tcp-diag [port]              - Debug TCP connectivity without protocol traffic",
  "  ls <path>                    - Enumerate directory entries",
  "  cat <path>                   - Read file contents",
  "  echo <text> > <path>         - Append to a file (adds newline)",
  "  spawn <role> [opts]          - Queue worker spawn command",
  "  kill <worker_id>             - Queue worker termination",
  "  bind <src> <dst>             - Bind namespace path",
  "  mount <service> <path>       - Mount service namespace",
  "  lifecycle <cmd>              - Control node lifecycle (cordon/drain/resume/quiesce/reset)",
  "  telemetry push <src> --device <id> - Push bounded telemetry segment",
  "  quit                         - Close the session and exit",
];

/** cohsh's `[cohsh][tcp] …` stderr lines. */
export const tcpDiag = {
  connected: (where: string, connects: number): string =>
    `[cohsh][tcp] connected to ${where} (connects=${connects})`,
  ready: (label: string): string =>
    `[cohsh][tcp] remote NineDoor ready as role ${roleDebugName(label)}`,
  lost: (): string => "[cohsh][tcp] connection lost: connection closed by peer",
  reconnect: (attempt: number, delayMs: number, total: number): string =>
    `[cohsh][tcp] reconnect attempt #${attempt} (delay=${delayMs}ms, total_reconnects=${total})`,
  attachFailed: (message: string): string => `[cohsh] TCP attach failed (attempt 1): ${message}`,
};

/** Where a response line came from: an `[console]` ack or a plain output line. */
export type ResponseSource = "ack" | "out";

/** One recorded response line. */
export interface ResponseRecord {
  /** `ack` for `[console]` lines (recorded without the prefix), `out` for the rest. */
  readonly source: ResponseSource;
  /** The line. */
  readonly text: string;
}

/** What the §3.5 failure report shows. */
export interface ScriptFailure {
  /** Raw 1-based line number. */
  readonly lineNo: number;
  /** The kept (comment-stripped, trimmed) text of the line. */
  readonly text: string;
  /** Why it failed. */
  readonly reason: string;
  /** The last command run, if any. */
  readonly lastCommand: string | undefined;
  /** The last response line and its source, if any. */
  readonly lastResponse: ResponseRecord | undefined;
  /** Up to 8 recent response lines. */
  readonly history: readonly ResponseRecord[];
}

/** The history as `  - [ack] …` lines. */
export function historyLines(history: readonly ResponseRecord[]): string[] {
  return history.map((record) => `  - [${record.source}] ${record.text}`);
}

/** The §3.5 report body (after `Error: `), as lines. */
export function scriptFailureLines(failure: ScriptFailure): string[] {
  const lines = [
    `script failure at line ${failure.lineNo}: ${failure.text}`,
    `reason: ${failure.reason}`,
    `last command: ${failure.lastCommand ?? "<none>"}`,
    `last response: ${failure.lastResponse?.text ?? "<none>"}`,
    `last response source: ${failure.lastResponse?.source ?? "none"}`,
  ];
  if (failure.history.length === 0) lines.push("recent responses: <none>");
  else lines.push("recent responses:", ...historyLines(failure.history));
  return lines;
}

/** `check ok: <path>`. */
export function checkOkLine(path: string): string {
  return `check ok: ${path}`;
}

/** One self-test check record. */
export interface SelftestCheck {
  /** `preflight/ping`, `line <n>: <text>`, `load <path>`, `timeout`, … */
  readonly name: string;
  /** Passed? */
  readonly ok: boolean;
  /** `OK …`, `ERR …`, `skipped --no-mutate`. */
  readonly detail: string;
  /** Context for failures and the preflight ping. */
  readonly transcriptExcerpt?: string;
}

/** A self-test report. */
export interface SelftestReport {
  /** No failing check. */
  readonly ok: boolean;
  /** `quick` or `full`. */
  readonly mode: string;
  /** Wall ms. */
  readonly elapsedMs: number;
  /** The checks, in order. */
  readonly checks: readonly SelftestCheck[];
}

/** The one-line JSON report, keys in cohsh's order. */
export function selftestJson(report: SelftestReport): string {
  return JSON.stringify({
    ok: report.ok,
    mode: report.mode,
    elapsed_ms: report.elapsedMs,
    checks: report.checks.map((check) => ({
      name: check.name,
      ok: check.ok,
      detail: check.detail,
      ...(check.transcriptExcerpt === undefined
        ? {}
        : { transcript_excerpt: check.transcriptExcerpt }),
    })),
    version: "1",
  });
}

/** The human report lines. */
export function selftestHumanLines(report: SelftestReport): string[] {
  const lines = [
    `selftest ${report.ok ? "PASS" : "FAIL"} mode=${report.mode} elapsed_ms=${report.elapsedMs}`,
    ...report.checks.map((check) =>
      `${check.ok ? "PASS" : "FAIL"} - ${check.name} (${check.detail})`
    ),
  ];
  const failure = report.checks.find((check) => !check.ok);
  if (failure !== undefined) lines.push(`first failure: ${failure.name} (${failure.detail})`);
  return lines;
}
