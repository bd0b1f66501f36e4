import { strict as assert } from "node:assert";
import { DEFAULTS } from "./defaults.ts";
import { LimitError, ValidationError } from "./errors.ts";
import {
  enforceIdBytes,
  ensureJsonString,
  joinPath,
  utf8Length,
  validateComponent,
  validatePath,
} from "./paths.ts";

function refused(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ValidationError, `expected ValidationError, got ${error}`);
    assert.ok(
      error.message.startsWith(message),
      `"${error.message}" does not start with "${message}"`,
    );
    return true;
  });
}

function overLimit(fn: () => unknown, limit: string, max: number): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof LimitError, `expected LimitError, got ${error}`);
    assert.equal(error.limit, limit);
    assert.equal(error.max, max);
    return true;
  });
}

Deno.test("validatePath returns the components of valid absolute paths", () => {
  assert.deepEqual(validatePath("/"), []);
  assert.deepEqual(validatePath("/proc"), ["proc"]);
  assert.deepEqual(validatePath("/queen/export/lora_jobs"), ["queen", "export", "lora_jobs"]);
  assert.deepEqual(validatePath("/gpu/GPU-0/info"), ["gpu", "GPU-0", "info"]);
  assert.deepEqual(validatePath("/a/.hidden/..x/x.."), ["a", ".hidden", "..x", "x.."]);
});

Deno.test("validatePath: 96 bytes is accepted, 97 is refused (console.max_path_len)", () => {
  const at = `/${"a".repeat(95)}`;
  assert.equal(at.length, 96);
  assert.deepEqual(validatePath(at), ["a".repeat(95)]);
  overLimit(() => validatePath(`${at}b`), "console.max_path_len", 96);
  // Bytes, not characters: 47 two-byte characters + 2 ASCII = 96 bytes.
  const multibyte = `/${"é".repeat(47)}a`;
  assert.equal(utf8Length(multibyte), 96);
  assert.equal(validatePath(multibyte).length, 1);
  overLimit(() => validatePath(`${multibyte}é`), "console.max_path_len", 96);
  // Eight components at the byte limit.
  const deep = `/${Array.from({ length: 8 }, () => "c".repeat(11)).join("/")}`;
  assert.equal(deep.length, 96);
  assert.equal(validatePath(deep).length, 8);
});

Deno.test("validatePath: 8 components are accepted, 9 are refused (secure9p.walk_depth)", () => {
  assert.equal(validatePath("/a/b/c/d/e/f/g/h").length, 8);
  overLimit(() => validatePath("/a/b/c/d/e/f/g/h/i"), "secure9p.walk_depth", 8);
  refused(() => validatePath("/a/b/c/d/e/f/g/h/i"), "path exceeds maximum depth of 8 components");
});

Deno.test("validatePath refuses relative, empty and malformed paths", () => {
  refused(() => validatePath(""), 'path "" must be absolute');
  refused(() => validatePath("proc"), 'path "proc" must be absolute');
  refused(() => validatePath("./proc"), "path");
  refused(() => validatePath(undefined as unknown as string), "path");
  refused(() => validatePath("/proc/"), "path component must not be empty");
  refused(() => validatePath("//proc"), "path component must not be empty");
  refused(() => validatePath("/proc//boot"), "path component must not be empty");
  refused(() => validatePath("/."), "path component '.' is not permitted");
  refused(() => validatePath("/queen/.."), "path component '..' is not permitted");
  refused(() => validatePath("/queen/../proc"), "path component '..' is not permitted");
  refused(() => validatePath("/pro\0c"), "path component contains NUL byte");
  refused(() => validatePath("/my file"), 'path component "my file" contains whitespace');
  refused(() => validatePath("/tab\tbed"), "path component");
  refused(() => validatePath("/line\nfeed"), "path component");
  refused(() => validatePath("/bell\u0007"), "path component");
  refused(() => validatePath("/del\u007f"), "path component");
  refused(() => validatePath(" /proc"), "path");
});

Deno.test("validatePath reads its bounds from the defaults it is given", () => {
  const tight = {
    ...DEFAULTS,
    console: { ...DEFAULTS.console, maxPathLen: 10 },
    secure9p: { ...DEFAULTS.secure9p, walkDepth: 2 },
  };
  assert.deepEqual(validatePath("/abcdefghi", tight), ["abcdefghi"]);
  overLimit(() => validatePath("/abcdefghij", tight), "console.max_path_len", 10);
  assert.deepEqual(validatePath("/a/b", tight), ["a", "b"]);
  overLimit(() => validatePath("/a/b/c", tight), "secure9p.walk_depth", 2);
});

Deno.test("validateComponent: the coh/Python rules and their messages", () => {
  assert.equal(validateComponent("GPU-0"), "GPU-0");
  refused(() => validateComponent(""), "path component must not be empty");
  refused(() => validateComponent("."), "path component '.' is not permitted");
  refused(() => validateComponent(".."), "path component '..' is not permitted");
  refused(() => validateComponent("a/b"), "path component 'a/b' contains '/'");
  refused(() => validateComponent("..\\evil"), "path component '..\\evil' contains '\\'");
  refused(() => validateComponent("a\0"), "path component contains NUL byte");
  refused(() => validateComponent("a b"), "path component");
  refused(() => validateComponent("\t"), "path component");
});

Deno.test("joinPath joins validated components under a base", () => {
  assert.equal(joinPath("/", "gpu", "GPU-0"), "/gpu/GPU-0");
  assert.equal(joinPath("/queen/telemetry", "device-1", "seg"), "/queen/telemetry/device-1/seg");
  assert.equal(joinPath("/queen"), "/queen");
  refused(() => joinPath("/queen", ".."), "path component '..' is not permitted");
  refused(() => joinPath("/queen", "a/b"), "path component 'a/b' contains '/'");
  refused(() => joinPath("/queen", ""), "path component must not be empty");
});

Deno.test("ensureJsonString refuses empty values, quotes, backslashes and control characters", () => {
  assert.equal(ensureJsonString("GPU-0", "gpu_id"), "GPU-0");
  assert.equal(ensureJsonString("dev ice/é", "telemetry device id"), "dev ice/é");
  refused(() => ensureJsonString("", "gpu_id"), "gpu_id must not be empty");
  for (const bad of ['a"b', "a\\b", "a\nb", "a\rb", "a\tb", "\0", "\u001f", "\u007f"]) {
    refused(() => ensureJsonString(bad, "worker id"), "worker id contains unsupported character");
  }
});

Deno.test("enforceIdBytes: 128 bytes accepted, 129 refused, counted in UTF-8 bytes", () => {
  assert.equal(enforceIdBytes("m".repeat(128)), "m".repeat(128));
  overLimit(() => enforceIdBytes("m".repeat(129)), "coh.peft.activate.max_model_id_bytes", 128);
  refused(() => enforceIdBytes("m".repeat(129)), "id length 129 exceeds max 128");
  assert.equal(enforceIdBytes("é".repeat(64)).length, 64);
  refused(() => enforceIdBytes(`${"é".repeat(64)}m`), "id length 129 exceeds max 128");
  assert.equal(enforceIdBytes(""), "");
  const tight = {
    ...DEFAULTS,
    coh: {
      ...DEFAULTS.coh,
      peft: {
        ...DEFAULTS.coh.peft,
        activate: { ...DEFAULTS.coh.peft.activate, maxModelIdBytes: 4 },
      },
    },
  };
  assert.equal(enforceIdBytes("abcd", tight), "abcd");
  overLimit(() => enforceIdBytes("abcde", tight), "coh.peft.activate.max_model_id_bytes", 4);
});

Deno.test("utf8Length counts encoded bytes", () => {
  assert.equal(utf8Length(""), 0);
  assert.equal(utf8Length("abc"), 3);
  assert.equal(utf8Length("é"), 2);
  assert.equal(utf8Length("€"), 3);
  assert.equal(utf8Length("\u{1F600}"), 4);
});

Deno.test("utf8Length equals TextEncoder's byte count, lone surrogates included", () => {
  const encoder = new TextEncoder();
  const samples = [
    "",
    "abc",
    "é",
    "€",
    "😀",
    "a😀b",
    "\ud800",
    "\udc00x",
    "x\ud800",
    "\ud800\ud800",
  ];
  // Deterministic pseudo-random strings over ASCII, 2-byte, 3-byte and surrogate ranges.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 2000; n++) {
    let text = "";
    for (let i = next() % 12; i > 0; i--) {
      const ranges = [0x7f, 0x7ff, 0xffff, 0xdbff];
      text += String.fromCharCode(next() % (ranges[next() % ranges.length]! + 1));
    }
    samples.push(text);
  }
  for (const text of samples) {
    assert.equal(utf8Length(text), encoder.encode(text).length, JSON.stringify(text));
  }
});
