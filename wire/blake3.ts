/**
 * BLAKE3 in plain TypeScript, with no dependency: the 32-byte hash and the keyed hash, for
 * inputs of any length (the full chunk tree). Tickets need it: the key is BLAKE3(secret) and
 * the MAC is BLAKE3 keyed_hash(key, claims) (PROTOCOL.md §8.3). Only the default 32-byte output
 * is provided, which is all tickets use.
 *
 * @module
 */

import { ValidationError } from "../core/errors.ts";

/** Output length of {@link blake3} and {@link blake3KeyedHash}, in bytes. */
export const BLAKE3_OUT_LEN = 32;

/** Key length of {@link blake3KeyedHash}, in bytes. */
export const BLAKE3_KEY_LEN = 32;

const BLOCK_LEN = 64;
const CHUNK_LEN = 1024;

const CHUNK_START = 1;
const CHUNK_END = 2;
const PARENT = 4;
const ROOT = 8;
const KEYED_HASH = 16;

// The SHA-256 initial hash values, which BLAKE3 reuses as its IV.
const IV = new Uint32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

/**
 * The compression function: mixes one 16-word block `m` into chaining value `cv` and writes
 * the 8-word result to `out` (which may be `cv`). Seven rounds, message permuted between them.
 */
function compress(
  cv: Uint32Array,
  m: Uint32Array,
  counter: number,
  blockLen: number,
  flags: number,
  out: Uint32Array,
): void {
  let s0 = cv[0]! | 0, s1 = cv[1]! | 0, s2 = cv[2]! | 0, s3 = cv[3]! | 0;
  let s4 = cv[4]! | 0, s5 = cv[5]! | 0, s6 = cv[6]! | 0, s7 = cv[7]! | 0;
  let s8 = IV[0]! | 0, s9 = IV[1]! | 0, s10 = IV[2]! | 0, s11 = IV[3]! | 0;
  // The counter is a u64: low word, then high word (chunk indices stay below 2^53).
  let s12 = counter | 0, s13 = Math.floor(counter / 0x1_0000_0000) | 0;
  let s14 = blockLen | 0, s15 = flags | 0;
  let m0 = m[0]! | 0, m1 = m[1]! | 0, m2 = m[2]! | 0, m3 = m[3]! | 0;
  let m4 = m[4]! | 0, m5 = m[5]! | 0, m6 = m[6]! | 0, m7 = m[7]! | 0;
  let m8 = m[8]! | 0, m9 = m[9]! | 0, m10 = m[10]! | 0, m11 = m[11]! | 0;
  let m12 = m[12]! | 0, m13 = m[13]! | 0, m14 = m[14]! | 0, m15 = m[15]! | 0;
  for (let round = 0; round < 7; round++) {
    // Columns, then diagonals.
    s0 = (s0 + s4 + m0) | 0;
    s12 ^= s0;
    s12 = (s12 >>> 16) | (s12 << 16);
    s8 = (s8 + s12) | 0;
    s4 ^= s8;
    s4 = (s4 >>> 12) | (s4 << 20);
    s0 = (s0 + s4 + m1) | 0;
    s12 ^= s0;
    s12 = (s12 >>> 8) | (s12 << 24);
    s8 = (s8 + s12) | 0;
    s4 ^= s8;
    s4 = (s4 >>> 7) | (s4 << 25);
    s1 = (s1 + s5 + m2) | 0;
    s13 ^= s1;
    s13 = (s13 >>> 16) | (s13 << 16);
    s9 = (s9 + s13) | 0;
    s5 ^= s9;
    s5 = (s5 >>> 12) | (s5 << 20);
    s1 = (s1 + s5 + m3) | 0;
    s13 ^= s1;
    s13 = (s13 >>> 8) | (s13 << 24);
    s9 = (s9 + s13) | 0;
    s5 ^= s9;
    s5 = (s5 >>> 7) | (s5 << 25);
    s2 = (s2 + s6 + m4) | 0;
    s14 ^= s2;
    s14 = (s14 >>> 16) | (s14 << 16);
    s10 = (s10 + s14) | 0;
    s6 ^= s10;
    s6 = (s6 >>> 12) | (s6 << 20);
    s2 = (s2 + s6 + m5) | 0;
    s14 ^= s2;
    s14 = (s14 >>> 8) | (s14 << 24);
    s10 = (s10 + s14) | 0;
    s6 ^= s10;
    s6 = (s6 >>> 7) | (s6 << 25);
    s3 = (s3 + s7 + m6) | 0;
    s15 ^= s3;
    s15 = (s15 >>> 16) | (s15 << 16);
    s11 = (s11 + s15) | 0;
    s7 ^= s11;
    s7 = (s7 >>> 12) | (s7 << 20);
    s3 = (s3 + s7 + m7) | 0;
    s15 ^= s3;
    s15 = (s15 >>> 8) | (s15 << 24);
    s11 = (s11 + s15) | 0;
    s7 ^= s11;
    s7 = (s7 >>> 7) | (s7 << 25);
    s0 = (s0 + s5 + m8) | 0;
    s15 ^= s0;
    s15 = (s15 >>> 16) | (s15 << 16);
    s10 = (s10 + s15) | 0;
    s5 ^= s10;
    s5 = (s5 >>> 12) | (s5 << 20);
    s0 = (s0 + s5 + m9) | 0;
    s15 ^= s0;
    s15 = (s15 >>> 8) | (s15 << 24);
    s10 = (s10 + s15) | 0;
    s5 ^= s10;
    s5 = (s5 >>> 7) | (s5 << 25);
    s1 = (s1 + s6 + m10) | 0;
    s12 ^= s1;
    s12 = (s12 >>> 16) | (s12 << 16);
    s11 = (s11 + s12) | 0;
    s6 ^= s11;
    s6 = (s6 >>> 12) | (s6 << 20);
    s1 = (s1 + s6 + m11) | 0;
    s12 ^= s1;
    s12 = (s12 >>> 8) | (s12 << 24);
    s11 = (s11 + s12) | 0;
    s6 ^= s11;
    s6 = (s6 >>> 7) | (s6 << 25);
    s2 = (s2 + s7 + m12) | 0;
    s13 ^= s2;
    s13 = (s13 >>> 16) | (s13 << 16);
    s8 = (s8 + s13) | 0;
    s7 ^= s8;
    s7 = (s7 >>> 12) | (s7 << 20);
    s2 = (s2 + s7 + m13) | 0;
    s13 ^= s2;
    s13 = (s13 >>> 8) | (s13 << 24);
    s8 = (s8 + s13) | 0;
    s7 ^= s8;
    s7 = (s7 >>> 7) | (s7 << 25);
    s3 = (s3 + s4 + m14) | 0;
    s14 ^= s3;
    s14 = (s14 >>> 16) | (s14 << 16);
    s9 = (s9 + s14) | 0;
    s4 ^= s9;
    s4 = (s4 >>> 12) | (s4 << 20);
    s3 = (s3 + s4 + m15) | 0;
    s14 ^= s3;
    s14 = (s14 >>> 8) | (s14 << 24);
    s9 = (s9 + s14) | 0;
    s4 ^= s9;
    s4 = (s4 >>> 7) | (s4 << 25);

    // Permute the message words for the next round (harmless after the last one).
    const t0 = m2,
      t1 = m6,
      t2 = m3,
      t3 = m10,
      t4 = m7,
      t5 = m0,
      t6 = m4,
      t7 = m13,
      t8 = m1,
      t9 = m11,
      t10 = m12,
      t11 = m5,
      t12 = m9,
      t13 = m14,
      t14 = m15,
      t15 = m8;
    m0 = t0;
    m1 = t1;
    m2 = t2;
    m3 = t3;
    m4 = t4;
    m5 = t5;
    m6 = t6;
    m7 = t7;
    m8 = t8;
    m9 = t9;
    m10 = t10;
    m11 = t11;
    m12 = t12;
    m13 = t13;
    m14 = t14;
    m15 = t15;
  }
  out[0] = s0 ^ s8;
  out[1] = s1 ^ s9;
  out[2] = s2 ^ s10;
  out[3] = s3 ^ s11;
  out[4] = s4 ^ s12;
  out[5] = s5 ^ s13;
  out[6] = s6 ^ s14;
  out[7] = s7 ^ s15;
}

/** Loads `length` (≤ 64) bytes at `offset` as 16 little-endian words, zero-padded. */
function loadBlock(input: Uint8Array, offset: number, length: number, words: Uint32Array): void {
  if (length === BLOCK_LEN) {
    const view = new DataView(input.buffer, input.byteOffset + offset, BLOCK_LEN);
    for (let i = 0; i < 16; i++) words[i] = view.getUint32(i * 4, true);
    return;
  }
  const padded = new Uint8Array(BLOCK_LEN);
  padded.set(input.subarray(offset, offset + length));
  loadBlock(padded, 0, BLOCK_LEN, words);
}

/** What is left to compress for a node's output: its input CV, last block and flags. */
interface NodeOutput {
  readonly cv: Uint32Array;
  readonly block: Uint32Array;
  readonly counter: number;
  readonly blockLen: number;
  readonly flags: number;
}

/**
 * Compresses every block of one chunk but the last, and returns the last as an output (so the
 * caller decides whether it is the root).
 */
function chunkOutput(
  input: Uint8Array,
  start: number,
  length: number,
  key: Uint32Array,
  chunkIndex: number,
  flags: number,
): NodeOutput {
  const cv = key.slice();
  const block = new Uint32Array(16);
  const blocks = Math.max(1, Math.ceil(length / BLOCK_LEN));
  for (let i = 0; i < blocks - 1; i++) {
    loadBlock(input, start + i * BLOCK_LEN, BLOCK_LEN, block);
    compress(cv, block, chunkIndex, BLOCK_LEN, flags | (i === 0 ? CHUNK_START : 0), cv);
  }
  const lastStart = (blocks - 1) * BLOCK_LEN;
  const lastLen = length - lastStart;
  loadBlock(input, start + lastStart, lastLen, block);
  return {
    cv,
    block,
    counter: chunkIndex,
    blockLen: lastLen,
    flags: flags | (blocks === 1 ? CHUNK_START : 0) | CHUNK_END,
  };
}

/** The output of a parent node over two child chaining values. */
function parentOutput(
  left: Uint32Array,
  right: Uint32Array,
  key: Uint32Array,
  flags: number,
): NodeOutput {
  const block = new Uint32Array(16);
  block.set(left, 0);
  block.set(right, 8);
  return { cv: key, block, counter: 0, blockLen: BLOCK_LEN, flags: flags | PARENT };
}

/** The chaining value of a non-root node. */
function chainingValue(node: NodeOutput): Uint32Array {
  const out = new Uint32Array(8);
  compress(node.cv, node.block, node.counter, node.blockLen, node.flags, out);
  return out;
}

/** Hashes `input` with key words `key` and base `flags` into 32 bytes. */
function hashTree(input: Uint8Array, key: Uint32Array, flags: number): Uint8Array {
  const chunks = Math.max(1, Math.ceil(input.length / CHUNK_LEN));
  // Chaining values of completed subtrees; merged whenever a subtree of equal size completes.
  const stack: Uint32Array[] = [];
  for (let chunk = 0; chunk < chunks - 1; chunk++) {
    let cv = chainingValue(chunkOutput(input, chunk * CHUNK_LEN, CHUNK_LEN, key, chunk, flags));
    let total = chunk + 1;
    while (total % 2 === 0) {
      cv = chainingValue(parentOutput(stack.pop()!, cv, key, flags));
      total /= 2;
    }
    stack.push(cv);
  }
  const lastStart = (chunks - 1) * CHUNK_LEN;
  let node = chunkOutput(input, lastStart, input.length - lastStart, key, chunks - 1, flags);
  while (stack.length > 0) node = parentOutput(stack.pop()!, chainingValue(node), key, flags);
  const words = new Uint32Array(8);
  // The root's output block counter is 0 (only the first 32 bytes are produced).
  compress(node.cv, node.block, 0, node.blockLen, node.flags | ROOT, words);
  const out = new Uint8Array(BLAKE3_OUT_LEN);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) view.setUint32(i * 4, words[i]!, true);
  return out;
}

/** BLAKE3 hash of `data` (32 bytes). */
export function blake3(data: Uint8Array): Uint8Array {
  return hashTree(data, IV, 0);
}

/**
 * BLAKE3 keyed hash (a MAC) of `data` under a 32-byte `key`. Throws {@link ValidationError}
 * when the key is not 32 bytes.
 */
export function blake3KeyedHash(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length !== BLAKE3_KEY_LEN) {
    throw new ValidationError(
      `BLAKE3 key must be ${BLAKE3_KEY_LEN} bytes (got ${key.length})`,
      { hint: "derive one with blake3(secret)" },
    );
  }
  const words = new Uint32Array(8);
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  for (let i = 0; i < 8; i++) words[i] = view.getUint32(i * 4, true);
  return hashTree(data, words, KEYED_HASH);
}
