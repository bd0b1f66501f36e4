/**
 * Replay server for live recordings (`shared/fixtures/live/*.jsonl`): an in-process console
 * server on 127.0.0.1 (port 0) that serves one recording. The N-th accepted connection plays
 * the recording's connection N: each client frame is checked byte for byte against the recorded
 * c2s frame (the first difference stops that connection and is reported with both frames, hex
 * and text), recorded s2c frames are sent in the recorded interleaving, and the server closes
 * its side where the recorded server did.
 *
 * A test that expects the client to refuse some recorded inputs client-side names them with
 * `skipClientFrames`; clients that always end with `quit` can replay coh-recorded sessions
 * (which end with a plain EOF) with `allowExtraQuit`; recordings made by the raw probe, whose
 * bytes differ from cohsh's on purpose (e.g. `ATTACH queen` without the trailing space,
 * uppercase `QUIT`), can be mapped with `rewriteClientFrame`.
 *
 * @example
 * ```ts
 * await using replay = startReplay({ scenario: "gpu_list", allowExtraQuit: true });
 * // … drive a client against replay.host / replay.port …
 * const result = await replay.finish();
 * assert.deepEqual(result.mismatches, []);
 * ```
 *
 * @module
 */

import { FrameDecoder } from "../wire/frame.ts";
import { hexToBytes, readRecording, type RecordedEvent } from "./fixtures.ts";

export type { RecordedEvent } from "./fixtures.ts";

/** Options of {@link startReplay}. */
export interface ReplayOptions {
  /** Recording name under `shared/fixtures/live/` (without `.jsonl`). */
  readonly scenario: string;
  /** Pre-parsed events to serve instead of reading `scenario` (for ad-hoc tests). */
  readonly events?: readonly RecordedEvent[];
  /**
   * Recorded c2s frames the client is expected NOT to send (refused client-side); the s2c
   * frames recorded after one, up to the next c2s frame, are not sent either. `index` counts the recording's c2s frames of that connection from 0.
   */
  readonly skipClientFrames?: (text: string, index: number) => boolean;
  /**
   * Maps a recorded c2s frame to the text the client is expected to send instead (identity by
   * default). For raw-probe recordings whose bytes differ from cohsh's on purpose.
   */
  readonly rewriteClientFrame?: (text: string, index: number) => string;
  /**
   * Accept a trailing `quit` where the recording's client just closed: answer `OK QUIT` (if the
   * server side is still open) and close.
   */
  readonly allowExtraQuit?: boolean;
}

/** One difference between what the client sent and what the recording expected. */
export interface ReplayMismatch {
  /** Recorded connection number. */
  readonly conn: number;
  /** Index of the expected c2s frame in that connection (after skips are counted). */
  readonly index: number;
  /** Human-readable description with both frames in hex and text. */
  readonly message: string;
  /** Expected payload as text, if a frame was expected. */
  readonly expected?: string;
  /** Received payload as text, if one was received. */
  readonly actual?: string;
}

/** Outcome of a replay. */
export interface ReplayResult {
  /** True if every connection played to its end with no mismatch. */
  readonly ok: boolean;
  /** Every mismatch, in the order found. */
  readonly mismatches: ReplayMismatch[];
  /** Every client frame received, as text, in order (all connections). */
  readonly clientFrames: string[];
  /** Number of connections accepted. */
  readonly connections: number;
}

/** A running replay server. */
export interface ReplayServer extends AsyncDisposable {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The ephemeral port it listens on. */
  readonly port: number;
  /** Resolves once every recorded connection has played out (never rejects). */
  readonly result: Promise<ReplayResult>;
  /**
   * Stops waiting: closes the listener and any open connection, then resolves to the result.
   * A recorded connection that never came is reported as a mismatch.
   */
  finish(): Promise<ReplayResult>;
}

type FrameEvent = Extract<RecordedEvent, { hex: string }>;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Starts serving a recording; see {@link ReplayOptions}. */
export function startReplay(options: ReplayOptions): ReplayServer {
  const events = options.events ?? readRecording(options.scenario);
  const connIds = [...new Set(events.map((e) => e.conn))].sort((a, b) => a - b);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const mismatches: ReplayMismatch[] = [];
  const clientFrames: string[] = [];
  const open = new Set<Deno.Conn>();
  let accepted = 0;
  let stopping = false;

  const run = (async (): Promise<ReplayResult> => {
    try {
      for (const id of connIds) {
        let conn: Deno.Conn;
        try {
          conn = await listener.accept();
        } catch {
          if (stopping) {
            mismatches.push({ conn: id, index: 0, message: `connection ${id} never came` });
            break;
          }
          throw new Error("listener failed");
        }
        accepted++;
        // Many small frames per reply: without no-delay, Nagle + delayed ACK add ~40 ms each.
        (conn as Deno.TcpConn).setNoDelay(true);
        open.add(conn);
        try {
          await playConnection(conn, id, events.filter((e) => e.conn === id), options, {
            mismatches,
            clientFrames,
          });
        } finally {
          open.delete(conn);
          closeQuietly(conn);
        }
      }
    } finally {
      closeQuietly(listener);
    }
    return { ok: mismatches.length === 0, mismatches, clientFrames, connections: accepted };
  })();

  const finish = async (): Promise<ReplayResult> => {
    stopping = true;
    closeQuietly(listener);
    for (const conn of open) closeQuietly(conn);
    return await run;
  };
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    host: "127.0.0.1",
    port,
    result: run,
    finish,
    [Symbol.asyncDispose]: async () => {
      await finish();
    },
  };
}

interface Sink {
  mismatches: ReplayMismatch[];
  clientFrames: string[];
}

/** Reads client frames one at a time from a connection. */
class FrameSource {
  readonly #conn: Deno.Conn;
  readonly #decoder = new FrameDecoder({ maxFrameLen: 1 << 20, oversize: "skip" });
  readonly #queue: Uint8Array[] = [];
  readonly #buffer = new Uint8Array(16 * 1024);
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  /** The next frame's payload, or `undefined` at EOF / reset / close. */
  async next(): Promise<Uint8Array | undefined> {
    while (this.#queue.length === 0) {
      let count: number | null;
      try {
        count = await this.#conn.read(this.#buffer);
      } catch {
        return undefined;
      }
      if (count === null) return undefined;
      for (const frame of this.#decoder.push(this.#buffer.subarray(0, count))) {
        if (frame.kind === "frame") this.#queue.push(frame.payload.slice());
        else this.#queue.push(new Uint8Array(0)); // Oversize: surfaces as a mismatch.
      }
    }
    return this.#queue.shift();
  }
}

async function playConnection(
  conn: Deno.Conn,
  id: number,
  events: readonly RecordedEvent[],
  options: ReplayOptions,
  sink: Sink,
): Promise<void> {
  const source = new FrameSource(conn);
  let c2sIndex = 0;
  let writable = true;
  // The replies recorded for a skipped client frame (up to the next client frame) are dropped.
  let skippingReplies = false;
  const fail = (message: string, extra: Partial<ReplayMismatch> = {}) => {
    sink.mismatches.push({ conn: id, index: c2sIndex, message, ...extra });
  };
  for (const event of events) {
    if ("hex" in event) {
      if (event.dir === "s2c") {
        if (!writable || skippingReplies) continue;
        try {
          await writeAll(conn, frameOf(hexToBytes(event.hex)));
        } catch {
          fail(`conn ${id}: client went away before server frame ${JSON.stringify(event.text)}`);
          return;
        }
        continue;
      }
      const index = c2sIndex++;
      skippingReplies = options.skipClientFrames?.(event.text, index) ?? false;
      if (skippingReplies) continue;
      const expected = expectedBytes(event, index, options);
      const actual = await source.next();
      if (actual === undefined) {
        fail(`conn ${id}: client closed instead of sending c2s #${index} ${show(expected)}`, {
          expected: decoder.decode(expected),
        });
        return;
      }
      sink.clientFrames.push(decoder.decode(actual));
      if (!sameBytes(actual, expected)) {
        fail(
          `conn ${id}: c2s #${index} differs\n  expected ${show(expected)}\n  actual   ${
            show(actual)
          }`,
          { expected: decoder.decode(expected), actual: decoder.decode(actual) },
        );
        return;
      }
      continue;
    }
    if (event.event === "open") continue;
    skippingReplies = false;
    if (event.dir === "s2c") {
      writable = false;
      try {
        await conn.closeWrite();
      } catch {
        // The client already closed; nothing to tell it.
      }
      continue;
    }
    // c2s EOF: the recorded client closed here; ours must too (after an optional quit).
    for (;;) {
      const extra = await source.next();
      if (extra === undefined) break;
      const text = decoder.decode(extra);
      sink.clientFrames.push(text);
      if (options.allowExtraQuit && text.toLowerCase() === "quit") {
        if (writable) {
          try {
            await writeAll(conn, frameOf(encoder.encode("OK QUIT")));
            await conn.closeWrite();
          } catch {
            // The client may close first.
          }
          writable = false;
        }
        continue;
      }
      fail(`conn ${id}: unexpected c2s after the recording's end: ${show(extra)}`, {
        actual: text,
      });
      return;
    }
  }
}

function expectedBytes(event: FrameEvent, index: number, options: ReplayOptions): Uint8Array {
  if (options.rewriteClientFrame === undefined) return hexToBytes(event.hex);
  return encoder.encode(options.rewriteClientFrame(event.text, index));
}

function frameOf(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 4);
  new DataView(out.buffer).setUint32(0, out.length, true);
  out.set(payload, 4);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function show(bytes: Uint8Array): string {
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `len=${bytes.length + 4} hex=${hex} text=${JSON.stringify(decoder.decode(bytes))}`;
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
