/**
 * `TcpBackend`: the {@link Backend} primitives over the Queen's TCP console, speaking exactly
 * as coh/cohsh do (PROTOCOL.md §11, OPERATIONS.md §1.4–§1.5): `AUTH` at once, `ATTACH queen `
 * (or `ATTACH <role> <ticket>`), one command in flight, `quit` at the end.
 *
 * Retries follow the manifest's retry policy: a busy console (reset right after connect) and
 * a throttled ATTACH are retried with backoff; reads interrupted by a transport failure are
 * retried on a fresh connection; a write that may have reached the Queen is never resent.
 *
 * @example
 * ```ts
 * await using queen = await TcpBackend.connect({ authToken: "changeme" });
 * console.log(await queen.listDir("/gpu"));
 * ```
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import {
  AbortedError,
  AttachError,
  CohesixError,
  CohesixTimeoutError,
  CommandError,
  ConnectionError,
  ConsoleBusyError,
  ProtocolError,
} from "../core/errors.ts";
import { readCapError } from "../core/read_caps.ts";
import { validatePath } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { normalizeRole, type TicketRole, validateTicketForRole } from "../wire/ticket.ts";
import { backoffDelay, sleep } from "../transport/backoff.ts";
import {
  ConsoleConnection,
  type ConsoleResponse,
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  type RequestOptions,
} from "../transport/console_connection.ts";
import { RequestQueue } from "../transport/request_queue.ts";
import { explainRefusedWrite, isRefusedWrite, LIFECYCLE_STATE_PATH } from "./write_refusal.ts";
import type { Backend, CallOptions } from "./backend.ts";

// Types this module's API mentions, re-exported so the `./tcp` entry documents them.
export type { Backend, CallOptions } from "./backend.ts";

/** Enough for `state=<STATE>`. */
const LIFECYCLE_READ_CAP = 256;

const encoder = new TextEncoder();

/** Options of {@link TcpBackend.connect}. */
export interface TcpBackendOptions {
  /** Console host; default `127.0.0.1`. */
  readonly host?: string;
  /** Console port; default `31337`. */
  readonly port?: number;
  /** The console auth token (`COHSH_AUTH_TOKEN` / `COH_AUTH_TOKEN`); never logged. */
  readonly authToken: string;
  /** Role to attach as (any case; `worker` → `worker-heartbeat`); default `queen`. */
  readonly role?: string;
  /** Capability ticket; required for worker roles, optional for queen. Never logged. */
  readonly ticket?: string;
  /** Per-request timeout in wall ms; default `retry.timeout_ms`. */
  readonly timeoutMs?: number;
  /**
   * How many times a failed connect, a throttled ATTACH, or an interrupted read is retried
   * (after the first try); default `retry.max_attempts`. Delays: `backoff_ms·2^(k−1)`, capped
   * at `ceiling_ms`.
   */
  readonly maxAttempts?: number;
  /** Aborts connecting. */
  readonly signal?: AbortSignal;
  /** Bounds and retry policy; default {@link DEFAULTS}. */
  readonly defaults?: CohesixDefaults;
}

/** Result of {@link TcpBackend.writeAppendDetailed}. */
export interface WriteAppendResult {
  /** The caller's byte count (payload as given, trailing newline included), as coh reports. */
  readonly bytes: number;
  /** The Queen's `bytes=` (payload as stored, without a newline), if the ack carried it. */
  readonly serverBytes: number | undefined;
}

/** The Backend primitives over one (re-established on demand) console connection. */
export class TcpBackend implements Backend {
  /** Always `tcp`. */
  readonly kind = "tcp";
  readonly #host: string;
  readonly #port: number;
  readonly #authToken: string;
  readonly #role: TicketRole;
  readonly #ticket: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #defaults: CohesixDefaults;
  readonly #queue = new RequestQueue();
  #connection: ConsoleConnection | undefined;
  #closed = false;

  private constructor(options: TcpBackendOptions) {
    this.#defaults = options.defaults ?? DEFAULTS;
    this.#host = options.host ?? DEFAULT_CONSOLE_HOST;
    this.#port = options.port ?? DEFAULT_CONSOLE_PORT;
    this.#authToken = options.authToken;
    this.#role = normalizeRole(options.role ?? "queen");
    this.#ticket = validateTicketForRole(this.#role, options.ticket, this.#defaults);
    this.#timeoutMs = options.timeoutMs ?? this.#defaults.retry.timeoutMs;
    this.#maxAttempts = Math.max(0, options.maxAttempts ?? this.#defaults.retry.maxAttempts);
  }

  /**
   * Validates role and ticket, connects, authenticates and attaches. Throws `ValidationError` /
   * `TicketError` for a bad role or ticket (nothing is sent), `PermissionError` naming
   * `--allow-net=HOST:PORT`, `AuthError` (not retried), `ConsoleBusyError` once retries are
   * used up, `AttachError` for a refused ATTACH.
   */
  static async connect(options: TcpBackendOptions): Promise<TcpBackend> {
    const backend = new TcpBackend(options);
    backend.#connection = await backend.#open(options.signal);
    return backend;
  }

  /** The canonical role this backend attaches as. */
  get role(): string {
    return this.#role;
  }

  /**
   * Lists directory `path` (`LS`): the entry names in the Queen's order. Fails with
   * `LimitError` `list <path> exceeds max bytes <max>` as soon as the names received sum to more
   * than `readCaps.maxDirListBytes` (coh's bound, which every backend meets through
   * `client/remote.ts` listDirBounded).
   */
  async listDir(path: string, options: CallOptions = {}): Promise<string[]> {
    validatePath(path, this.#defaults);
    const max = this.#defaults.readCaps.maxDirListBytes;
    return (await this.#read(`LS ${path}`, "LS", path, options, max)).lines;
  }

  /**
   * Reads file `path` (`CAT`): body lines joined with `\n`, no trailing newline; with no body
   * lines, the ack's `data=` (the only CAT output for `/log/queen.log`). More than `maxBytes`
   * → `LimitError` `read <path> exceeds max bytes <max>`.
   */
  async readFile(path: string, maxBytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    validatePath(path, this.#defaults);
    const { ack, lines } = await this.#read(`CAT ${path}`, "CAT", path, options, maxBytes);
    const text = lines.length > 0 ? lines.join("\n") : (ack.fields.data ?? "");
    const bytes = encoder.encode(text);
    if (bytes.length > maxBytes) {
      throw readCapError(path, maxBytes);
    }
    return bytes;
  }

  /** One-shot snapshot of `path` (`TAIL`): its lines. */
  async tail(path: string, options: CallOptions = {}): Promise<string[]> {
    validatePath(path, this.#defaults);
    return (await this.#read(`TAIL ${path}`, "TAIL", path, options)).lines;
  }

  /** Round-trips `PING` (`OK PING` and `PONG`). */
  async ping(options: CallOptions = {}): Promise<void> {
    await this.#retrying(options, (conn, request) => conn.ping(request));
  }

  /**
   * Appends one line (`ECHO <path> <payload>`) and returns the caller's byte count
   * (`payload.length`, trailing newline included), as coh does.
   */
  async writeAppend(path: string, payload: Uint8Array, options: CallOptions = {}): Promise<number> {
    return (await this.writeAppendDetailed(path, payload, options)).bytes;
  }

  /**
   * Like {@link writeAppend}, also returning the Queen's `bytes=`. One trailing `\n` is
   * stripped; the rest must be one printable-ASCII line of at most `console.max_echo_len` bytes.
   * A write interrupted after it was sent is not resent: the error says it may or may not have
   * been applied. An EPERM refusal caused by the Queen's lifecycle state or the console role is a
   * `WriteRefusedError` saying so (`/proc/lifecycle/state` is read to tell).
   */
  async writeAppendDetailed(
    path: string,
    payload: Uint8Array,
    options: CallOptions = {},
  ): Promise<WriteAppendResult> {
    validatePath(path, this.#defaults);
    const text = normalizeEchoPayload(payload, this.#defaults);
    const line = `ECHO ${path} ${text}`;
    try {
      return await this.#echo(line, path, text, payload, options);
    } catch (error) {
      if (!isRefusedWrite(error)) throw error;
      throw await explainRefusedWrite(error, path, {
        role: this.#role,
        hasTicket: this.#ticket !== undefined,
        readLifecycleState: () => this.readFile(LIFECYCLE_STATE_PATH, LIFECYCLE_READ_CAP, options),
      });
    }
  }

  #echo(
    line: string,
    path: string,
    text: string,
    payload: Uint8Array,
    options: CallOptions,
  ): Promise<WriteAppendResult> {
    return this.#queue.run(async () => {
      const { conn, pingFailure } = await this.#liveConnection(options);
      const before = conn.framesSent;
      try {
        // The Queen trims the payload and acks its length as `bytes=`: an `OK ECHO` for this
        // path with another length is a stale line (an earlier reply), not this write's ack.
        const expect = { bytes: String(text.trim().length) };
        const { ack } = await conn.request(
          { line, verb: "ECHO", shape: "ack", path, expect },
          this.#requestOptions(options),
        );
        const serverBytes = ack.fields.bytes === undefined ? undefined : Number(ack.fields.bytes);
        return {
          bytes: payload.length,
          serverBytes: Number.isFinite(serverBytes) ? serverBytes : undefined,
        };
      } catch (error) {
        if (error instanceof CommandError) throw error;
        const failure = conn.framesSent === before ? error : mayHaveBeenApplied(error, path);
        throw pingFailure === undefined ? failure : afterFailedPing(failure, pingFailure);
      }
    }, options.signal);
  }

  /** Sends `quit` and closes; idempotent. Waits for requests already queued. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.run(async () => {
      const conn = this.#connection;
      this.#connection = undefined;
      await conn?.quit();
    }).catch(() => {});
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #read(
    line: string,
    verb: string,
    path: string,
    options: CallOptions,
    maxBodyBytes?: number,
  ): Promise<ConsoleResponse> {
    const request = maxBodyBytes === undefined
      ? { line, verb, shape: "stream" as const, path }
      : { line, verb, shape: "stream" as const, path, maxBodyBytes };
    return this.#retrying(options, (conn, options) => conn.request(request, options));
  }

  /** Runs a read, retrying it on a fresh connection after a transport failure. */
  #retrying(
    options: CallOptions,
    run: (conn: ConsoleConnection, request: RequestOptions) => Promise<ConsoleResponse>,
  ): Promise<ConsoleResponse> {
    return this.#queue.run(async () => {
      for (let retry = 0;; retry++) {
        const conn = await this.#ensureConnection(options.signal);
        try {
          return await run(conn, this.#requestOptions(options));
        } catch (error) {
          if (!isTransportFailure(error) || retry >= this.#maxAttempts) throw error;
          await sleep(backoffDelay(retry + 1, this.#defaults.retry), options.signal);
        }
      }
    }, options.signal);
  }

  #requestOptions(options: CallOptions): RequestOptions {
    return {
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
  }

  /**
   * The connection for a write. A write is never resent, so one that meets a connection the
   * Queen dropped while it sat idle would fail as "may or may not have been applied". After
   * `heartbeat.interval_ms` of silence a PING (a read, safe to retry) checks the connection
   * first and replaces it if it is gone, as cohsh pings an idle console. The PING's failure is
   * returned with the new connection, so an error on it can say what came before.
   */
  async #liveConnection(
    options: CallOptions,
  ): Promise<{ conn: ConsoleConnection; pingFailure?: CohesixError }> {
    const conn = await this.#ensureConnection(options.signal);
    if (conn.idleMs <= this.#defaults.heartbeatIntervalMs) return { conn };
    try {
      await conn.ping(this.#requestOptions(options));
      return { conn };
    } catch (error) {
      if (!isTransportFailure(error)) throw error;
      const pingFailure = error as CohesixError;
      try {
        return { conn: await this.#ensureConnection(options.signal), pingFailure };
      } catch (reconnect) {
        throw afterFailedPing(reconnect, pingFailure);
      }
    }
  }

  async #ensureConnection(signal: AbortSignal | undefined): Promise<ConsoleConnection> {
    if (this.#closed) {
      throw new ConnectionError("the TCP backend is closed", { hint: "connect a new one" });
    }
    if (this.#connection !== undefined && !this.#connection.closed) return this.#connection;
    this.#connection = undefined;
    this.#connection = await this.#open(signal);
    return this.#connection;
  }

  /** Connect + AUTH + ATTACH, retrying connection failures (a busy console) with backoff. */
  async #open(signal: AbortSignal | undefined): Promise<ConsoleConnection> {
    for (let retry = 0;; retry++) {
      let conn: ConsoleConnection;
      try {
        conn = await ConsoleConnection.connect({
          host: this.#host,
          port: this.#port,
          authToken: this.#authToken,
          timeoutMs: this.#timeoutMs,
          defaults: this.#defaults,
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (error) {
        if (!(error instanceof ConnectionError) || retry >= this.#maxAttempts) throw error;
        await sleep(backoffDelay(retry + 1, this.#defaults.retry), signal);
        continue;
      }
      try {
        await this.#attach(conn, signal);
        return conn;
      } catch (error) {
        await conn.quit();
        throw error;
      }
    }
  }

  /** ATTACH, retrying `detail=throttled` / `detail=rate-limited` after a wall-clock delay. */
  async #attach(conn: ConsoleConnection, signal: AbortSignal | undefined): Promise<void> {
    const request: RequestOptions = signal === undefined ? {} : { signal };
    for (let retry = 1;; retry++) {
      try {
        await conn.attach(this.#role, this.#ticket, request);
        return;
      } catch (error) {
        if (!isThrottled(error) || retry > this.#maxAttempts) throw error;
        // delay_ms is server time (≈180× wall time live): honour it, capped by the ceiling.
        await sleep(backoffDelay(retry, this.#defaults.retry, error.delayMs ?? 0), signal);
      }
    }
  }
}

function isThrottled(error: unknown): error is AttachError {
  return error instanceof AttachError && error.reason === "quota" &&
    (error.detail === "throttled" || error.detail === "rate-limited");
}

function isTransportFailure(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof CohesixTimeoutError;
}

/**
 * `error`, met on (or while opening) the connection that replaced one whose PING failed, with
 * that PING failure kept as its `cause` and named in its message. Errors that are answers (a
 * server `ERR`, a refused token) or not transport failures are returned as they are.
 */
function afterFailedPing(error: unknown, ping: CohesixError): unknown {
  const retyped = [
    ConsoleBusyError,
    ConnectionError,
    CohesixTimeoutError,
    AbortedError,
    ProtocolError,
  ]
    .find((kind) => error instanceof kind);
  if (retyped === undefined || !(error instanceof CohesixError)) return error;
  const options = error.hint === undefined ? { cause: ping } : { cause: ping, hint: error.hint };
  return new retyped(
    `${error.summary} (on reconnecting after the idle connection failed its PING: ` +
      `${ping.summary})`,
    options,
  );
}

function mayHaveBeenApplied(error: unknown, path: string): CohesixError {
  const what = error instanceof CohesixError
    ? error.summary
    : error instanceof Error
    ? error.message
    : String(error);
  const message = `ECHO to ${path} was interrupted after it was sent (${what}); ` +
    "it may or may not have been applied";
  const options = {
    cause: error,
    hint: "it was not resent; check the target before writing again",
  };
  if (error instanceof CohesixTimeoutError) return new CohesixTimeoutError(message, options);
  if (error instanceof AbortedError) return new AbortedError(message, options);
  if (error instanceof ProtocolError) return new ProtocolError(message, options);
  return new ConnectionError(message, options);
}
