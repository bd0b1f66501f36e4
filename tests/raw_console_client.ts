/**
 * A raw-frame console client for tests of the in-repo server: sends exact payload bytes (even
 * malformed ones) and reads frames one by one, with a patience bound so that a missing reply
 * fails a test instead of hanging it.
 *
 * @module
 */

import { encodeFrame, FrameDecoder } from "../wire/frame.ts";
import { concatBytes } from "../core/bytes.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Default wall ms to wait for a frame or EOF. */
export const DEFAULT_PATIENCE_MS = 2000;

/** What {@link RawConsoleClient.next} found. */
export type RawRead =
  | { readonly kind: "frame"; readonly payload: Uint8Array; readonly text: string }
  | { readonly kind: "eof" }
  | { readonly kind: "reset" }
  | { readonly kind: "invalid-length" }
  | { readonly kind: "timeout" };

/** One raw TCP console connection. */
export class RawConsoleClient implements AsyncDisposable {
  readonly #conn: Deno.TcpConn;
  readonly #decoder = new FrameDecoder({ maxFrameLen: 8192, oversize: "skip" });
  readonly #queue: RawRead[] = [];
  readonly #buffer = new Uint8Array(65536);
  #pendingRead: Promise<void> | undefined;
  #ended = false;
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to `hostname:port`. */
  static async connect(hostname: string, port: number): Promise<RawConsoleClient> {
    return new RawConsoleClient(await Deno.connect({ hostname, port }));
  }

  /** Connects and authenticates with `token`; throws unless the reply is `OK AUTH`. */
  static async authed(
    hostname: string,
    port: number,
    token = "changeme",
  ): Promise<RawConsoleClient> {
    const client = await RawConsoleClient.connect(hostname, port);
    await client.send(`AUTH ${token}`);
    const reply = await client.nextText();
    if (reply !== "OK AUTH") {
      await client.close();
      throw new Error(`AUTH failed: ${reply}`);
    }
    return client;
  }

  /** Frames that arrived but were not read yet (pending decode not counted). */
  get buffered(): number {
    return this.#queue.length;
  }

  /** Sends one frame per payload, all in one write (a string payload is sent as UTF-8). */
  async send(...payloads: (string | Uint8Array)[]): Promise<void> {
    const frames = payloads.map((p) => encodeFrame(typeof p === "string" ? encoder.encode(p) : p));
    await this.sendRaw(concatBytes(frames));
  }

  /** Writes `bytes` exactly as given. */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  /** The next frame, EOF, reset, or a timeout after `patienceMs`. */
  async next(patienceMs: number = DEFAULT_PATIENCE_MS): Promise<RawRead> {
    if (this.#queue.length === 0 && !this.#ended) {
      this.#pendingRead ??= this.#fill().finally(() => this.#pendingRead = undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        this.#pendingRead.then(() => false),
        new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), patienceMs)),
      ]);
      clearTimeout(timer);
      if (timedOut) return { kind: "timeout" };
    }
    return this.#queue.shift() ?? { kind: this.#ended ? "eof" : "timeout" };
  }

  /** The next frame's text; EOF, reset and timeout come back as `<eof>`, `<reset>`, `<timeout>`. */
  async nextText(patienceMs?: number): Promise<string> {
    const read = await this.next(patienceMs);
    return read.kind === "frame" ? read.text : `<${read.kind}>`;
  }

  /** Reads `count` items as text (see {@link nextText}). */
  async texts(count: number, patienceMs?: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(await this.nextText(patienceMs));
    return out;
  }

  /** Sends `line` and reads until `END` (inclusive) or a non-frame. */
  async stream(line: string): Promise<string[]> {
    await this.send(line);
    const out: string[] = [];
    while (true) {
      const text = await this.nextText();
      out.push(text);
      if (text === "END" || text.startsWith("<") || (out.length === 1 && text.startsWith("ERR "))) {
        return out;
      }
    }
  }

  async #fill(): Promise<void> {
    while (this.#queue.length === 0 && !this.#ended) {
      let n: number | null;
      try {
        n = await this.#conn.read(this.#buffer);
      } catch (error) {
        this.#ended = true;
        const reset = error instanceof Deno.errors.ConnectionReset;
        this.#queue.push({ kind: reset ? "reset" : "eof" });
        return;
      }
      if (n === null) {
        this.#ended = true;
        this.#queue.push({ kind: "eof" });
        return;
      }
      let items;
      try {
        items = this.#decoder.push(this.#buffer.subarray(0, n));
      } catch {
        // A length prefix below 4: nothing after it can be framed.
        this.#ended = true;
        this.#queue.push({ kind: "invalid-length" });
        return;
      }
      for (const item of items) {
        if (item.kind === "oversize") {
          this.#queue.push({ kind: "invalid-length" });
        } else {
          const payload = item.payload.slice();
          this.#queue.push({ kind: "frame", payload, text: decoder.decode(payload) });
        }
      }
    }
  }

  /** Closes the connection (idempotent); waits for a read in flight to settle. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    await this.#pendingRead?.catch(() => {});
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
