/**
 * cohsh's transport rules over a {@link ConsoleLink} (CLI.md §2.2, §2.5): the queue of acks
 * printed as `[console] …` after each command, which ack answers which request, which lines are
 * dropped, and recovery from a lost connection (reconnect, re-AUTH, re-ATTACH with the cached
 * role and ticket, re-send) with cohsh's stderr lines and back-off. This is the one place that
 * sends the shell's raw verbs.
 *
 * Deliberate differences from cohsh, for an operator's safety: an `ECHO` whose connection drops
 * is never re-sent (cohsh's re-send can apply a write twice); a stream answered `ERR PARSE` fails
 * at once (cohsh drops the line and loops for about 80 s).
 *
 * @module
 */

import { sleepMs } from "../../core/sleep.ts";
import { concatBytes } from "../../core/bytes.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { AbortedError, CohesixError, LimitError, OperationError } from "../../core/errors.ts";
import type { ConsoleLink } from "./console_link.ts";
import { LinkLostError, TcpLink } from "./console_link.ts";
import { renderAckLine, tcpDiag } from "./render.ts";

/**
 * How much one answer (an ack and its body, and whatever other lines come before it) may hold:
 * 256 KiB, eight times the largest body a Queen serves (a 32 KiB telemetry segment; the log ring
 * is about 20 KiB), so only a peer that never ends its answer reaches it.
 */
export const ANSWER_MAX_BYTES = 256 * 1024;

const encoder = new TextEncoder();

/** Most acks cohsh keeps queued; the oldest is dropped beyond it. */
export const ACK_QUEUE_MAX = 32;

/** A shell command failed; `summary` is cohsh's exact error text (printed as `Error: …`). */
export class ShellError extends OperationError {}

/** Settings of a {@link CohshConsole}. */
export interface CohshConsoleOptions {
  /** Bounds (retry policy). */
  readonly defaults?: CohesixDefaults;
  /** Wall ms of silence after which a connection counts as lost (cohsh: the socket timeout). */
  readonly timeoutMs?: number;
  /** Receives cohsh's `[cohsh][tcp] …` diagnostics (stderr). */
  readonly diag?: (line: string) => void;
  /** Sleeps `ms` (tests shorten the back-off). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A parsed ack line. */
interface AckLine {
  readonly status: "OK" | "ERR";
  readonly label: string;
  readonly rendered: string;
}

function ackOf(line: string): AckLine | undefined {
  const match = /^(OK|ERR) (\S+)(?: (.*))?$/s.exec(line);
  if (!match) return undefined;
  const status = match[1] as "OK" | "ERR";
  return { status, label: match[2]!, rendered: renderAckLine(status, match[2]!, match[3]) };
}

/** What a stream returned. */
export interface StreamResult {
  /** The `OK <VERB> …` ack as re-rendered. */
  readonly ack: string;
  /** Body lines. */
  readonly lines: string[];
}

/** cohsh's console client. */
export class CohshConsole {
  readonly link: ConsoleLink;
  readonly #defaults: CohesixDefaults;
  readonly #timeoutMs: number;
  readonly #diag: (line: string) => void;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #acks: string[] = [];
  #connects = 0;
  #reconnects = 0;
  #attached: { role: string; ticket: string | undefined } | undefined;

  /** A console client over `link`; nothing connects until the first command needs it. */
  constructor(link: ConsoleLink, options: CohshConsoleOptions = {}) {
    this.link = link;
    this.#defaults = options.defaults ?? DEFAULTS;
    this.#timeoutMs = options.timeoutMs ?? this.#defaults.retry.timeoutMs;
    this.#diag = options.diag ?? (() => {});
    this.#sleep = options.sleep ?? ((ms) => sleepMs(ms));
  }

  /** Whether this is a TCP console (cohsh's `[cohsh][tcp]` lines apply). */
  get isTcp(): boolean {
    return this.link instanceof TcpLink;
  }

  /** Takes every queued ack, oldest first. */
  drainAcks(): string[] {
    return this.#acks.splice(0);
  }

  /** The number of queued acks (to take back acks queued by silent work). */
  get queuedAcks(): number {
    return this.#acks.length;
  }

  /** Removes the acks queued after the first `from`, keeping those `keep` accepts. */
  dropAcksAfter(from: number, keep: (ack: string) => boolean = () => false): void {
    const later = this.#acks.splice(from);
    this.#acks.push(...later.filter(keep));
  }

  #queue(ack: string): void {
    this.#acks.push(ack);
    if (this.#acks.length > ACK_QUEUE_MAX) this.#acks.shift();
  }

  /** Connects (with cohsh's attempts and back-off) unless a connection is open. */
  async ensureConnected(signal?: AbortSignal): Promise<void> {
    if (this.link.open) return;
    const { maxAttempts, backoffMs, ceilingMs } = this.#defaults.retry;
    let lastError: unknown;
    for (let attempt = 0; attempt <= maxAttempts; attempt++) {
      if (attempt > 0) await this.#sleep(Math.min(backoffMs * 2 ** (attempt - 1), ceilingMs));
      if (signal?.aborted) throw new AbortedError("interrupted");
      try {
        const greeting = await this.link.connect(signal);
        this.#connects++;
        if (this.isTcp) this.#diag(tcpDiag.connected(this.link.where, this.#connects));
        for (const line of greeting) {
          const ack = ackOf(line);
          if (ack !== undefined) this.#queue(ack.rendered);
        }
        return;
      } catch (error) {
        lastError = error;
        // Only a refused or failed connect is retried; a refused token is final.
        if (!(error instanceof CohesixError) || error.code !== "connection") throw error;
      }
    }
    throw lastError;
  }

  /**
   * `ATTACH <label> <ticket>` (`ATTACH <label> ` without one). Returns the ack; an `ERR ATTACH`
   * is queued and fails with `remote attach failed: <line>`.
   */
  async attach(label: string, ticket: string | undefined, signal?: AbortSignal): Promise<string> {
    await this.ensureConnected(signal);
    const ack = await this.#attachOnce(label, ticket, signal);
    this.#attached = { role: label, ticket };
    return ack;
  }

  async #attachOnce(
    label: string,
    ticket: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    await this.link.send(encoder.encode(`ATTACH ${label} ${ticket ?? ""}`));
    const budget = this.#answerBudget();
    for (;;) {
      const line = await this.#next(budget, signal);
      const ack = ackOf(line);
      if (ack === undefined) continue;
      this.#queue(ack.rendered);
      if (ack.label === "ATTACH" || ack.label === "PARSE" || ack.label === "FRAME") {
        if (ack.status === "OK" && ack.label === "ATTACH") return ack.rendered;
        throw new ShellError(`remote attach failed: ${ack.rendered}`);
      }
    }
  }

  /** A fresh byte budget for one answer (see {@link ANSWER_MAX_BYTES}). */
  #answerBudget(): { left: number } {
    return { left: ANSWER_MAX_BYTES };
  }

  /**
   * The next line of the answer being read, charged to its budget: a Queen that never ends an
   * answer (a body without `END`, acks for other commands without end) is cut off with a
   * `LimitError` and the connection dropped, instead of growing this process without bound.
   */
  async #next(budget: { left: number }, signal: AbortSignal | undefined): Promise<string> {
    const line = await this.link.next(this.#timeoutMs, signal);
    budget.left -= line.length + 1;
    if (budget.left < 0) {
      this.link.close();
      throw new LimitError(
        `the Queen's answer passed ${ANSWER_MAX_BYTES} bytes without ending; the connection ` +
          "was dropped",
        "shell.answer_max_bytes",
        ANSWER_MAX_BYTES,
        { hint: "this is not a reply a Queen sends: check what is listening on that port" },
      );
    }
    return line;
  }

  /** Forgets the attached role (after `quit`/`detach`). */
  forgetAttach(): void {
    this.#attached = undefined;
  }

  /** `LS`, `CAT` or `TAIL` of `path`: the ack (queued too) and the body. */
  stream(verb: "LS" | "CAT" | "TAIL", path: string, signal?: AbortSignal): Promise<StreamResult> {
    const line = `${verb} ${path}`;
    return this.#recovering(`running ${line}`, true, signal, async () => {
      await this.link.send(encoder.encode(line));
      const budget = this.#answerBudget();
      let ok: string | undefined;
      const body: string[] = [];
      for (;;) {
        const next = await this.#next(budget, signal);
        if (next === "END" && ok !== undefined) return { ack: ok, lines: body };
        if (next === "PONG") continue;
        const ack = ackOf(next);
        if (ack === undefined) {
          if (ok !== undefined) body.push(next);
          continue;
        }
        if (ack.label === verb) {
          this.#queue(ack.rendered);
          if (ack.status === "ERR") throw new ShellError(`${verb} failed: ${ack.rendered}`);
          ok = ack.rendered;
        } else if (ack.status === "ERR" && ack.label === "FRAME") {
          throw new ShellError(`console frame rejected: ${ack.rendered}`);
        } else if (ack.status === "ERR" && ack.label === "PARSE") {
          // cohsh drops this line and waits (~80 s) for an answer that never comes, then fails;
          // we fail at once. Not queued either, so the failure is no more deferrable than cohsh's.
          throw new ShellError(`${verb} failed: ${ack.rendered}`);
        }
      }
    });
  }

  /**
   * `ECHO <path> <payload>` (`payload` already without its newline; raw bytes for the
   * placeholder's oversized frame). Returns the `OK ECHO` ack; fails `echo failed: <line>`.
   * Never re-sent after a drop.
   */
  echo(path: string, payload: string | Uint8Array, signal?: AbortSignal): Promise<string> {
    const text = typeof payload === "string" ? payload : "";
    const bytes = typeof payload === "string"
      ? encoder.encode(text === "" ? `ECHO ${path}` : `ECHO ${path} ${text}`)
      : concatBytes([encoder.encode(`ECHO ${path} `), payload]);
    return this.#recovering(`writing to ${path}`, false, signal, async () => {
      await this.link.send(bytes);
      const budget = this.#answerBudget();
      for (;;) {
        const next = await this.#next(budget, signal);
        const ack = ackOf(next);
        if (ack === undefined) {
          if (next.startsWith("ERR")) throw new ShellError(`echo failed: ${next}`);
          continue;
        }
        this.#queue(ack.rendered);
        if (ack.label === "ECHO" && ack.status === "OK") return ack.rendered;
        if (ack.status === "ERR" && ["ECHO", "PARSE", "FRAME"].includes(ack.label)) {
          throw new ShellError(`echo failed: ${ack.rendered}`);
        }
      }
    });
  }

  /** `PING`: `pong` for `OK PING`, `err` for `ERR PING` (both queued). */
  ping(signal?: AbortSignal): Promise<"pong" | "err"> {
    return this.#recovering("awaiting PING", true, signal, async () => {
      await this.link.send(encoder.encode("PING"));
      const budget = this.#answerBudget();
      for (;;) {
        const next = await this.#next(budget, signal);
        const ack = ackOf(next);
        if (ack === undefined) continue;
        this.#queue(ack.rendered);
        if (ack.label === "PING") return ack.status === "OK" ? "pong" : "err";
      }
    });
  }

  /**
   * Sends lowercase `quit`, waits for `OK QUIT` (queued, printed at the next drain), closes.
   * Throws the transport error (the shell prints it as `quit: <err>`).
   */
  async quit(signal?: AbortSignal): Promise<void> {
    this.#attached = undefined;
    if (!this.link.open) return;
    try {
      await this.link.send(encoder.encode("quit"));
      const budget = this.#answerBudget();
      for (;;) {
        const next = await this.#next(budget, signal);
        const ack = ackOf(next);
        if (ack?.label === "QUIT") {
          this.#queue(ack.rendered);
          return;
        }
      }
    } finally {
      this.link.close();
    }
  }

  /** Closes without `quit`. */
  close(): void {
    this.#attached = undefined;
    this.link.close();
  }

  /**
   * Runs `body`; on a lost TCP connection prints cohsh's lines, reconnects (the first at once,
   * then with back-off), re-attaches and runs it again, up to `retry.max_attempts` times.
   */
  async #recovering<T>(
    what: string,
    resend: boolean,
    signal: AbortSignal | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    const { maxAttempts, backoffMs, ceilingMs } = this.#defaults.retry;
    for (let failures = 0;; failures++) {
      try {
        if (failures > 0) {
          await this.ensureConnected(signal);
          const cached = this.#attached;
          if (cached !== undefined) {
            try {
              await this.#attachOnce(cached.role, cached.ticket, signal);
            } catch (error) {
              if (error instanceof ShellError) {
                throw new ShellError(error.summary.replace("remote attach", "re-attach"));
              }
              throw error;
            }
          }
        }
        if (!this.link.open) throw new LinkLostError("connection closed by peer");
        return await body();
      } catch (error) {
        if (!(error instanceof LinkLostError) || !this.isTcp || signal?.aborted) throw error;
        this.#diag(tcpDiag.lost());
        if (!resend) {
          throw new ShellError(
            `connection dropped while ${what}; the write was not re-sent (it may or may not ` +
              "have been applied)",
          );
        }
        if (failures >= maxAttempts) {
          throw new ShellError(`connection dropped repeatedly while ${what}`);
        }
        const delay = failures === 0 ? 0 : Math.min(backoffMs * 2 ** (failures - 1), ceilingMs);
        this.#reconnects++;
        this.#diag(tcpDiag.reconnect(failures + 1, delay, this.#reconnects));
        if (delay > 0) await this.#sleep(delay);
      }
    }
  }
}
