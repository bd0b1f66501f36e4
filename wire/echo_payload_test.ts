import assert from "node:assert/strict";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { normalizeEchoPayload } from "./echo_payload.ts";

const encoder = new TextEncoder();
const max = DEFAULTS.console.maxEchoLen;

Deno.test("normalizeEchoPayload: max_echo_len bytes ok, one more refused", () => {
  assert.equal(normalizeEchoPayload(encoder.encode("a".repeat(max))), "a".repeat(max));
  assert.throws(
    () => normalizeEchoPayload(encoder.encode("a".repeat(max + 1))),
    (e) => e instanceof LimitError && e.limit === "console.max_echo_len" && e.max === max,
  );
  // The newline is stripped before the bound applies.
  assert.equal(normalizeEchoPayload(encoder.encode("a".repeat(max) + "\n")).length, max);
});

Deno.test("normalizeEchoPayload: the bound comes from the defaults object", () => {
  const small: CohesixDefaults = { ...DEFAULTS, console: { ...DEFAULTS.console, maxEchoLen: 4 } };
  assert.equal(normalizeEchoPayload(encoder.encode("abcd"), small), "abcd");
  assert.throws(() => normalizeEchoPayload(encoder.encode("abcde"), small), LimitError);
});

Deno.test("normalizeEchoPayload: exactly one trailing newline is stripped", () => {
  assert.equal(normalizeEchoPayload(encoder.encode("recording-marker\n")), "recording-marker");
  assert.equal(normalizeEchoPayload(encoder.encode("x")), "x");
  assert.throws(() => normalizeEchoPayload(encoder.encode("x\n\n")), /single line/);
});

Deno.test("normalizeEchoPayload: CR / LF inside, non-ASCII, control and empty are refused", () => {
  for (const bad of ["a\nb", "a\rb", "a\r\n", "h\u00e9llo", "tab\there"]) {
    assert.throws(() => normalizeEchoPayload(encoder.encode(bad)), ValidationError, bad);
  }
  for (const empty of ["", "\n", "   ", "  \n"]) {
    assert.throws(() => normalizeEchoPayload(encoder.encode(empty)), /empty/);
  }
  assert.throws(() => normalizeEchoPayload(new Uint8Array([0x61, 0xff])), /not UTF-8/);
});

Deno.test("normalizeEchoPayload: each refusal says what was wrong", () => {
  const refusal = (text: string) => {
    try {
      normalizeEchoPayload(encoder.encode(text));
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return error.summary;
    }
    assert.fail(`${JSON.stringify(text)} was accepted`);
  };
  assert.equal(refusal("a\rb"), "echo payload must be a single line");
  assert.equal(refusal("a\r"), "echo payload must be a single line");
  assert.equal(refusal("a\nb"), "echo payload must be a single line");
  assert.equal(refusal("a\0b"), "echo payload contains a NUL byte");
  assert.equal(refusal("a\x7fb"), "echo payload contains control character 0x7f");
  assert.equal(refusal("tab\there"), "echo payload contains control character 0x09");
  assert.equal(refusal("h\u00e9"), 'echo payload contains non-ASCII character "\u00e9"');
  assert.equal(refusal(" \n"), "echo payload must not be empty");
});
