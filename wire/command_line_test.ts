import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { encodeCommandFrame, encodeCommandLine, findUnsafeConsoleChar } from "./command_line.ts";

const decoder = new TextDecoder();

Deno.test("encodeCommandLine: printable ASCII passes unchanged", () => {
  for (const line of ["ATTACH queen ", "quit", 'ECHO /p hello   world "q" a>b']) {
    assert.equal(decoder.decode(encodeCommandLine(line)), line);
  }
});

Deno.test("encodeCommandLine: max_line_len is inclusive", () => {
  const max = DEFAULTS.console.maxLineLen;
  assert.equal(encodeCommandLine("x".repeat(max)).length, max);
  assert.throws(
    () => encodeCommandLine("x".repeat(max + 1)),
    (e) => e instanceof LimitError && e.limit === "console.max_line_len" && e.max === max,
  );
});

Deno.test("encodeCommandLine: CR, LF, NUL, TAB, DEL and non-ASCII are refused", () => {
  for (
    const [line, what] of [
      ["CAT /proc\nPING", /line feed/],
      ["PI\rNG", /carriage return/],
      ["LS /\0", /NUL/],
      ["LS\t/proc", /0x09/],
      ["PINX\x7fG", /0x7f/],
      ["ECHO /p h\u00e9llo", /non-ASCII/],
    ] as const
  ) {
    assert.throws(
      () => encodeCommandLine(line),
      (e) => e instanceof ValidationError && what.test(e.message),
    );
  }
  assert.equal(findUnsafeConsoleChar("LS /proc"), undefined);
});

Deno.test("encodeCommandFrame: framed with the 4-byte length", () => {
  const frame = encodeCommandFrame("PING");
  assert.deepEqual([...frame], [8, 0, 0, 0, 0x50, 0x49, 0x4e, 0x47]);
});
