import assert from "node:assert/strict";
import { ConsoleServer } from "../../server/console_server.ts";
import { captureIo } from "../../tests/cli_io.ts";
import { main } from "../main.ts";
import { parseUiArgs } from "./ui.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

Deno.test("ui prints exactly one stdout line with the token URL; Ctrl-C stops it and sends quit", async () => {
  const log: string[] = [];
  await using queen = await ConsoleServer.start({ port: 0, log: (line) => log.push(line) });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN",
      MAIN,
      "ui",
      "--port",
      String(queen.port),
      "--poll-ms",
      "250",
    ],
    env: { NO_COLOR: "1", COH_AUTH_TOKEN: "changeme" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let printed = "";
  while (!printed.includes("\n")) {
    const { value, done } = await stdout.read();
    if (done) break;
    printed += value;
  }
  const match = /^cohesix ui: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43}))\n$/.exec(
    printed,
  );
  assert.ok(match, printed);
  // The page answers, and the Queen's token is nowhere in what was printed.
  const page = await fetch(match[1]!, { redirect: "manual" });
  await page.body?.cancel();
  assert.equal(page.status, 303);
  assert.ok(!printed.includes("changeme"));
  child.kill("SIGINT");
  const status = await child.status;
  for (;;) {
    const { value, done } = await stdout.read();
    if (done) break;
    printed += value;
  }
  const stderr = await new Response(child.stderr).text();
  assert.equal(status.code, 0, stderr);
  assert.equal(printed.split("\n").length, 2, "one line on stdout, nothing else");
  assert.match(stderr, /cohesix ui: stopped/);
  assert.ok(!stderr.includes("changeme"));
  assert.ok(log.some((line) => /QUIT/i.test(line)), log.join("\n"));
});

Deno.test("bad --listen and --poll-ms values are usage errors (exit 2)", async () => {
  for (
    const [args, text] of [
      [["--listen", "0.0.0.0:0"], /wildcard/],
      [["--listen", "localhost:8080"], /IP address/],
      [["--listen", "127.0.0.1:70000"], /0\.\.65535/],
      [["--poll-ms", "100"], /250\.\.10000/],
      [["--poll-ms", "20000"], /250\.\.10000/],
      [["--bogus"], /does not take '--bogus'/],
    ] as const
  ) {
    const io = captureIo();
    assert.equal(await main(["--mock", "ui", ...args], io), 2, args.join(" "));
    assert.match(io.stderr(), text);
    assert.equal(io.stdout(), "");
  }
});

Deno.test("ui arguments: defaults, IPv6 loopback, the registry", () => {
  assert.deepEqual(parseUiArgs([]), {
    listen: { hostname: "127.0.0.1", port: 0 },
    open: false,
    pollMs: 1000,
    registryRoot: "out/model_registry",
  });
  const parsed = parseUiArgs([
    "--listen=[::1]:8080",
    "--open",
    "--poll-ms",
    "250",
    "--registry",
    "r",
  ]);
  assert.notEqual(parsed, "help");
  if (parsed !== "help") {
    assert.deepEqual(parsed.listen, { hostname: "::1", port: 8080 });
    assert.equal(parsed.open, true);
    assert.equal(parsed.pollMs, 250);
    assert.equal(parsed.registryRoot, "r");
  }
  assert.equal(parseUiArgs(["--help"]), "help");
});

Deno.test("ui without permission to listen names the flag and starts nothing", async () => {
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", MAIN, "--mock", "ui"],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 1, stderr);
  assert.equal(child.stdout.length, 0);
  assert.match(stderr, /--allow-net=127\.0\.0\.1\b/);
});
