/**
 * The `.coh` suite under `tests/coh/`: every `pass_*.coh` must pass (exit 0) and every
 * `fail_*.coh` must fail (exit 1) with exactly the cohsh report in the `.stderr` beside it, on
 * the in-process mock Queen and over TCP against the console server. Also `--check`, the
 * 256-line limit and an unopenable script.
 */

import assert from "node:assert/strict";
import { main } from "../cli/main.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { captureIo } from "./cli_io.ts";
import { fixturePath } from "./fixtures.ts";

const SUITE = new URL("./coh/", import.meta.url).pathname;
const scripts = [...Deno.readDirSync(SUITE)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".coh"))
  .sort();

async function run(argv: string[]) {
  const io = captureIo();
  const status = await main(argv, io);
  return { status, stdout: io.stdout(), stderr: io.stderr() };
}

/** The failure report without cohsh's `[cohsh][tcp]` lines. */
function report(stderr: string): string {
  return stderr.split("\n").filter((line) => !line.startsWith("[cohsh]")).join("\n");
}

Deno.test("the suite covers passing and failing scripts", () => {
  assert.ok(scripts.filter((name) => name.startsWith("pass_")).length >= 2);
  assert.ok(scripts.filter((name) => name.startsWith("fail_")).length >= 20);
  for (const name of scripts.filter((n) => n.startsWith("fail_"))) {
    Deno.statSync(`${SUITE}${name.replace(/\.coh$/, ".stderr")}`);
  }
});

for (const backend of ["mock", "tcp"] as const) {
  Deno.test(`.coh suite on the ${backend === "mock" ? "in-process mock" : "console server over TCP"}`, async (t) => {
    for (const name of scripts) {
      await t.step(name, async () => {
        await using server = backend === "tcp" ? await ConsoleServer.start() : undefined;
        const target = server === undefined
          ? ["--mock"]
          : ["--tcp-host", "127.0.0.1", "--tcp-port", String(server.port)];
        const result = await run([...target, "sh", "--script", `${SUITE}${name}`]);
        if (name.startsWith("pass_")) {
          assert.equal(result.status, 0, result.stderr);
          assert.equal(report(result.stderr), "");
          assert.match(result.stdout, /^Welcome to Cohesix\. Type 'help' for commands\.\n/);
        } else {
          const expected = await Deno.readTextFile(`${SUITE}${name.replace(/\.coh$/, ".stderr")}`);
          assert.equal(result.status, 1);
          assert.equal(report(result.stderr), expected);
        }
      });
    }
  });
}

Deno.test("--check: passing scripts print check ok, grammar errors the report with no command", async () => {
  for (const name of scripts.filter((n) => n.startsWith("pass_"))) {
    const result = await run(["sh", "--check", `${SUITE}${name}`]);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `check ok: ${SUITE}${name}\n`);
  }
  const dir = await Deno.makeTempDir();
  const cases: [string, string, string][] = [
    ["EXPECT OK\nping\n", "1: EXPECT OK", "EXPECT requires a prior command response"],
    ["WAIT 5\nEXPECT OK\n", "2: EXPECT OK", "EXPECT requires a prior command response"],
    ["ping\nEXPECT maybe\n", "2: EXPECT maybe", "EXPECT selector is invalid"],
    ["ping\n\n# c\nWAIT 2001\n", "4: WAIT 2001", "WAIT exceeds max of 2000ms"],
  ];
  for (const [text, at, reason] of cases) {
    await Deno.writeTextFile(`${dir}/s.coh`, text);
    const result = await run(["sh", "--check", `${dir}/s.coh`]);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      `Error: script failure at line ${at}\nreason: ${reason}\nlast command: <none>\n` +
        "last response: <none>\nlast response source: none\nrecent responses: <none>\n",
    );
  }
  // Commands are not validated by --check; EXPECT keywords match as prefixes.
  await Deno.writeTextFile(`${dir}/s.coh`, "bogus command\nEXPECT SUBSTRfoo\nEXPECT NOTHING\n");
  assert.equal((await run(["sh", "--check", `${dir}/s.coh`])).status, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a script of 257 kept lines is refused at the 257th, by raw line number", async () => {
  const dir = await Deno.makeTempDir();
  const lines = ["# header", ""];
  for (let i = 0; i < 257; i++) lines.push("help");
  await Deno.writeTextFile(`${dir}/long.coh`, lines.join("\n") + "\n");
  for (const mode of ["--check", "--script"]) {
    const result = await run(["--mock", "sh", mode, `${dir}/long.coh`]);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^Error: script failure at line 259: help\nreason: script exceeds max of 256 lines\n/,
    );
  }
  await Deno.writeTextFile(`${dir}/ok.coh`, lines.slice(0, -1).join("\n") + "\n");
  assert.equal((await run(["sh", "--check", `${dir}/ok.coh`])).status, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an unopenable script: cohsh's error and exit 1, nothing connects", async () => {
  const result = await run(["sh", "--tcp-port", "1", "--script", "/nonexistent/x.coh"]);
  assert.equal(result.status, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    'Error: failed to open script "/nonexistent/x.coh"\n\nCaused by:\n    No such file or directory (os error 2)\n',
  );
});

Deno.test("--script with --role: a refused attach exits 1; without --role the script starts detached", async () => {
  await using server = await ConsoleServer.start();
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/s.coh`, "attach queen\nEXPECT OK\n");
  const port = String(server.port);
  const detached = await run(["sh", "--tcp-port", port, "--script", `${dir}/s.coh`]);
  assert.equal(detached.status, 0, detached.stderr);
  assert.match(
    detached.stdout,
    /detached shell: run 'attach <role>' to connect\n\[console\] OK AUTH\n/,
  );
  const refused = await run([
    "sh",
    "--tcp-port",
    port,
    "--role",
    "worker-gpu",
    "--script",
    `${dir}/s.coh`,
  ]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /Error: role WorkerGpu requires a non-empty ticket payload\n$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--policy: a cohsh policy is loaded and hash-checked, --check included", async () => {
  const policy = fixturePath("policy/cohsh_policy.toml");
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/s.coh`, "ping\nEXPECT OK\n");
  const ok = await run(["--policy", policy, "sh", "--check", `${dir}/s.coh`]);
  assert.equal(ok.status, 0, ok.stderr);
  const tampered = `${dir}/cohsh_policy.toml`;
  await Deno.writeTextFile(tampered, (await Deno.readTextFile(policy)) + "\n");
  const bad = await run(["--policy", tampered, "sh", "--check", `${dir}/s.coh`]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /hash/);
  const script = await run(["--mock", "--policy", tampered, "sh", "--script", `${dir}/s.coh`]);
  assert.equal(script.status, 1);
  assert.equal(script.stdout, "");
  await Deno.remove(dir, { recursive: true });
});
