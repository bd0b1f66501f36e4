/**
 * cohsh's shell: one command line in, exactly the lines cohsh prints out (CLI.md §2): acks as
 * `[console] …` before body lines, `Error: …` for a failed command, `attached session …`,
 * `ping: pong`, `closing session`. The REPL (`cohesix sh`), `.coh` scripts, `cohesix test` and
 * the UI all run commands through a {@link ShellSession}; scripts also read what each command
 * recorded (its last response line and history, §3.3).
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { CohesixError } from "../../core/errors.ts";
import { type CohshConsole, ShellError } from "./cohsh_console.ts";
import {
  attachedLine,
  CLOSING,
  DETACH_OK,
  errorLine,
  HELP_LINES,
  type ResponseRecord,
  roleDebugName,
  tcpDiag,
} from "./render.ts";
import {
  bindPayload,
  checkPath,
  killPayload,
  LIFECYCLE_COMMANDS,
  lifecycleCommand,
  lifecycleState,
  mountPayload,
  normalizeShellPayload,
  parseEcho,
  roleLabel,
  spawnPayload,
} from "./shell_checks.ts";
import { checkAttachTicket } from "./attach_ticket.ts";
import { type PrintedLine, ResponseRecorder } from "./response_recorder.ts";

/** What one command did. */
export interface CommandOutcome {
  /** Every line printed, in order (`Error:` last, when the command failed). */
  readonly printed: PrintedLine[];
  /** cohsh's error text, when the command failed. */
  readonly error?: string;
  /** `quit`: the shell (or script) ends. */
  readonly quit?: boolean;
  /** The last response line (§3.3), if any. */
  readonly lastResponse: ResponseRecord | undefined;
  /** Up to 8 recorded response lines. */
  readonly history: ResponseRecord[];
}

/** Runs `test` for the shell (set by whoever wires the self-test in, to avoid a cycle). */
export type SelftestRunner = (
  session: ShellSession,
  args: readonly string[],
  print: (line: string, record: boolean) => void,
  signal?: AbortSignal,
) => Promise<{ ok: boolean }>;

/** Settings of a {@link ShellSession}. */
export interface ShellSessionOptions {
  /** Bounds (telemetry push caps, msize). */
  readonly defaults?: CohesixDefaults;
  /** cohsh's stderr lines (`[cohsh][tcp] …`). */
  readonly diag?: (line: string) => void;
  /** Working directory for relative local paths (`telemetry push FILE`); default `Deno.cwd()`. */
  readonly cwd?: string;
  /** The `test` command; without it, `test` is refused. */
  readonly selftest?: SelftestRunner;
  /** Whether this runs a script (a `test` failure then fails the line, §4.8). */
  readonly scriptMode?: boolean;
}

/** A cohsh shell over one console. */
export class ShellSession {
  /** The console it sends through (cohsh's transport rules and ack queue). */
  readonly console: CohshConsole;
  readonly #defaults: CohesixDefaults;
  readonly #diag: (line: string) => void;
  readonly #cwd: string | undefined;
  readonly #selftest: SelftestRunner | undefined;
  /** Whether this runs a script (a failed `test` then fails the line; no re-attach after it). */
  scriptMode: boolean;
  #role: string | undefined;
  #ticket: string | undefined;
  #sessionIds = 2;
  #lastRole: { role: string; ticket: string | undefined } | undefined;

  /** A detached shell over `console`. */
  constructor(console: CohshConsole, options: ShellSessionOptions = {}) {
    this.console = console;
    this.#defaults = options.defaults ?? DEFAULTS;
    this.#diag = options.diag ?? (() => {});
    this.#cwd = options.cwd;
    this.#selftest = options.selftest;
    this.scriptMode = options.scriptMode ?? false;
  }

  /** The attached role's wire label, or `undefined` when detached. */
  get attachedRole(): string | undefined {
    return this.#role;
  }

  /** The role and ticket of the last successful attach (for re-attach after `test`). */
  get lastAttach(): { role: string; ticket: string | undefined } | undefined {
    return this.#lastRole;
  }

  /** Bounds in force. */
  get defaults(): CohesixDefaults {
    return this.#defaults;
  }

  /**
   * Runs one shell command line and returns exactly the lines cohsh would print for it
   * (without the prompt). Empty lines print nothing.
   */
  async execute(line: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const outcome = await this.run(line, options);
    return outcome.printed.map((printed) => printed.text);
  }

  /** Runs one command line and returns everything it printed and recorded. */
  async run(line: string, options: { signal?: AbortSignal } = {}): Promise<CommandOutcome> {
    const recorder = new ResponseRecorder();
    const trimmed = line.trim();
    let quit = false;
    let error: string | undefined;
    if (trimmed !== "") {
      try {
        quit = await this.#dispatch(trimmed, recorder, options.signal);
      } catch (caught) {
        if (!(caught instanceof CohesixError)) throw caught;
        error = caught instanceof ShellError ? caught.summary : describeError(caught);
        recorder.printed.push({ kind: "error", text: errorLine(error) });
      }
    }
    return {
      printed: recorder.printed,
      ...(error === undefined ? {} : { error }),
      ...(quit ? { quit } : {}),
      lastResponse: recorder.lastResponse,
      history: recorder.history,
    };
  }

  /** Prints and records the queued acks. */
  #drain(recorder: ResponseRecorder): void {
    for (const ack of this.console.drainAcks()) recorder.ack(ack);
  }

  /** Runs the console call, draining the acks it queued before the body (or the error). */
  async #withAcks<T>(recorder: ResponseRecorder, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.#drain(recorder);
      return result;
    } catch (error) {
      this.#drain(recorder);
      throw error;
    }
  }

  #requireSession(command: string): void {
    if (this.#role === undefined) {
      throw new ShellError(`attach to a session before running ${command}`);
    }
  }

  #requireQueen(command: string): void {
    if (this.#role === undefined) {
      throw new ShellError("attach to a session before issuing queen commands");
    }
    if (this.#role !== "queen") {
      throw new ShellError(
        `${command} requires a queen session; attached as ${roleDebugName(this.#role)}`,
      );
    }
  }

  async #dispatch(
    line: string,
    recorder: ResponseRecorder,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const words = line.split(/\s+/);
    const command = words[0]!;
    const args = words.slice(1);
    switch (command) {
      case "help":
        for (const text of HELP_LINES) recorder.out(text);
        return false;
      case "attach":
      case "login":
        await this.#attach(command, args, recorder, signal);
        return false;
      case "detach":
        if (args.length > 0) throw new ShellError("detach does not take any arguments");
        if (this.#role !== undefined) await this.#quitConsole(recorder, signal);
        recorder.out(DETACH_OK);
        return false;
      case "quit":
        if (args.length > 0) throw new ShellError("quit does not take any arguments");
        if (this.#role !== undefined) await this.#quitConsole(recorder, signal);
        recorder.out(CLOSING);
        return true;
      case "ping":
        await this.#ping(args, recorder, signal);
        return false;
      case "ls":
      case "cat":
      case "tail":
        await this.#stream(command, args, recorder, signal);
        return false;
      case "log":
        if (args.length > 0) throw new ShellError("log does not take any arguments");
        await this.#stream("tail", ["/log/queen.log"], recorder, signal);
        return false;
      case "echo": {
        const { payload, path } = parseEcho(line.slice(4), this.#defaults.secure9p.msize);
        this.#requireSession("echo");
        await this.#withAcks(recorder, () => this.console.echo(path, payload, signal));
        return false;
      }
      case "spawn":
        await this.#queenCtl(spawnPayload(args), recorder, signal);
        return false;
      case "kill":
        await this.#queenCtl(killPayload(args), recorder, signal);
        return false;
      case "bind":
        await this.#queenCtl(bindPayload(args), recorder, signal);
        return false;
      case "mount":
        await this.#queenCtl(mountPayload(args), recorder, signal);
        return false;
      case "lifecycle":
        await this.#lifecycle(args, recorder, signal);
        return false;
      case "telemetry":
        await this.#telemetry(args, recorder, signal);
        return false;
      case "test":
        await this.#test(args, recorder, signal);
        return false;
      case "pool": {
        if (args[0] !== "bench") throw new ShellError("pool requires a subcommand: bench");
        // Loaded on use: a one-shot verb never needs the bench or the telemetry reader.
        const { parsePoolBench, runPoolBench } = await import("./pool_bench.ts");
        const config = parsePoolBench(args.slice(1));
        checkPath(config.path);
        this.#requireSession("pool bench");
        const result = await runPoolBench(this.console, config, {
          defaults: this.#defaults,
          ...(signal === undefined ? {} : { signal }),
        });
        for (const text of result.lines) recorder.out(text);
        if (!result.ok) throw new ShellError("pool bench failed");
        return false;
      }
      case "tcp-diag":
        await this.#tcpDiag(args, recorder);
        return false;
      default:
        throw new ShellError(`unknown command '${command}'`);
    }
  }

  async #attach(
    command: string,
    args: readonly string[],
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (args.length === 0) throw new ShellError(`${command} requires a role`);
    if (args.length > 2) {
      throw new ShellError(`${command} takes at most two arguments: role and optional ticket`);
    }
    const label = roleLabel(args[0]!);
    if (this.#role !== undefined) {
      throw new ShellError("already attached; run 'quit' to close the current session");
    }
    await this.attachAs(label, args[1], recorder, signal);
  }

  /**
   * Attaches as `label` with `ticket` (the `attach` command, `--role` at start, re-attach after
   * `test`): prints the drained acks and `attached session SessionId(n) as <Role>`.
   */
  async attachAs(
    label: string,
    ticket: string | undefined,
    recorder: ResponseRecorder | undefined = undefined,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const target = recorder ?? new ResponseRecorder();
    const checked = checkAttachTicket(label, ticket, this.#defaults);
    await this.#withAcks(target, async () => {
      await this.console.attach(label, checked, signal);
      if (this.console.isTcp) this.#diag(tcpDiag.ready(label));
    });
    target.out(attachedLine(this.#sessionIds++, label));
    this.#role = label;
    this.#ticket = checked;
    this.#lastRole = { role: label, ticket: checked };
    return target.printed.map((printed) => printed.text);
  }

  /** Sends `quit` (its `OK QUIT` stays queued, as cohsh) and forgets the session. */
  async #quitConsole(recorder: ResponseRecorder, signal: AbortSignal | undefined): Promise<void> {
    this.#role = undefined;
    this.#ticket = undefined;
    try {
      await this.console.quit(signal);
    } catch (error) {
      if (!(error instanceof CohesixError)) throw error;
      recorder.out(`quit: ${describeError(error)}`);
    }
  }

  /** Ends the session silently (`test`'s `quit`, closing the shell). */
  async quitQuietly(signal?: AbortSignal): Promise<void> {
    if (this.#role === undefined) return;
    this.#role = undefined;
    this.#ticket = undefined;
    try {
      await this.console.quit(signal);
    } catch {
      // The connection is closed either way.
    }
  }

  /** Whether the session is attached (so closing it should send `quit`). */
  get attached(): boolean {
    return this.#role !== undefined;
  }

  async #ping(
    args: readonly string[],
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (args.length > 0) throw new ShellError("ping does not take any arguments");
    if (this.#role === undefined) {
      recorder.out("ping: not attached");
      throw new ShellError("ping: not attached");
    }
    const reply = await this.#withAcks(recorder, () => this.console.ping(signal));
    recorder.out(`ping: ${reply}`);
  }

  async #stream(
    command: "ls" | "cat" | "tail",
    args: readonly string[],
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (args.length === 0) throw new ShellError(`${command} requires a path`);
    if (args.length > 1) throw new ShellError(`${command} takes exactly one argument: path`);
    const path = checkPath(args[0]!);
    this.#requireSession(command);
    const verb = command === "ls" ? "LS" : command === "cat" ? "CAT" : "TAIL";
    const result = await this.#withAcks(recorder, () => this.console.stream(verb, path, signal));
    let lines = result.lines;
    if (verb === "CAT" && lines.length === 0) {
      // An empty body with a non-empty data= preview: cohsh prints the preview.
      const data = / data=(.*)$/.exec(result.ack)?.[1];
      if (data !== undefined && data !== "") lines = [data];
    }
    for (const body of lines) recorder.out(body);
  }

  async #queenCtl(
    payload: string,
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    this.#requireQueen("queen control");
    const text = normalizeShellPayload(payload);
    await this.#withAcks(recorder, () => this.console.echo("/queen/ctl", text, signal));
  }

  async #lifecycle(
    args: readonly string[],
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const command = lifecycleCommand(args);
    this.#requireQueen("lifecycle");
    const queued = this.console.queuedAcks;
    const current = await this.console.stream("CAT", "/proc/lifecycle/state", signal);
    this.console.dropAcksAfter(queued);
    const state = lifecycleState(current.lines);
    if (!LIFECYCLE_COMMANDS[command]!(state)) {
      this.#drain(recorder);
      recorder.ack(`ERR LIFECYCLE action=${command} state=${state} reason=invalid-transition`);
      throw new ShellError(`lifecycle transition denied: state=${state} action=${command}`);
    }
    await this.#withAcks(
      recorder,
      () => this.console.echo("/queen/lifecycle/ctl", command, signal),
    );
  }

  async #telemetry(
    args: readonly string[],
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new ShellError("telemetry requires a subcommand");
    if (sub !== "push") throw new ShellError(`unknown telemetry subcommand '${sub}'`);
    let file: string | undefined;
    let device: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if (arg === "--device") {
        device = rest[++i];
        if (device === undefined) throw new ShellError("telemetry push requires --device <id>");
      } else if (arg.startsWith("--device=")) {
        device = arg.slice("--device=".length);
      } else if (arg.startsWith("--")) {
        if (file === undefined) {
          throw new ShellError("telemetry push requires <src_file> before flags");
        }
        throw new ShellError(`telemetry push does not recognize '${arg}'`);
      } else if (file === undefined) {
        file = arg;
      } else {
        throw new ShellError(`telemetry push does not recognize '${arg}'`);
      }
    }
    if (file === undefined) throw new ShellError("telemetry push requires <src_file>");
    if (device === undefined) throw new ShellError("telemetry push requires --device <id>");
    const { pushTelemetryFile } = await import("./shell_telemetry.ts");
    await pushTelemetryFile({
      console: this.console,
      file,
      device,
      cwd: this.#cwd,
      defaults: this.#defaults,
      requireQueen: () => this.#requireQueen("telemetry push"),
      recorder,
      signal,
    });
  }

  async #test(
    args: readonly string[],
    recorder: ResponseRecorder,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.#selftest === undefined) throw new ShellError("unknown command 'test'");
    const print = (line: string, record: boolean) =>
      record ? recorder.out(line) : recorder.printed.push({ kind: "out", text: line });
    const result = await this.#selftest(this, args, print, signal);
    if (!result.ok && this.scriptMode) throw new ShellError("selftest failed");
    if (result.ok && !this.scriptMode && !this.attached && this.#lastRole !== undefined) {
      // cohsh's REPL re-attaches after the self-test's own `quit`.
      try {
        await this.attachAs(this.#lastRole.role, this.#lastRole.ticket, recorder, signal);
      } catch (error) {
        if (!(error instanceof CohesixError)) throw error;
        recorder.out(`selftest: reattach failed: ${error.summary}`);
      }
    }
  }

  async #tcpDiag(args: readonly string[], recorder: ResponseRecorder): Promise<void> {
    if (args.length > 1) throw new ShellError("tcp-diag takes at most one argument: port");
    const link = this.console.link;
    const match = /^(.*):(\d+)$/.exec(link.where);
    if (!this.console.isTcp || match === null) {
      throw new ShellError("tcp-diag needs a TCP console (--tcp-host/--tcp-port)");
    }
    let port = Number(match[2]);
    if (args[0] !== undefined) {
      if (!/^\d+$/.test(args[0]) || Number(args[0]) > 65535) {
        throw new ShellError("tcp-diag requires a numeric port");
      }
      port = Number(args[0]);
    }
    const host = match[1]!.replace(/^\[|\]$/g, "");
    recorder.out(`tcp-diag: connecting to ${host}:${port}`);
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      recorder.out(`tcp-diag: connect failed: ${text}`);
      throw new ShellError(`tcp-diag failed: ${text}`);
    }
    recorder.out("tcp-diag: connect succeeded");
    const addr = (a: Deno.Addr) => "hostname" in a ? `${a.hostname}:${a.port}` : String(a);
    recorder.out(`tcp-diag: local_addr=${addr(conn.localAddr)}`);
    recorder.out(`tcp-diag: peer_addr=${addr(conn.remoteAddr)}`);
    conn.close();
  }

  /** The ticket of the current session (for re-attach), never printed. */
  get ticket(): string | undefined {
    return this.#ticket;
  }
}

/** An error's message for an `Error:` line: its summary, and its hint when it has one. */
export function describeError(error: CohesixError): string {
  return error.hint ? `${error.summary} (hint: ${error.hint})` : error.summary;
}
