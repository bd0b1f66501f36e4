import assert from "node:assert/strict";
import { parseJsonObject } from "./json_object.ts";

Deno.test("parseJsonObject accepts one object with unique keys, at any nesting", () => {
  const result = parseJsonObject('{"a":"x,\\"b\\":1","b":{"a":1,"a":2},"c":[{"b":1},"b"]}');
  assert.ok("value" in result);
  assert.deepEqual(Object.keys(result.value), ["a", "b", "c"]);
});

Deno.test("parseJsonObject refuses duplicate top-level keys, even spelled with escapes", () => {
  for (const text of ['{"a":1,"a":2}', '{"a":1, "\\u0061" :2}', ' { "s":"x", "b":[], "s":"y" } ']) {
    const result = parseJsonObject(text);
    assert.ok("why" in result, text);
    assert.match(result.why, /duplicate key/);
  }
});

Deno.test("parseJsonObject refuses non-objects and malformed text; survives deep nesting", () => {
  assert.deepEqual(parseJsonObject("[]"), { why: "not an object" });
  assert.deepEqual(parseJsonObject("null"), { why: "not an object" });
  const bad = parseJsonObject("{");
  assert.ok("why" in bad && bad.why === "not JSON");
  const deep = parseJsonObject(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
  assert.ok("value" in deep, "deep nesting neither crashes nor confuses the key scan");
  assert.deepEqual(Object.keys(deep.value), ["a"]);
});
