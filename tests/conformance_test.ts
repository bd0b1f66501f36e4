/**
 * Conformance of the in-repo console server with the live Queen: every recording in
 * `shared/fixtures/live/` is replayed, in the README's order, against ONE server seeded like the
 * freshly booted Queen (the recordings ran in that order against one Queen, each scenario
 * starting from the state the previous one left). For each connection the recorded client
 * frames are sent one by one, and the server's frames must equal the recorded server frames
 * byte for byte, EOFs included. The one exception is the body of `TAIL /log/queen.log` (the
 * Queen's own network trace), of which only the ack, `END` and the 64-line bound are compared.
 *
 * Server time is a virtual clock driven by the recorded timestamps × the live clock rate, so
 * ATTACH back-off and rate limiting see the same server-ms gaps as the live Queen did.
 *
 * @module
 */

import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder } from "../wire/frame.ts";
import { ConsoleServer } from "../server/console_server.ts";
import {
  fixturePath,
  hexToBytes,
  readFixture,
  readRecording,
  type RecordedEvent,
} from "./fixtures.ts";

/** Server ms per wall ms on the live QEMU/TCG Queen (PROTOCOL.md §0). */
const LIVE_CLOCK_RATE = 179;
/** Server-ms gap assumed between two recorded connections (they were minutes apart). */
const GAP_BETWEEN_CONNECTIONS = 10_000_000;
/** Wall ms to wait for a frame the recording says is coming, before declaring it missing. */
const PATIENCE_MS = 2000;

type Frame = { readonly hex: string; readonly text: string };
type FrameEvent = Extract<RecordedEvent, { hex: string }>;

/** The recording order a folder's README states (`pattern` finds the list). */
function recordingOrder(folder: "live" | "live2", pattern: RegExp): string[] {
  const readme = readFixture(`${folder}/README.md`);
  const match = pattern.exec(readme);
  if (!match) throw new Error(`${folder}/README.md no longer lists the recording order`);
  return match[1]!.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
}

const SCENARIOS: string[] = recordingOrder("live", /recorded in this order[^:]*:\s*([^.]+)\./s);
const SCENARIOS2: string[] = recordingOrder("live2", /Order, on one Queen:\s*([^.]+)\./s);
/** The GPU bridge publish and what follows it: conformance-checked with the bridge. */
const BRIDGE_SCENARIOS: ReadonlySet<string> = new Set([
  "bridge_publish_mock",
  "after_publish",
  "peft_live_after_publish",
  "bridge_publish_bad",
]);

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

/** Replays `scenarios` of `folder` in order against one fresh server; returns the mismatches. */
async function conform(
  t: Deno.TestContext,
  folder: "live" | "live2",
  scenarios: readonly string[],
): Promise<string[]> {
  let clock = 0;
  await using server = await ConsoleServer.start({ seed: "queen", now: () => clock });
  const failures: string[] = [];

  for (const scenario of scenarios) {
    const events = readRecording(scenario, folder);
    const connIds = [...new Set(events.map((e) => e.conn))];
    const passed = await t.step(scenario, async () => {
      for (const connId of connIds) {
        const mine = events.filter((e) => e.conn === connId);
        await server.idle();
        clock += GAP_BETWEEN_CONNECTIONS;
        const base = clock;
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
          clock = base + frame.t_ms * LIVE_CLOCK_RATE;
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
    console.log(`conformance ${folder}/${scenario}: ${passed ? "MATCH" : "MISMATCH"}`);
    if (!passed) failures.push(scenario);
  }
  return failures;
}

Deno.test("in-repo server reproduces every live recording", async (t) => {
  const failures = await conform(t, "live", SCENARIOS);
  assert.deepEqual(
    failures,
    [],
    `scenarios that differ from the live Queen: ${failures.join(", ")}`,
  );
  const recorded = [...Deno.readDirSync(fixturePath("live"))]
    .filter((entry) => entry.name.endsWith(".jsonl"))
    .map((entry) => entry.name.slice(0, -".jsonl".length))
    .sort();
  assert.deepEqual([...SCENARIOS].sort(), recorded, "every recording is replayed");
});

Deno.test("in-repo server reproduces the second set of live recordings (shell verbs, self-tests)", async (t) => {
  const scenarios = SCENARIOS2.filter((name) => !BRIDGE_SCENARIOS.has(name));
  const failures = await conform(t, "live2", scenarios);
  assert.deepEqual(
    failures,
    [],
    `scenarios that differ from the live Queen: ${failures.join(", ")}`,
  );
  const recorded = [...Deno.readDirSync(fixturePath("live2"))]
    .filter((entry) => entry.name.endsWith(".jsonl"))
    .map((entry) => entry.name.slice(0, -".jsonl".length))
    .sort();
  assert.deepEqual([...SCENARIOS2].sort(), recorded, "every recording is in the README's order");
});
