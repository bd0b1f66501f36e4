/**
 * Reads console lines from one TCP connection: bytes → {@link FrameDecoder} (client side, so an
 * out-of-range length is an error) → strict UTF-8 lines. Reads happen only while a caller waits
 * for a line, so an idle connection has no pending read.
 *
 * @module
 */

import { ProtocolError } from "../core/errors.ts";
import { decodePayload, FrameDecoder } from "../wire/frame.ts";

/** The byte source a {@link LineReader} pulls from (a `Deno.Conn` in practice). */
export interface ByteSource {
  /** Reads into `buffer`; resolves to the byte count, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Pulls framed lines from a byte source, one at a time. */
export class LineReader {
  readonly #source: ByteSource;
  readonly #decoder: FrameDecoder;
  readonly #buffer = new Uint8Array(16 * 1024);
  readonly #lines: string[] = [];
  #eof = false;
  #bytesRead = 0;

  /** Creates a reader; frames above `maxFrameLen` (header included) are a protocol error. */
  constructor(source: ByteSource, maxFrameLen: number) {
    this.#source = source;
    this.#decoder = new FrameDecoder({ maxFrameLen, oversize: "error" });
  }

  /** Total bytes received so far (0 means the peer has not sent anything yet). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Whether the peer closed its side. */
  get eof(): boolean {
    return this.#eof;
  }

  /** How many received lines are waiting to be taken (decoded, not yet returned). */
  get buffered(): number {
    return this.#lines.length;
  }

  /** The next line if one is already buffered, else `undefined` (never reads). */
  takeBuffered(): string | undefined {
    return this.#lines.length > 0 ? this.#lines.shift() : undefined;
  }

  /**
   * The next line, or `undefined` at a clean end of stream. Throws {@link ProtocolError} for a
   * bad frame length, a non-UTF-8 payload, or an end of stream inside a frame. Errors of the
   * byte source are passed through unchanged for the caller to classify.
   */
  async next(): Promise<string | undefined> {
    while (this.#lines.length === 0) {
      if (this.#eof) return undefined;
      const count = await this.#source.read(this.#buffer);
      if (count === null) {
        this.#eof = true;
        const pending = this.#decoder.pendingBytes;
        if (pending > 0) {
          throw new ProtocolError(
            `the Queen closed the connection inside a frame (${pending} bytes of it received)`,
          );
        }
        return undefined;
      }
      this.#bytesRead += count;
      // Payloads are views valid until the next push, so decode them right away.
      for (const frame of this.#decoder.push(this.#buffer.subarray(0, count))) {
        if (frame.kind === "frame") this.#lines.push(stripLineEnd(decodePayload(frame.payload)));
      }
    }
    return this.#lines.shift();
  }
}

// cohsh strips a trailing CR/LF (the boot-time `ERR not-ready …\r\n` line has one).
function stripLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === "\n" || line[end - 1] === "\r")) end--;
  return end === line.length ? line : line.slice(0, end);
}
