import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { parseLine, parsePayload } from "./command_parser.ts";

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text);

function command(payload: string | Uint8Array) {
  const outcome = parsePayload(typeof payload === "string" ? bytes(payload) : payload);
  if (!outcome.ok) throw new Error(`unexpected parse error: ${outcome.message}`);
  return outcome.command;
}

function error(payload: string | Uint8Array): string {
  const outcome = parsePayload(typeof payload === "string" ? bytes(payload) : payload);
  if (outcome.ok) throw new Error(`unexpected command ${outcome.command.verb}`);
  return outcome.message;
}

Deno.test("verbs are case-insensitive and the line is trimmed", () => {
  assert.deepEqual(command("  ping  "), { verb: "PING" });
  assert.deepEqual(command("ls /"), { verb: "LS", path: "/" });
  assert.deepEqual(command("quit"), { verb: "QUIT" });
  assert.deepEqual(command("Bi"), { verb: "BI" });
});

Deno.test("path arguments are the first token; the rest is ignored", () => {
  assert.deepEqual(command("LS /proc ignored-suffix"), { verb: "LS", path: "/proc" });
  assert.deepEqual(command("CAT   /a   b"), { verb: "CAT", path: "/a" });
});

Deno.test("CR is ignored, backspace deletes, TAB and controls are dropped", () => {
  assert.deepEqual(command("PI\rNG"), { verb: "PING" });
  assert.deepEqual(command("PINX\x08G"), { verb: "PING" });
  assert.deepEqual(command("PINX\x7fG"), { verb: "PING" });
  assert.equal(error("LS\t/proc"), "unsupported console command");
  assert.deepEqual(command("ECHO /x tab\there"), { verb: "ECHO", path: "/x", payload: "tabhere" });
});

Deno.test("LF discards the text before it; an error before it ends the payload", () => {
  assert.deepEqual(command("CAT /proc/lifecycle/state\nPING"), { verb: "PING" });
  assert.equal(error("FOO\nPING"), "unsupported console command");
  assert.equal(error("\nPING"), "empty command");
});

Deno.test("non-ASCII bytes are expanded Latin-1 style; C1 controls vanish", () => {
  const payload = new Uint8Array([...bytes("ECHO /x h"), 0xc3, 0xa9, ...bytes("llo")]);
  const echo = command(payload);
  assert.equal(echo.verb, "ECHO");
  if (echo.verb !== "ECHO") return;
  // 0xC3 → "Ã" (2 UTF-8 bytes); 0xA9 → "©" (2 bytes): 8 bytes stored.
  assert.equal(echo.payload, "h\u00c3\u00a9llo");
  assert.equal(enc.encode(echo.payload).length, 8);
  const c1 = command(new Uint8Array([...bytes("PI"), 0x85, ...bytes("NG")]));
  assert.deepEqual(c1, { verb: "PING" });
});

Deno.test("line length counts bytes after expansion", () => {
  const payload = new Uint8Array(200).fill(0xe9);
  assert.equal(
    error(new Uint8Array([...bytes("ECHO /x "), ...payload])),
    "console line exceeded maximum length",
  );
  assert.equal(error(""), "empty command");
  assert.equal(error("   "), "empty command");
});

Deno.test("exact ERR PARSE texts and argument limits", () => {
  const c = DEFAULTS.console;
  assert.equal(error("FOO bar"), "unsupported console command");
  assert.equal(error("DETACH"), "unsupported console command");
  assert.equal(error("LS"), "missing required argument: path");
  assert.equal(error("ECHO /x"), "missing required argument: payload");
  assert.equal(error("ECHO /x    "), "missing required argument: payload");
  assert.equal(error("ATTACH"), "missing required argument: role");
  assert.equal(error("KILL"), "missing required argument: worker");
  assert.equal(error("SPAWN"), "missing required argument: payload");
  assert.equal(error("TEST x"), "invalid value for argument test");
  assert.equal(error("CACHELOG x"), "invalid value for argument count");
  assert.equal(error("CACHELOG 65536"), "invalid value for argument count");
  assert.equal(error(`LS /${"a".repeat(c.maxPathLen)}`), "argument path exceeds allowed length");
  assert.deepEqual(command(`LS /${"a".repeat(c.maxPathLen - 1)}`).verb, "LS");
  assert.equal(
    error(`ECHO /x ${"p".repeat(c.maxEchoLen + 1)}`),
    "argument payload exceeds allowed length",
  );
  assert.equal(command(`ECHO /x ${"p".repeat(c.maxEchoLen)}`).verb, "ECHO");
  assert.equal(
    error(`SPAWN ${"j".repeat(c.maxJsonLen + 1)}`),
    "argument payload exceeds allowed length",
  );
  assert.equal(
    error(`KILL ${"w".repeat(c.maxIdLen + 1)}`),
    "argument worker exceeds allowed length",
  );
  assert.equal(
    error(`ATTACH ${"r".repeat(c.maxRoleLen + 1)}`),
    "argument role exceeds allowed length",
  );
  assert.equal(
    error(`ATTACH worker ${"t".repeat(c.maxTicketLen + 1)}`),
    "argument ticket exceeds allowed length",
  );
});

Deno.test("ECHO keeps interior spaces and trims the ends", () => {
  const echo = command(`ECHO /p   hello   world  "quoted" 'single' a>b >> c   `);
  assert.deepEqual(echo, {
    verb: "ECHO",
    path: "/p",
    payload: `hello   world  "quoted" 'single' a>b >> c`,
  });
});

Deno.test("ATTACH splits role and ticket; a trailing space means no ticket", () => {
  assert.deepEqual(command("ATTACH queen "), { verb: "ATTACH", role: "queen", ticket: undefined });
  assert.deepEqual(command("ATTACH worker  tkt  "), {
    verb: "ATTACH",
    role: "worker",
    ticket: "tkt",
  });
  assert.deepEqual(command("PING extra args"), { verb: "PING" });
  assert.deepEqual(command("CACHELOG 3"), { verb: "CACHELOG", count: 3 });
});

Deno.test("parseLine honours custom limits", () => {
  const defaults = { ...DEFAULTS, console: { ...DEFAULTS.console, maxPathLen: 4 } };
  const outcome = parseLine("LS /abcd", defaults);
  assert.equal(outcome.ok, false);
  assert.equal(parseLine("LS /abc", defaults).ok, true);
});
