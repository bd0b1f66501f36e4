import assert from "node:assert/strict";
import { asciiJsonString } from "./ascii_json.ts";

Deno.test("asciiJsonString escapes like Python's ensure_ascii", () => {
  assert.equal(asciiJsonString("plain"), '"plain"');
  assert.equal(asciiJsonString('a"b\\c\nd\te'), '"a\\"b\\\\c\\nd\\te"');
  assert.equal(asciiJsonString("été"), '"\\u00e9t\\u00e9"');
  assert.equal(asciiJsonString("€"), '"\\u20ac"');
  assert.equal(asciiJsonString("😀"), '"\\ud83d\\ude00"');
  assert.equal(asciiJsonString("\u0001\u007f"), '"\\u0001\\u007f"');
});

Deno.test("asciiJsonString output is printable ASCII and parses back", () => {
  const samples = ["a€\n", "\ud800 lone", "tab\tnul\u0000", "ünïcödé 😀 ok"];
  for (const sample of samples) {
    const json = asciiJsonString(sample);
    assert.match(json, /^[\x20-\x7e]*$/);
    assert.equal(JSON.parse(json), sample);
  }
});
