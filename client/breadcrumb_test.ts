import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { buildBreadcrumbLine, truncateToBytes } from "./breadcrumb.ts";

const bytes = (text: string) => new TextEncoder().encode(text).length;

Deno.test("echo ok breadcrumbs match the golden 86/94-byte lines", () => {
  const start = buildBreadcrumbLine(DEFAULTS, "START", "RUNNING", "echo ok");
  const exit = buildBreadcrumbLine(DEFAULTS, "EXIT", "OK", "echo ok", 0);
  assert.equal(
    start,
    '{"schema":"gpu-breadcrumb/v1","event":"START","command":"echo ok","status":"RUNNING"}\n',
  );
  assert.equal(
    exit,
    '{"schema":"gpu-breadcrumb/v1","event":"EXIT","command":"echo ok","status":"OK","exit_code":0}\n',
  );
  assert.equal(bytes(start), 86);
  assert.equal(bytes(exit), 94);
});

Deno.test("false gives 84/93 bytes; EXIT without a code has no exit_code", () => {
  assert.equal(bytes(buildBreadcrumbLine(DEFAULTS, "START", "RUNNING", "false")), 84);
  const exit = buildBreadcrumbLine(DEFAULTS, "EXIT", "ERR", "false", 1);
  assert.equal(bytes(exit), 93);
  assert.ok(exit.includes('"status":"ERR","exit_code":1}'));
  const noCode = buildBreadcrumbLine(DEFAULTS, "EXIT", "ERR", "false");
  assert.equal(bytes(noCode), 73 + 5 + 1);
  assert.ok(!noCode.includes("exit_code"));
});

Deno.test("a 300-byte command is cut to max_command_bytes 256", () => {
  const command = "a".repeat(300);
  const start = buildBreadcrumbLine(DEFAULTS, "START", "RUNNING", command);
  assert.equal(bytes(start), 335);
  assert.equal(JSON.parse(start).command, "a".repeat(256));
  assert.equal(bytes(buildBreadcrumbLine(DEFAULTS, "EXIT", "OK", command, 0)), 343);
});

Deno.test("escaped quotes shrink the command until the line fits max_line_bytes 512", () => {
  const command = '"'.repeat(256);
  const start = buildBreadcrumbLine(DEFAULTS, "START", "RUNNING", command);
  assert.equal(bytes(start), 513);
  assert.equal(JSON.parse(start).command.length, 217);
  const exit = buildBreadcrumbLine(DEFAULTS, "EXIT", "OK", command, 0);
  assert.equal(bytes(exit), 513);
  assert.equal(JSON.parse(exit).command.length, 213);
});

Deno.test("non-ASCII commands are measured in bytes (coh): 200×é keeps 128 chars", () => {
  const command = "é".repeat(200);
  const start = buildBreadcrumbLine(DEFAULTS, "START", "RUNNING", command);
  assert.equal(bytes(start), 335);
  assert.equal(JSON.parse(start).command, "é".repeat(128));
  assert.equal(bytes(buildBreadcrumbLine(DEFAULTS, "EXIT", "OK", command, 0)), 343);
});

Deno.test("truncateToBytes keeps whole characters", () => {
  assert.equal(truncateToBytes("aé€😀", 0), "");
  assert.equal(truncateToBytes("aé€😀", 2), "a");
  assert.equal(truncateToBytes("aé€😀", 3), "aé");
  assert.equal(truncateToBytes("aé€😀", 9), "aé€");
  assert.equal(truncateToBytes("aé€😀", 10), "aé€😀");
  assert.equal(truncateToBytes("abc", 99), "abc");
});

Deno.test("a line that cannot fit even with an empty command fails naming the bound", () => {
  const tiny = {
    ...DEFAULTS,
    coh: {
      ...DEFAULTS.coh,
      run: {
        ...DEFAULTS.coh.run,
        breadcrumb: { ...DEFAULTS.coh.run.breadcrumb, maxLineBytes: 70 },
      },
    },
  };
  assert.throws(
    () => buildBreadcrumbLine(tiny, "START", "RUNNING", "echo ok"),
    (error: unknown) =>
      error instanceof LimitError && error.limit === "coh.run.breadcrumb.max_line_bytes" &&
      error.message === "breadcrumb line exceeds max_line_bytes 70",
  );
});
