import { strict as assert } from "node:assert";
import { PolicyError } from "./errors.ts";
import { parsePolicyToml } from "./policy_toml.ts";

function fails(text: string, fragment: string): void {
  assert.throws(() => parsePolicyToml(text, "test.toml"), (error: unknown) => {
    assert.ok(error instanceof PolicyError, `expected PolicyError, got ${error}`);
    assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

Deno.test("parsePolicyToml reads tables, strings, integers and multi-line arrays", () => {
  const document = parsePolicyToml(
    [
      "# leading comment",
      "top = 1",
      "",
      "[a.b]  # trailing comment",
      'name = "x # not a comment"',
      "lit = 'C:\\path'",
      "big = 67_108_864",
      "neg = -5",
      "list = [",
      '  "/proc", # first',
      "",
      '  "/queen",',
      "]",
      "nums = [1, 2,3]",
      "empty = []",
      "[ c ]",
      'esc = "tab\\t quote\\" slash\\\\ u\\u00e9 U\\U0001F600"',
    ].join("\n"),
  );
  assert.deepEqual([...document.keys()], ["", "a.b", "c"]);
  assert.equal(document.get("")?.get("top"), 1);
  const ab = document.get("a.b")!;
  assert.equal(ab.get("name"), "x # not a comment");
  assert.equal(ab.get("lit"), "C:\\path");
  assert.equal(ab.get("big"), 67108864);
  assert.equal(ab.get("neg"), -5);
  assert.deepEqual(ab.get("list"), ["/proc", "/queen"]);
  assert.deepEqual(ab.get("nums"), [1, 2, 3]);
  assert.deepEqual(ab.get("empty"), []);
  assert.equal(document.get("c")?.get("esc"), 'tab\t quote" slash\\ u\u00e9 U\u{1F600}');
});

Deno.test("parsePolicyToml accepts CRLF line ends and a BOM", () => {
  const document = parsePolicyToml('\ufeff[meta]\r\nkey = "v"\r\nlist = [\r\n  "a",\r\n]\r\n');
  assert.equal(document.get("meta")?.get("key"), "v");
  assert.deepEqual(document.get("meta")?.get("list"), ["a"]);
});

Deno.test("parsePolicyToml refuses duplicates and clashes", () => {
  fails("[a]\nx = 1\nx = 2\n", "duplicate key a.x");
  fails("x = 1\nx = 1\n", "duplicate key x");
  fails("[a]\n[a]\n", "table [a] is defined twice");
  fails("[a]\nb = 1\n[a.b]\n", "clashes");
  fails("[a.b]\n[a]\nb = 1\n", "clashes");
});

Deno.test("parsePolicyToml refuses what the subset does not cover, naming the line", () => {
  fails("x = 1.5\n", "decimal integers only");
  fails("x = 1e3\n", "decimal integers only");
  fails("x = 0x10\n", "decimal integers only");
  fails("x = 010\n", "decimal integers only");
  fails("x = 1__0\n", "decimal integers only");
  fails("x = 99999999999999999999\n", "too large");
  fails("x = true\n", "unsupported value");
  fails("x = 1979-05-27\n", "decimal integers only");
  fails("x = { a = 1 }\n", "inline tables");
  fails("[[a]]\n", "arrays of tables");
  fails("a.b = 1\n", "dotted keys");
  fails('"a" = 1\n', "quoted keys");
  fails('x = """a"""\n', "multi-line strings");
  fails('x = "open\n', "unterminated string");
  fails('x = [1, "a"]\n', "mixes value types");
  fails("x = [1 2]\n", "expected ',' or ']'");
  fails("x = [1,\n", "unterminated array");
  fails('x = "a" "b"\n', "after value");
  fails("x = 1 y = 2\n", "after value");
  fails("x\n", "expected '='");
  fails("[a\n", "expected ']'");
  fails('x = "bad \\q"\n', "invalid escape");
  fails('x = "\\ud800"\n', "invalid unicode scalar");
  fails('x = "a\u0001b"\n', "control character");
  fails("\n\n[ok]\nx = @\n", "line 4");
});
