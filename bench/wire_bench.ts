/**
 * Throughput of the pure wire layer: frame encoding, incremental decoding (whole and 1-byte
 * chunks) and ack parsing. Run with `deno task bench`.
 *
 * @module
 */

import { parseAck } from "../wire/ack.ts";
import { encodeFrame, FrameDecoder } from "../wire/frame.ts";
import { concatBytes } from "../core/bytes.ts";

const encoder = new TextEncoder();
const lines = [
  'OK CAT path=/gpu/GPU-0/info data={|    "id": "GPU-0",|    "memory_mb": 24576,|',
  '    "name": "Mock 4090",',
  "ERR LS reason=policy detail=invalid-path path=/nope error=invalid path",
  "ERR PARSE reason=policy detail=argument path exceeds allowed length",
  "OK ECHO path=/queen/telemetry/device-1/seg/seg-000001 bytes=123",
  "END",
];
const payloads = lines.map((l) => encoder.encode(l));
const stream = concatBytes(payloads.map(encodeFrame));

Deno.bench("encodeFrame: 6 typical console lines", () => {
  for (const p of payloads) encodeFrame(p);
});

Deno.bench("FrameDecoder: 6 frames in one chunk", () => {
  const decoder = new FrameDecoder();
  if (decoder.push(stream).length !== lines.length) throw new Error("decode mismatch");
});

Deno.bench("FrameDecoder: 6 frames in 1-byte chunks", () => {
  const decoder = new FrameDecoder();
  let count = 0;
  for (let i = 0; i < stream.length; i++) count += decoder.push(stream.subarray(i, i + 1)).length;
  if (count !== lines.length) throw new Error("decode mismatch");
});

Deno.bench("parseAck: 6 typical lines", () => {
  for (const l of lines) parseAck(l);
});
