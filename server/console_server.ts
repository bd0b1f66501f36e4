/**
 * An in-repo Cohesix console server that behaves like the live Queen on the wire (PROTOCOL.md
 * §12): one client at a time (others are reset at once), no banner, exact `AUTH <token>` within
 * a deadline (failure closes silently), frame limits, the parser's quirks, ATTACH with tickets,
 * back-off and rate limiting, the two output lanes, and fault injection for client tests.
 * Namespace semantics come from the Queen namespace model; this module owns only the wire.
 *
 * @module
 */

import net from "node:net";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { encodeFrame, FrameDecoder } from "../wire/frame.ts";
import type { TicketRole } from "../wire/ticket.ts";
import type { ParseOutcome } from "./command_parser.ts";
import { classifyPayload as classify, FRAME_ERROR_REPLY } from "./in_process_console.ts";
import { ConsoleSession, type QueenState, type SessionReply } from "./console_session.ts";
import { createNamespace, type NamespaceSeed, type QueenNamespace } from "./default_namespace.ts";
import { type FaultAction, FaultPlan, type FaultSpec } from "./faults.ts";
import { NodeSocketConn } from "./node_socket_conn.ts";
import { OutputLanes } from "./output_lanes.ts";
import type { QueenLimits } from "./queen_limits.ts";
import { createQueenState } from "./queen_state.ts";
import { concatBytes } from "../core/bytes.ts";
import { DEFAULT_CONSOLE_HOST, DEFAULT_CONSOLE_TOKEN } from "../transport/console_connection.ts";

// Types the options mention, re-exported so the `./server` entry documents them.
export type { NamespaceSeed } from "./default_namespace.ts";
export type { FaultAction, FaultSpec } from "./faults.ts";
export type { QueenLimits } from "./queen_limits.ts";
export { RELEASE_TICKET_SECRETS } from "./queen_state.ts";

/** Options of {@link ConsoleServer.start}. */
export interface ConsoleServerOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  readonly hostname?: string;
  /** Port; default 0 (any free port). */
  readonly port?: number;
  /** Auth token; default `changeme`. */
  readonly token?: string;
  /** Namespace to serve (global Queen state); default a fresh one seeded with `seed`. */
  readonly namespace?: QueenNamespace;
  /** Seed of the default namespace; default `queen` (the live tree fresh after boot). */
  readonly seed?: NamespaceSeed;
  /** Per-role ticket secrets; default {@link RELEASE_TICKET_SECRETS}. */
  readonly secrets?: Partial<Record<TicketRole, string>>;
  /** Faults to inject. */
  readonly faults?: readonly FaultSpec[];
  /** Server clock in server milliseconds (uptime); default wall time since start × `timeScale`. */
  readonly now?: () => number;
  /** Server milliseconds per wall millisecond; default 1 (live runs about 180). */
  readonly timeScale?: number;
  /** Send `ERR AUTH reason=…` before closing on an auth failure, as the source intends. */
  readonly authErrors?: boolean;
  /** Wall milliseconds before the late `ERR SPAWN|KILL` line; default 5. */
  readonly lateErrorDelayMs?: number;
  /** One line per command (never the token or a ticket). */
  readonly log?: (line: string) => void;
  /** Manifest bounds; default {@link DEFAULTS}. */
  readonly defaults?: CohesixDefaults;
  /** Queen-internal limits; default {@link QUEEN_LIMITS}. */
  readonly limits?: QueenLimits;
}

/** A running console server. */
export interface RunningConsoleServer extends AsyncDisposable {
  /** Address it listens on. */
  readonly hostname: string;
  /** Port it listens on. */
  readonly port: number;
  /** The namespace it serves (global Queen state); tests seed and inspect it directly. */
  readonly namespace: QueenNamespace;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();
/** Faults that bypass the output lanes (the log shows the reply they replaced). */
const RAW_FAULTS: ReadonlySet<FaultAction["kind"]> = new Set([
  "stall",
  "drop",
  "bad-length",
  "non-utf8",
  "truncate",
]);
/** Wall ms a refused (second) client may stay silent before it is reset anyway. */
const BUSY_RESET_FALLBACK_MS = 100;

/** The console server. Use {@link ConsoleServer.start}. */
export class ConsoleServer implements RunningConsoleServer {
  readonly hostname: string;
  readonly port: number;
  readonly namespace: QueenNamespace;
  readonly #listener: net.Server;
  readonly #options: ConsoleServerOptions;
  readonly #queen: QueenState;
  readonly #faults: FaultPlan;
  readonly #timeScale: number;
  readonly #connections = new Set<Connection>();
  readonly #tasks = new Set<Promise<void>>();
  #active: Connection | undefined;
  #idleWaiters: (() => void)[] = [];
  #nextConnId = 1;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(listener: net.Server, options: ConsoleServerOptions) {
    this.#listener = listener;
    this.#options = options;
    const addr = listener.address() as net.AddressInfo;
    this.hostname = addr.address;
    this.port = addr.port;
    this.#timeScale = options.timeScale ?? 1;
    const started = performance.now();
    const now = options.now ?? (() => (performance.now() - started) * this.#timeScale);
    const defaults = options.defaults ?? DEFAULTS;
    this.namespace = options.namespace ??
      createNamespace({ seed: options.seed ?? "queen", now, defaults });
    this.#queen = createQueenState({
      namespace: this.namespace,
      now,
      ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
      defaults,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
    this.#faults = new FaultPlan(options.faults);
    listener.on("connection", (socket: net.Socket) => this.#accept(socket));
    listener.on("error", (error: Error) => this.#log(`listener error: ${error.message}`));
  }

  /**
   * Starts a server; see {@link ConsoleServerOptions}. Listens with `node:net` because only it
   * can refuse a second client with a real TCP RST, as the live Queen does.
   */
  static async start(options: ConsoleServerOptions = {}): Promise<ConsoleServer> {
    // allowHalfOpen: a client's FIN must not close our side before its replies are written.
    const listener = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen(
        { host: options.hostname ?? DEFAULT_CONSOLE_HOST, port: options.port ?? 0 },
        () => {
          listener.off("error", reject);
          resolve();
        },
      );
    });
    return new ConsoleServer(listener, options);
  }

  /** Resolves once no client holds the console (a new connection would be accepted). */
  idle(): Promise<void> {
    if (this.#active === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops listening and closes every connection; resolves once every socket is closed. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    const stopped = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    for (const connection of this.#connections) connection.abort();
    await Promise.allSettled([...this.#tasks]);
    await Promise.allSettled([...this.#connections].map((c) => c.closed));
    await stopped;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  #accept(socket: net.Socket): void {
    const connection = new Connection(new NodeSocketConn(socket), this.#nextConnId++);
    this.#connections.add(connection);
    // Forgotten only once fully closed, so close() can wait for every socket.
    void connection.closed.then(() => this.#connections.delete(connection));
    if (this.#closed) {
      connection.abort();
      return;
    }
    if (this.#active !== undefined) {
      this.#log(`conn=${connection.id} refused: console busy`);
      this.#track(connection.refuse(BUSY_RESET_FALLBACK_MS));
      return;
    }
    this.#active = connection;
    this.#track(
      this.#serve(connection).finally(() => {
        connection.abort();
        if (this.#active === connection) {
          this.#active = undefined;
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      }),
    );
  }

  #wallMs(serverMs: number): number {
    return serverMs / this.#timeScale;
  }

  async #serve(connection: Connection): Promise<void> {
    const session = new ConsoleSession(this.#queen);
    try {
      if (!(await this.#authenticate(connection))) return;
      await this.#commands(connection, session);
    } finally {
      session.disconnected();
      this.#log(`conn=${connection.id} closed`);
    }
  }

  /** Reads the AUTH frame within the deadline; true when the token matched. */
  async #authenticate(connection: Connection): Promise<boolean> {
    const token = this.#options.token ?? DEFAULT_CONSOLE_TOKEN;
    const decoder = new FrameDecoder({
      maxFrameLen: this.#queen.defaults.secure9p.msize,
      oversize: "skip",
    });
    const deadline = this.#wallMs(this.#queen.limits.authDeadlineMs);
    const fail = async (reason: string): Promise<false> => {
      this.#log(`conn=${connection.id} AUTH failed: ${reason}`);
      if (this.#options.authErrors) await connection.send([`ERR AUTH reason=${reason}`]);
      return false;
    };
    const timer = setTimeout(() => connection.abort(), deadline);
    try {
      while (true) {
        const chunk = await connection.read();
        if (chunk === undefined) return false;
        let items;
        try {
          items = decoder.push(chunk);
        } catch {
          return await fail("invalid-length");
        }
        const first = items[0];
        if (first === undefined) continue;
        if (first.kind === "oversize") return await fail("invalid-length");
        const payload = first.payload;
        const expected = encoder.encode(`AUTH ${token}`);
        if (payload.length !== expected.length) return await fail("invalid-length");
        if (!startsWith(payload, encoder.encode("AUTH "))) return await fail("expected-token");
        if (!bytesEqual(payload, expected)) return await fail("invalid-token");
        clearTimeout(timer);
        this.#log(`conn=${connection.id} AUTH ok`);
        connection.pending = items.slice(1);
        connection.decoder = decoder;
        await connection.send(["OK AUTH"]);
        return true;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #commands(connection: Connection, session: ConsoleSession): Promise<void> {
    const decoder = connection.decoder!;
    const lanes = new OutputLanes(this.#queen.limits.dataQueueLines);
    const classifyPayload = (payload: Uint8Array | undefined) =>
      payload === undefined ? "frame-error" as const : classify(payload, this.#queen.defaults);
    let items = connection.pending;
    while (true) {
      // One read is one pump cycle: the Queen keeps at most `inboundLines` of it.
      const excess = items.length - this.#queen.limits.inboundLines;
      if (excess > 0) items = items.slice(excess);
      for (const item of items) {
        const outcome = classifyPayload(item.kind === "oversize" ? undefined : item.payload);
        if (outcome === "not-utf8") {
          this.#log(`conn=${connection.id} closed: payload is not UTF-8`);
          return;
        }
        const verb = outcome === "frame-error"
          ? "FRAME"
          : outcome.ok
          ? outcome.command.verb
          : "PARSE";
        const fault = this.#faults.next(verb);
        const reply: SessionReply = outcome === "frame-error"
          ? FRAME_ERROR_REPLY
          : this.#handleWithFault(session, outcome, fault);
        const report = (sent: readonly string[]) =>
          this.#log(
            `conn=${connection.id} ${describe(outcome)} -> ${summarize(sent)}${
              fault ? ` [fault ${fault.kind}]` : ""
            }`,
          );
        const keepGoing = await this.#emit(connection, lanes, reply, fault, report);
        if (!keepGoing) return;
      }
      const chunk = await connection.read();
      if (chunk === undefined) return;
      try {
        items = decoder.push(chunk);
      } catch {
        this.#log(`conn=${connection.id} closed: frame length below 4`);
        return;
      }
    }
  }

  #handleWithFault(
    session: ConsoleSession,
    outcome: ParseOutcome,
    fault: FaultAction | undefined,
  ): SessionReply {
    if (fault?.kind === "throttle-attach" && outcome.ok && outcome.command.verb === "ATTACH") {
      const delay = fault.delayMs ?? this.#queen.limits.backoffBaseMs;
      return { lines: [{ line: `ERR ATTACH reason=quota detail=throttled delay_ms=${delay}` }] };
    }
    if (fault?.kind === "stall" || fault?.kind === "drop") return { lines: [] };
    const reply = session.handle(outcome);
    if (fault?.kind === "inject") {
      const end = reply.lines.findLastIndex((l) => l.line === "END");
      if (end >= 0) {
        const lines = [...reply.lines];
        lines.splice(end, 0, ...fault.lines.map((line) => ({ line })));
        return { ...reply, lines };
      }
    }
    return reply;
  }

  /**
   * Sends `reply` through the lanes (or a fault); false when the connection must close.
   * `report` gets the lines about to be sent (after the lanes dropped or reordered any).
   */
  async #emit(
    connection: Connection,
    lanes: OutputLanes,
    reply: SessionReply,
    fault: FaultAction | undefined,
    report: (sent: readonly string[]) => void,
  ): Promise<boolean> {
    if (fault !== undefined && RAW_FAULTS.has(fault.kind)) {
      report(reply.lines.map((emission) => emission.line));
    }
    switch (fault?.kind) {
      case "stall":
        return true;
      case "drop":
        return false;
      case "bad-length": {
        const header = new Uint8Array(4);
        new DataView(header.buffer).setUint32(0, fault.length, true);
        const filler = new Uint8Array(Math.max(0, Math.min(fault.length - 4, 64))).fill(0x41);
        await connection.write(concatBytes([header, filler]));
        return true;
      }
      case "non-utf8":
        await connection.write(encodeFrame(new Uint8Array([0x4f, 0x4b, 0x20, 0xff, 0xfe])));
        return true;
      case "truncate": {
        const first = reply.lines[0];
        if (first !== undefined) {
          const frame = encodeFrame(encoder.encode(first.line));
          await connection.write(frame.subarray(0, Math.max(5, frame.length >> 1)));
        }
        return false;
      }
      case "close-after-ack": {
        const out = lanes.push(reply.lines[0]?.line ?? "");
        report(out);
        await connection.send(out);
        return false;
      }
      case "delay":
        await connection.sleep(fault.ms);
        break;
    }
    const out: string[] = [];
    for (const emission of reply.lines) {
      const options = emission.droppable ? { droppable: true } : {};
      out.push(...lanes.push(emission.line, options));
    }
    out.push(...lanes.flush());
    report(out);
    await connection.send(out);
    if (reply.close || fault?.kind === "close-after-reply") return false;
    if (reply.late !== undefined) {
      const late = reply.late;
      const delay = this.#options.lateErrorDelayMs ?? 5;
      await connection.sleep(delay);
      await connection.send(lanes.push(late));
    }
    return true;
  }
}

/** One accepted TCP connection: reads, serialised writes, abort and reset. */
class Connection {
  readonly id: number;
  readonly #conn: NodeSocketConn;
  readonly #buffer = new Uint8Array(4096);
  #closed = false;
  #sleepTimer: ReturnType<typeof setTimeout> | undefined;
  #sleepResolve: (() => void) | undefined;
  /** Frames that arrived with the AUTH frame. */
  pending: ReturnType<FrameDecoder["push"]> = [];
  /** The decoder that read AUTH (it may hold the start of the next frame). */
  decoder: FrameDecoder | undefined;

  constructor(conn: NodeSocketConn, id: number) {
    this.#conn = conn;
    this.id = id;
    try {
      conn.setNoDelay(true);
    } catch { /* not fatal */ }
  }

  /** Resolves once the socket is fully closed. */
  get closed(): Promise<void> {
    return this.#conn.closed;
  }

  /** Next chunk, or `undefined` at EOF, on error, or once aborted. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#closed) return undefined;
    try {
      const n = await this.#conn.read(this.#buffer);
      if (n === null) return undefined;
      return this.#buffer.slice(0, n);
    } catch {
      return undefined;
    }
  }

  /** Writes all of `bytes`; errors (peer gone) are ignored. */
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    try {
      while (offset < bytes.length && !this.#closed) {
        offset += await this.#conn.write(bytes.subarray(offset));
      }
    } catch { /* peer gone: the read side notices */ }
  }

  /** Frames and writes `lines` in one write. */
  send(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return this.write(concatBytes(lines.map((line) => encodeFrame(encoder.encode(line)))));
  }

  /** Waits `ms` wall milliseconds, cut short by {@link abort}. */
  sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#sleepResolve = resolve;
      this.#sleepTimer = setTimeout(() => {
        this.#sleepTimer = undefined;
        resolve();
      }, ms);
    });
  }

  /**
   * Refuses the client as the busy Queen does: its `connect()` succeeds, then it reads
   * ECONNRESET. The RST goes out on its first bytes (clients send AUTH at once), or after
   * `fallbackMs` for a silent one. Resetting on accept instead can fail the client's
   * `connect()` itself on loopback, which the live Queen never does.
   */
  async refuse(fallbackMs: number): Promise<void> {
    const probe = new Uint8Array(1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.#conn.read(probe).catch(() => null),
        new Promise((resolve) => timer = setTimeout(resolve, fallbackMs)),
      ]);
    } finally {
      clearTimeout(timer);
      this.#stop();
      this.#conn.reset();
    }
  }

  /** Closes the socket (idempotent). */
  abort(): void {
    this.#stop();
    this.#conn.close();
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sleepTimer !== undefined) {
      clearTimeout(this.#sleepTimer);
      this.#sleepResolve?.();
    }
  }
}

function describe(outcome: ParseOutcome | "frame-error"): string {
  if (outcome === "frame-error") return "<oversize frame>";
  if (!outcome.ok) return `<parse error: ${outcome.message}>`;
  const command = outcome.command;
  // Never log a ticket: ATTACH shows the role only.
  if (command.verb === "ATTACH") {
    return `ATTACH ${command.role}${command.ticket ? " <ticket>" : ""}`;
  }
  return outcome.line;
}

/**
 * The reply as one log line: its ack (not a stream's END) and the count of other lines, e.g.
 * `OK LS path=/gpu entries=3 (3 lines)`. Acks never carry the token or a ticket.
 */
function summarize(lines: readonly string[]): string {
  const at = lines.findIndex((line) => /^(OK|ERR)( |$)/.test(line));
  if (at < 0) return lines.length === 0 ? "(none)" : `(${plural(lines.length)})`;
  const others = lines.filter((line, i) => i !== at && line !== "END").length;
  return others === 0 ? lines[at]! : `${lines[at]} (${plural(others)})`;
}

function plural(count: number): string {
  return count === 1 ? "1 line" : `${count} lines`;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}
