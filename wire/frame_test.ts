import assert from "node:assert/strict";
import { ProtocolError } from "../core/errors.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { concatBytes } from "../core/bytes.ts";
import { decodePayload, encodeFrame, FrameDecoder } from "./frame.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function texts(frames: ReturnType<FrameDecoder["push"]>): string[] {
  return frames.map((f) =>
    f.kind === "frame" ? decoder.decode(f.payload) : `<oversize ${f.length}>`
  );
}

function header(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length, true);
  return bytes;
}

Deno.test("encodeFrame: length counts itself, little-endian (PROTOCOL A.1)", () => {
  const frame = encodeFrame(encoder.encode("AUTH changeme"));
  assert.deepEqual([...frame.subarray(0, 4)], [0x11, 0, 0, 0]);
  assert.equal(decoder.decode(frame.subarray(4)), "AUTH changeme");
  assert.deepEqual([...encodeFrame(new Uint8Array(0))], [4, 0, 0, 0]);
});

Deno.test("FrameDecoder: one byte at a time", () => {
  const lines = ["OK LS path=/ entries=2", "gpu", "", "END"];
  const stream = new Uint8Array(lines.flatMap((l) => [...encodeFrame(encoder.encode(l))]));
  const d = new FrameDecoder();
  const out: string[] = [];
  for (const byte of stream) {
    // Payload views are only valid until the next push: decode them at once.
    out.push(...texts(d.push(new Uint8Array([byte]))));
  }
  assert.deepEqual(out, lines);
  assert.equal(d.pendingBytes, 0);
});

Deno.test("FrameDecoder: coalesced frames in one chunk, and a split across chunks", () => {
  const all = new Uint8Array([
    ...encodeFrame(encoder.encode("OK PING reply=pong")),
    ...encodeFrame(encoder.encode("PONG")),
    ...encodeFrame(encoder.encode("OK LS path=/ entries=0")),
  ]);
  const d = new FrameDecoder();
  assert.deepEqual(texts(d.push(all.subarray(0, 28))), ["OK PING reply=pong"]);
  assert.equal(d.pendingBytes, 6);
  assert.deepEqual(texts(d.push(all.subarray(28))), ["PONG", "OK LS path=/ entries=0"]);
});

Deno.test("FrameDecoder: declared length 3 is a ProtocolError", () => {
  assert.throws(() => new FrameDecoder().push(header(3)), ProtocolError);
  assert.throws(() => new FrameDecoder({ oversize: "skip" }).push(header(0)), ProtocolError);
});

Deno.test("FrameDecoder: length 9000 errors in error mode", () => {
  const d = new FrameDecoder({ oversize: "error" });
  assert.throws(
    () => d.push(header(9000)),
    (e) => e instanceof ProtocolError && /9000/.test(e.message),
  );
});

Deno.test("FrameDecoder: skip mode reports and discards the declared bytes (even split)", () => {
  const d = new FrameDecoder({ oversize: "skip" });
  const body = new Uint8Array(8996).fill(0x41);
  const after = encodeFrame(encoder.encode("PING"));
  assert.deepEqual(texts(d.push(header(9000))), ["<oversize 9000>"]);
  assert.equal(d.pendingBytes, 8996);
  assert.deepEqual(texts(d.push(body.subarray(0, 5000))), []);
  assert.deepEqual(texts(d.push(new Uint8Array([...body.subarray(5000), ...after]))), ["PING"]);
  assert.equal(d.pendingBytes, 0);
});

Deno.test("FrameDecoder: the msize boundary (8192 ok, 8193 refused)", () => {
  const max = DEFAULTS.secure9p.msize;
  const payload = new Uint8Array(max - 4).fill(0x62);
  const [frame] = new FrameDecoder().push(encodeFrame(payload));
  assert.equal(frame?.kind === "frame" ? frame.payload.length : -1, max - 4);
  assert.throws(() => new FrameDecoder().push(header(max + 1)), ProtocolError);
  assert.throws(() => new FrameDecoder({ maxFrameLen: 260 }).push(header(261)), ProtocolError);
});

Deno.test("FrameDecoder: truncated frame leaves pending bytes", () => {
  const d = new FrameDecoder();
  assert.deepEqual(d.push(new Uint8Array([20, 0, 0, 0, 0x4f, 0x4b])), []);
  assert.equal(d.pendingBytes, 6);
  assert.deepEqual(d.push(new Uint8Array([0x20])), []);
  assert.equal(d.pendingBytes, 7);
});

Deno.test("decodePayload: strict UTF-8", () => {
  assert.equal(decodePayload(encoder.encode("h\u00e9llo")), "h\u00e9llo");
  assert.equal(decodePayload(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "\ufeffA"); // BOM kept
  assert.throws(() => decodePayload(new Uint8Array([0x43, 0xff, 0xfe])), ProtocolError);
  assert.throws(() => decodePayload(new Uint8Array([0xc3])), ProtocolError); // cut sequence
});

Deno.test("a long stream cut mid-frame keeps the decoder's buffer bounded and frames intact", () => {
  const frameDecoder = new FrameDecoder();
  const frames = Array.from({ length: 2000 }, (_, i) => `line ${i} ${"x".repeat(90)}`);
  const stream = concatBytes(frames.map((f) => encodeFrame(encoder.encode(f))));
  const received: string[] = [];
  // 150-byte chunks: nearly every chunk ends inside a frame, leaving an unread tail behind.
  for (let offset = 0; offset < stream.length; offset += 150) {
    received.push(...texts(frameDecoder.push(stream.subarray(offset, offset + 150))));
    assert.ok(frameDecoder.capacity <= 1024, `buffer grew to ${frameDecoder.capacity} bytes`);
  }
  assert.deepEqual(received, frames);
  assert.equal(frameDecoder.pendingBytes, 0);
});
