import assert from "node:assert/strict";
import { base64OfBytes, base64OfText, bytesOfBase64 } from "./bridge_wire.ts";

Deno.test("base64 of every byte value round-trips and matches the standard alphabet", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const encoded = base64OfBytes(all);
  assert.ok(encoded.startsWith("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"));
  assert.ok(encoded.endsWith("+/w=="));
  assert.deepEqual(bytesOfBase64(encoded), all);
  assert.equal(base64OfText("héllo"), "aMOpbGxv");
  assert.equal(base64OfBytes(new Uint8Array()), "");
});

Deno.test("only standard padded base64 decodes: whitespace, missing padding, URL alphabet refused", () => {
  assert.deepEqual(bytesOfBase64("aGk="), new Uint8Array([104, 105]));
  for (const bad of ["aGk", "aG k=", "aGk=\n", "a-_=", "aGk==", "=", "aGk=aGk="]) {
    assert.equal(bytesOfBase64(bad), undefined, bad);
  }
});
