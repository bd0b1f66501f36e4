import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Sha256, sha256Hex } from "./sha256.ts";

Deno.test("sha256: the FIPS 180-4 vectors", () => {
  assert.equal(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(
    sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    sha256Hex("a".repeat(1_000_000)),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

Deno.test("sha256: every length around the block and padding edges matches node:crypto", () => {
  const data = new Uint8Array(300);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  for (let length = 0; length <= 200; length++) {
    const slice = data.subarray(0, length);
    assert.equal(sha256Hex(slice), createHash("sha256").update(slice).digest("hex"), `${length}`);
  }
});

Deno.test("sha256: updates in any split give the one-shot digest; UTF-8 text as bytes", () => {
  const data = new TextEncoder().encode("π ".repeat(97));
  const whole = sha256Hex(data);
  for (const step of [1, 3, 63, 64, 65, 100]) {
    const hasher = new Sha256();
    for (let i = 0; i < data.length; i += step) hasher.update(data.subarray(i, i + step));
    assert.equal(hasher.hexDigest(), whole, `step ${step}`);
  }
  assert.equal(sha256Hex("π ".repeat(97)), whole);
});

Deno.test("sha256: a hasher cannot be reused after its digest", () => {
  const hasher = new Sha256().update("x");
  hasher.digest();
  assert.throws(() => hasher.update("y"), /after digest/);
  assert.throws(() => hasher.digest(), /twice/);
});
