/**
 * Replays live recordings against the in-repo console server and compares what it sends with
 * what the live Queen sent, byte for byte, EOFs included (see `conformance_test.ts`). The body
 * of `TAIL /log/queen.log` (the Queen's own network trace) is the one exception: only its ack,
 * `END` and the 64-line bound are compared.
 *
 * Server time is a virtual clock driven by the recorded timestamps × the live clock rate, so
 * ATTACH back-off and rate limiting see the same server-ms gaps as the live Queen did.
 */

import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder } from "../wire/frame.ts";
import type { ConsoleServer } from "../server/console_server.ts";
import { hexToBytes, type RecordedEvent } from "./fixtures.ts";

/** Server ms per wall ms on the live QEMU/TCG Queen (PROTOCOL.md §0). */
const LIVE_CLOCK_RATE = 179;
/** Server-ms gap assumed between two recorded connections (they were minutes apart). */
const GAP_BETWEEN_CONNECTIONS = 10_000_000;
/** Wall ms to wait for a frame the recording says is coming, before declaring it missing. */
const PATIENCE_MS = 2000;

type Frame = { readonly hex: string; readonly text: string };
type FrameEvent = Extract<RecordedEvent, { hex: string }>;

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads server frames in the background; lets the test wait for a count or EOF. */
class FrameCollector {
  readonly frames: Frame[] = [];
  eof = false;
  readonly #conn: Deno.TcpConn;
  readonly #done: Promise<void>;
  #wake: (() => void) | undefined;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    const decoder = new FrameDecoder();
    const buffer = new Uint8Array(65536);
    const text = new TextDecoder();
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        for (const item of decoder.push(buffer.subarray(0, n))) {
          if (item.kind !== "frame") throw new Error("server sent an oversize frame");
          this.frames.push({ hex: toHex(item.payload), text: text.decode(item.payload) });
        }
        this.#wake?.();
      }
    } catch {
      // A reset or a local close ends the stream like an EOF.
    }
    this.eof = true;
    this.#wake?.();
  }

  /**
   * Waits until the frames match `expected` in number (a queen.log TAIL body counts as one
   * item, whatever its length), or until EOF with `eof`, or until patience runs out.
   */
  async waitFor(expected: readonly Frame[], eof = false): Promise<void> {
    const deadline = Date.now() + PATIENCE_MS;
    const count = maskQueenLogTail(expected).length;
    while (!(this.eof || (!eof && maskQueenLogTail(this.frames).length >= count))) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  finished(): Promise<void> {
    return this.#done;
  }
}

/** Replaces the body of every `TAIL /log/queen.log` by a marker with its line count. */
function maskQueenLogTail(frames: readonly Frame[]): string[] {
  const out: string[] = [];
  let inTail = false;
  let bodyLines = 0;
  for (const frame of frames) {
    if (inTail) {
      if (frame.text === "END") {
        out.push(`<queen.log tail body: ${bodyLines <= 64 ? "≤ 64 lines" : `${bodyLines} lines`}>`);
        out.push(frame.hex);
        inTail = false;
      } else {
        bodyLines++;
      }
      continue;
    }
    out.push(frame.hex);
    if (frame.text === "OK TAIL path=/log/queen.log") {
      inTail = true;
      bodyLines = 0;
    }
  }
  return out;
}

function render(hexes: readonly string[]): string[] {
  const text = new TextDecoder();
  return hexes.map((h) => (h.startsWith("<") ? h : JSON.stringify(text.decode(hexToBytes(h)))));
}

/** A server clock the replay drives; pass the same one to `ConsoleServer.start({ now })`. */
export interface VirtualClock {
  /** Server ms now. */
  ms: number;
}

/**
 * Replays every connection of one recording against `server` (a `t.step` named after it);
 * returns whether the server's frames matched the recording.
 */
export function replayScenario(
  t: Deno.TestContext,
  server: ConsoleServer,
  clock: VirtualClock,
  scenario: string,
  events: readonly RecordedEvent[],
): Promise<boolean> {
  const connIds = [...new Set(events.map((e) => e.conn))];
  return t.step(scenario, async () => {
    for (const connId of connIds) {
      const mine = events.filter((e) => e.conn === connId);
      await server.idle();
      clock.ms += GAP_BETWEEN_CONNECTIONS;
      const base = clock.ms;
      const conn = await Deno.connect({ hostname: server.hostname, port: server.port });
      const collector = new FrameCollector(conn);
      const expected: Frame[] = [];
      let expectServerEof = false;
      let closed = false;
      for (const event of mine) {
        if ("event" in event && event.event === "eof") {
          if (event.dir === "s2c") {
            expectServerEof = true;
            await collector.waitFor(expected, true);
          } else if (!closed) {
            await collector.waitFor(expected);
            closed = true;
            conn.close();
          }
          continue;
        }
        if (!("hex" in event)) continue;
        const frame = event as FrameEvent;
        if (frame.dir === "s2c") {
          expected.push({ hex: frame.hex, text: frame.text });
          continue;
        }
        // Let the server answer everything before this frame, as the live client did.
        await collector.waitFor(expected);
        clock.ms = base + frame.t_ms * LIVE_CLOCK_RATE;
        if (!closed) {
          try {
            await conn.write(encodeFrame(hexToBytes(frame.hex)));
          } catch {
            // The recorded client also wrote into a connection the server had closed.
          }
        }
      }
      await collector.waitFor(expected, expectServerEof);
      const sawEof = collector.eof;
      if (!closed) conn.close();
      await collector.finished();
      const want = maskQueenLogTail(expected);
      const got = maskQueenLogTail(collector.frames);
      assert.deepEqual(
        render(got),
        render(want),
        `${scenario} connection ${connId}: server frames differ from the recording`,
      );
      if (expectServerEof) assert.ok(sawEof, `${scenario}: server did not close the connection`);
    }
  });
}
