/**
 * Scripted console servers for client fault tests: each accepted connection runs a handler that
 * reads the client's frames and answers whatever the test wants, malformed or not.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { concatBytes } from "../core/bytes.ts";
import { encodeFrame, FrameDecoder } from "../wire/frame.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Fast retries so every case finishes quickly (the policy's shape is unchanged). */
export const FAST: CohesixDefaults = {
  ...DEFAULTS,
  retry: { ...DEFAULTS.retry, backoffMs: 1, ceilingMs: 5 },
};

/** Short enough that a hang shows up as a quick timeout, long enough for a loaded CI host. */
export const SHORT_MS = 300;

/** One accepted connection, seen from the server side. */
export class Peer {
  /** The accepted connection. */
  readonly conn: Deno.TcpConn;
  readonly #decoder = new FrameDecoder({ maxFrameLen: 1 << 16, oversize: "skip" });
  readonly #frames: string[] = [];
  readonly #buffer = new Uint8Array(4096);
  /** Wraps an accepted connection. */
  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    conn.setNoDelay(true);
  }
  /** The next client frame as text, or `undefined` once the client closed. */
  async next(): Promise<string | undefined> {
    while (this.#frames.length === 0) {
      let count: number | null;
      try {
        count = await this.conn.read(this.#buffer);
      } catch {
        return undefined;
      }
      if (count === null) return undefined;
      for (const frame of this.#decoder.push(this.#buffer.subarray(0, count))) {
        if (frame.kind === "frame") this.#frames.push(decoder.decode(frame.payload));
      }
    }
    return this.#frames.shift();
  }
  /** The next client frame, which must start with `prefix`. */
  async expect(prefix: string): Promise<string> {
    const line = await this.next();
    assert.ok(line !== undefined && line.startsWith(prefix), `expected ${prefix}…, got ${line}`);
    return line;
  }
  /** Sends `lines` in ONE write, so the client receives them together. */
  async send(...lines: string[]): Promise<void> {
    await this.sendRaw(concatBytes(lines.map((line) => encodeFrame(encoder.encode(line)))));
  }
  /** Sends raw bytes (malformed frames included) in one write. */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }
  /** AUTH + ATTACH as the Queen answers them. */
  async handshake(): Promise<void> {
    await this.expect("AUTH ");
    await this.send("OK AUTH");
    await this.expect("ATTACH ");
    await this.send("OK ATTACH role=queen");
  }
  /** Reads until the client closes; returns what it sent meanwhile. */
  async drain(): Promise<string[]> {
    const rest: string[] = [];
    for (let line = await this.next(); line !== undefined; line = await this.next()) {
      rest.push(line);
    }
    return rest;
  }
  /** Answers `quit` if it comes, then returns once the client is gone. */
  async finish(): Promise<void> {
    for (let line = await this.next(); line !== undefined; line = await this.next()) {
      if (line === "quit") await this.send("OK QUIT").catch(() => {});
    }
  }
  /** Closes the server side of this connection. */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** A running {@link scriptedServer}. */
export interface ScriptedServer extends AsyncDisposable {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Failures of the handlers (a test asserts it is empty). */
  readonly errors: unknown[];
  /** Stops listening, closes every connection and waits for the handlers. */
  close(): Promise<void>;
}

/** A console whose every connection runs `handler`; collects handler failures. */
export function scriptedServer(
  handler: (peer: Peer, index: number) => Promise<void>,
): ScriptedServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const peers: Peer[] = [];
  const tasks: Promise<void>[] = [];
  const errors: unknown[] = [];
  const accepting = (async () => {
    for (let index = 0;; index++) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      const peer = new Peer(conn);
      peers.push(peer);
      tasks.push(
        handler(peer, index).catch((error) => {
          errors.push(error);
        }).finally(() => peer.close()),
      );
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get connections(): number {
      return peers.length;
    },
    errors,
    async close(): Promise<void> {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      await accepting;
      for (const peer of peers) peer.close();
      await Promise.all(tasks);
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await this.close();
    },
  };
}
