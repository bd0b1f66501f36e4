import assert from "node:assert/strict";
import { captureIo } from "../../tests/cli_io.ts";
import { ConsoleServer } from "../../server/console_server.ts";
import { main } from "../main.ts";

type Target = { name: string; flags: () => string[] };

async function run(argv: string[], options: { env?: Record<string, string> } = {}) {
  const io = captureIo(options.env ? { env: options.env } : {});
  const status = await main(argv, io);
  return { status, stdout: io.stdout(), stderr: io.stderr() };
}

/** Runs `body` once on the in-process mock and once over TCP against a fresh console server. */
async function onBoth(
  t: Deno.TestContext,
  body: (target: Target) => Promise<void>,
): Promise<void> {
  // A persisted mock, so the one-shots of one test see each other's writes as on a Queen.
  const root = await Deno.makeTempDir();
  await t.step("mock", () => body({ name: "mock", flags: () => ["--mock-root", root] }));
  await Deno.remove(root, { recursive: true });
  await t.step("tcp", async () => {
    await using server = await ConsoleServer.start();
    await body({
      name: "tcp",
      flags: () => ["--tcp-host", "127.0.0.1", "--tcp-port", String(server.port)],
    });
  });
}

Deno.test("ls: entries for people, {path, entries} with --json; a refusal is exit 1 with the server's fields", async (t) => {
  await onBoth(t, async (target) => {
    const human = await run([...target.flags(), "ls", "/proc"]);
    assert.equal(human.status, 0, human.stderr);
    assert.equal(human.stdout, "boot\ntests\nlifecycle\n9p\ningest\nroot\npressure\n");
    const json = await run([...target.flags(), "--json", "ls", "/proc/tests"]);
    assert.deepEqual(JSON.parse(json.stdout), {
      path: "/proc/tests",
      entries: ["selftest_quick.coh", "selftest_full.coh", "selftest_negative.coh"],
    });
    const refused = await run([...target.flags(), "--json", "ls", "/nonexistent"]);
    assert.equal(refused.status, 1);
    assert.equal(refused.stdout, "");
    const error = JSON.parse(refused.stderr);
    assert.equal(error.code, "command");
    assert.equal(error.verb, "LS");
    assert.equal(error.reason, "policy");
    assert.equal(error.detail, "invalid-path");
    const bad = await run([...target.flags(), "ls", "relative"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /paths must be absolute/);
  });
});

Deno.test("cat, tail, log: bodies; --json {path, lines}", async (t) => {
  await onBoth(t, async (target) => {
    const state = await run([...target.flags(), "cat", "/proc/lifecycle/state"]);
    assert.equal(state.stdout, "state=ONLINE\n");
    const json = await run([...target.flags(), "--json", "cat", "/proc/tests/selftest_quick.coh"]);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.path, "/proc/tests/selftest_quick.coh");
    assert.equal(doc.lines[2], "ping");
    assert.equal(doc.lines.length, 10);
    const write = await run([...target.flags(), "write", "/log/queen.log", "hello", "world"]);
    assert.equal(write.status, 0, write.stderr);
    assert.equal(write.stdout, "OK ECHO path=/log/queen.log bytes=11\n");
    const log = await run([...target.flags(), "--json", "log"]);
    const logDoc = JSON.parse(log.stdout);
    assert.equal(logDoc.path, "/log/queen.log");
    assert.ok(logDoc.lines.includes("hello world"), target.name);
    const tail = await run([...target.flags(), "tail", "/log/queen.log"]);
    assert.match(tail.stdout, /^hello world$/m);
  });
});

Deno.test("write: --json {path, payload, ack, bytes}; cohsh's payload rules", async (t) => {
  await onBoth(t, async (target) => {
    const result = await run([...target.flags(), "--json", "write", "/log/queen.log", '"  x  "']);
    assert.deepEqual(JSON.parse(result.stdout), {
      path: "/log/queen.log",
      payload: "  x  ",
      ack: "OK ECHO path=/log/queen.log bytes=1",
      bytes: 1,
    });
    const empty = await run([...target.flags(), "write", "/log/queen.log", "   "]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /payload must not be empty/);
  });
});

Deno.test("ping, spawn, kill, bind, mount, lifecycle: the Queen's acks; --json documents", async (t) => {
  await onBoth(t, async (target) => {
    const ping = await run([...target.flags(), "ping"]);
    assert.equal(ping.stdout, "ping: pong\n");
    const pingJson = await run([...target.flags(), "--json", "ping"]);
    assert.deepEqual(JSON.parse(pingJson.stdout), { reply: "pong", ack: "OK PING reply=pong" });
    const spawn = await run([...target.flags(), "--json", "spawn", "heartbeat", "ticks=5"]);
    assert.deepEqual(JSON.parse(spawn.stdout), {
      path: "/queen/ctl",
      payload: '{"spawn":"heartbeat","ticks":5}',
      ack: "OK ECHO path=/queen/ctl bytes=31",
      bytes: 31,
    });
    const gpu = await run([
      ...target.flags(),
      "spawn",
      "gpu",
      "gpu_id=GPU-1",
      "mem_mb=2048",
      "streams=1",
      "ttl_s=60",
    ]);
    assert.equal(gpu.stdout, "OK ECHO path=/queen/ctl bytes=79\n");
    const kill = await run([...target.flags(), "kill", "worker-1"]);
    assert.equal(kill.stdout, "OK ECHO path=/queen/ctl bytes=19\n");
    const bind = await run([...target.flags(), "bind", "/shard", "/tmp/x"]);
    assert.equal(bind.stdout, "OK ECHO path=/queen/ctl bytes=40\n");
    const mount = await run([...target.flags(), "mount", "logs", "/tmp/logs"]);
    assert.equal(mount.stdout, "OK ECHO path=/queen/ctl bytes=45\n");
    const denied = await run([...target.flags(), "lifecycle", "drain"]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /lifecycle transition denied: state=ONLINE action=drain/);
    const cordon = await run([...target.flags(), "--json", "lifecycle", "cordon"]);
    assert.equal(JSON.parse(cordon.stdout).ack, "OK ECHO path=/queen/lifecycle/ctl bytes=6");
    const usage = await run([...target.flags(), "spawn", "gpu", "gpu_id=GPU-0"]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /missing required option 'mem_mb'/);
  });
});

Deno.test("the mock state persists across one-shots with --mock-root", async () => {
  const root = await Deno.makeTempDir();
  assert.equal((await run(["--mock-root", root, "spawn", "heartbeat", "ticks=1"])).status, 0);
  assert.equal((await run(["--mock-root", root, "ls", "/worker"])).stdout, "worker-1\n");
  await Deno.remove(root, { recursive: true });
});

Deno.test("--fs-root: reads and writes on a mount; console-only verbs are a clear error", async () => {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/log`);
  await Deno.writeTextFile(`${root}/log/queen.log`, "booted\n");
  const flags = ["--fs-root", root];
  assert.equal((await run([...flags, "ls", "/"])).stdout, "log\n");
  assert.equal((await run([...flags, "write", "/log/queen.log", "more"])).status, 0);
  assert.equal((await run([...flags, "cat", "/log/queen.log"])).stdout, "booted\nmore\n");
  const ping = await run([...flags, "ping"]);
  assert.equal(ping.status, 1);
  assert.match(ping.stderr, /PING needs a Queen console.*--fs-root/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("test: the self-tests pass on the mock and on the console server; --json is one document", async (t) => {
  await onBoth(t, async (target) => {
    const json = await run([...target.flags(), "--json", "test"]);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.mode, "quick");
    assert.equal(report.checks.length, 17);
    assert.equal(report.version, "1");
    const human = await run([...target.flags(), "test", "--mode", "full", "--no-mutate"]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^selftest PASS mode=full elapsed_ms=\d+\n/);
    assert.equal(human.stdout.split("\n").filter((l) => l.startsWith("PASS - ")).length, 32);
    const bad = await run([...target.flags(), "test", "--timeout", "0"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--timeout must be at least 1s/);
  });
});

Deno.test("tail --follow prints only new lines, polls within the manifest bounds, ends on Ctrl-C", async () => {
  await using server = await ConsoleServer.start();
  const io = captureIo();
  const flags = ["--tcp-port", String(server.port)];
  const running = main(
    [...flags, "tail", "--follow", "--interval-ms", "250", "/log/queen.log"],
    io,
  );
  const waitFor = async (text: string) => {
    for (let i = 0; i < 200 && !io.stdout().includes(text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(io.stdout().includes(text), `waiting for ${text}: ${io.stdout()}`);
  };
  await waitFor("console: tail /log/queen.log");
  server.namespace.appendLog("first new line");
  await waitFor("first new line");
  server.namespace.appendLog("second new line");
  await waitFor("second new line");
  io.interrupt();
  assert.equal(await running, 0);
  const out = io.stdout().split("\n");
  assert.equal(out.filter((line) => line === "first new line").length, 1);
  assert.equal(out.filter((line) => line === "second new line").length, 1);
  const bounds = await run([...flags, "tail", "--follow", "--interval-ms", "100", "/x"]);
  assert.equal(bounds.status, 2);
  assert.match(bounds.stderr, /250\.\.10000/);
});
