/**
 * Console frame codec (PROTOCOL.md §1.2): a 4-byte little-endian length that counts itself,
 * then the payload. Pure and incremental: {@link FrameDecoder} accepts any TCP chunking, down
 * to one byte at a time, and never copies a payload it can hand out as a view.
 *
 * @module
 */

import { DEFAULTS } from "../core/defaults.ts";
import { ProtocolError } from "../core/errors.ts";

/** Size of the length prefix. */
export const FRAME_HEADER_LEN = 4;

/** Encodes one payload as a frame (length prefix counts itself). */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_LEN + payload.length);
  new DataView(frame.buffer).setUint32(0, frame.length, true);
  frame.set(payload, FRAME_HEADER_LEN);
  return frame;
}

/** One item produced by {@link FrameDecoder}. */
export type DecodedFrame =
  | { readonly kind: "frame"; readonly payload: Uint8Array }
  | { readonly kind: "oversize"; readonly length: number };

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted declared length, header included. Default `secure9p.msize` (8192). */
  readonly maxFrameLen?: number;
  /**
   * What to do with a declared length above `maxFrameLen`: `"error"` (client side: a protocol
   * error) or `"skip"` (server side, as the Queen does after AUTH: report it and discard the
   * declared bytes).
   */
  readonly oversize?: "error" | "skip";
}

/** Incremental frame decoder over a byte stream. */
export class FrameDecoder {
  readonly #maxFrameLen: number;
  readonly #oversize: "error" | "skip";
  #buffer = new Uint8Array(512);
  #start = 0;
  #end = 0;
  #skipRemaining = 0;

  /** Creates a decoder; see {@link FrameDecoderOptions}. */
  constructor(options: FrameDecoderOptions = {}) {
    this.#maxFrameLen = options.maxFrameLen ?? DEFAULTS.secure9p.msize;
    this.#oversize = options.oversize ?? "error";
  }

  /** Bytes received that do not yet form a complete frame (a truncated frame at EOF). */
  get pendingBytes(): number {
    return this.#end - this.#start + this.#skipRemaining;
  }

  /**
   * Bytes of buffer the decoder holds. However long the stream, this stays near the largest
   * frame plus the largest chunk: consumed bytes are reclaimed by moving the unread tail to the
   * front, and the buffer only grows when that tail and the new chunk cannot fit.
   */
  get capacity(): number {
    return this.#buffer.length;
  }

  /**
   * Feeds `chunk` and returns every frame it completes, in order. Payloads are views into an
   * internal buffer that stay valid until the next `push`. Throws {@link ProtocolError} for a
   * declared length below 4, or above the maximum in `"error"` mode.
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    let input = chunk;
    if (this.#skipRemaining > 0) {
      const skipped = Math.min(this.#skipRemaining, input.length);
      this.#skipRemaining -= skipped;
      input = input.subarray(skipped);
    }
    this.#append(input);
    while (this.#end - this.#start >= FRAME_HEADER_LEN) {
      const b = this.#buffer;
      const s = this.#start;
      const length = (b[s]! | (b[s + 1]! << 8) | (b[s + 2]! << 16) | (b[s + 3]! << 24)) >>> 0;
      if (length < FRAME_HEADER_LEN) {
        throw new ProtocolError(
          `invalid console frame length ${length} (below ${FRAME_HEADER_LEN})`,
        );
      }
      if (length > this.#maxFrameLen) {
        if (this.#oversize === "error") {
          throw new ProtocolError(
            `invalid console frame length ${length} (above msize ${this.#maxFrameLen})`,
          );
        }
        out.push({ kind: "oversize", length });
        const available = this.#end - this.#start;
        const consumed = Math.min(length, available);
        this.#start += consumed;
        this.#skipRemaining = length - consumed;
        continue;
      }
      if (this.#end - this.#start < length) break;
      out.push({ kind: "frame", payload: b.subarray(s + FRAME_HEADER_LEN, s + length) });
      this.#start += length;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }

  #append(input: Uint8Array): void {
    if (input.length === 0) return;
    if (this.#end + input.length > this.#buffer.length) {
      const live = this.#end - this.#start;
      const needed = live + input.length;
      if (needed > this.#buffer.length) {
        const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
      } else {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buffer.set(input, this.#end);
    this.#end += input.length;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes a payload as strict UTF-8; throws {@link ProtocolError} if it is not. */
export function decodePayload(payload: Uint8Array): string {
  // Console lines are nearly always ASCII; building those directly is several times cheaper
  // than a native decode call per line.
  let ascii = "";
  let i = 0;
  for (; i < payload.length; i++) {
    const byte = payload[i]!;
    if (byte >= 0x80) break;
    ascii += String.fromCharCode(byte);
  }
  if (i === payload.length) return ascii;
  try {
    return strictUtf8.decode(payload);
  } catch (cause) {
    throw new ProtocolError("console payload is not valid UTF-8", { cause });
  }
}
