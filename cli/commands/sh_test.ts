import assert from "node:assert/strict";
import { captureIo } from "../../tests/cli_io.ts";
import { ConsoleServer } from "../../server/console_server.ts";
import { main } from "../main.ts";
import { nextWithKeepalive } from "./sh.ts";
import { CohshConsole } from "../shell/cohsh_console.ts";
import { MockLink, TcpLink } from "../shell/console_link.ts";
import { ShellSession } from "../shell/shell_session.ts";
import { QueenNamespace } from "../../queen/queen_namespace.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function sh(argv: string[], stdin: string) {
  const io = captureIo({ stdin });
  const status = await main(["sh", ...argv], io);
  return { status, stdout: io.stdout(), stderr: io.stderr() };
}

Deno.test("sh from a pipe: banner, prompts, cohsh's lines, a bare newline at EOF, exit 0", async () => {
  await using server = await ConsoleServer.start();
  const result = await sh(
    ["--tcp-port", String(server.port)],
    "attach queen\nping\n\nbogus\ndetach\nattach queen\n",
  );
  assert.equal(result.status, 0);
  assert.equal(
    result.stdout,
    [
      "Welcome to Cohesix. Type 'help' for commands.",
      "detached shell: run 'attach <role>' to connect",
      "coh> [console] OK AUTH",
      "[console] OK ATTACH role=queen",
      "attached session SessionId(2) as Queen",
      "coh> [console] OK PING reply=pong",
      "ping: pong",
      "coh> coh> Error: unknown command 'bogus'",
      "coh> OK DETACH",
      // The deferred OK QUIT of detach leaks into the next drain, as with cohsh.
      "coh> [console] OK QUIT",
      "[console] OK AUTH",
      "[console] OK ATTACH role=queen",
      "attached session SessionId(3) as Queen",
      "coh> ",
      "",
    ].join("\n"),
  );
  assert.match(result.stderr, /^\[cohsh\]\[tcp\] connected to 127\.0\.0\.1:\d+ \(connects=1\)\n/);
  assert.match(result.stderr, /remote NineDoor ready as role Queen/);
});

Deno.test("sh --role: attaches at start and prints the log; a refused attach leaves it detached", async () => {
  await using server = await ConsoleServer.start();
  const port = String(server.port);
  const ok = await sh(["--tcp-port", port, "--role", "queen"], "quit\n");
  assert.equal(ok.status, 0);
  assert.match(
    ok.stdout,
    /attached session SessionId\(2\) as Queen\n\[console\] OK TAIL path=\/log\/queen\.log\n/,
  );
  assert.match(ok.stdout, /closing session\n$/);
  const refused = await sh(["--tcp-port", port, "--role", "worker"], "");
  assert.equal(refused.status, 0);
  assert.match(
    refused.stderr,
    /\[cohsh\] TCP attach failed \(attempt 1\): role WorkerHeartbeat requires a non-empty ticket payload/,
  );
  assert.match(refused.stdout, /detached shell: run 'attach <role>' to connect\ncoh> \n$/);
});

Deno.test("sh sends quit when its input ends while attached (a queen session is not dropped)", async () => {
  await using server = await ConsoleServer.start();
  await sh(["--tcp-port", String(server.port)], "attach queen\n");
  await server.idle();
  // A dropped queen session would have cut root (PROTOCOL §2.6).
  assert.deepEqual(server.namespace.cat("/proc/root/reachable").lines, ["reachable=yes"]);
});

Deno.test("a dropped connection: cohsh's lines, an immediate reconnect, re-attach, the command re-sent", async () => {
  await using server = await ConsoleServer.start({ faults: [{ kind: "drop", verb: "LS" }] });
  const diag: string[] = [];
  const link = new TcpLink({
    host: "127.0.0.1",
    port: server.port,
    authToken: "changeme",
    timeoutMs: 2000,
  });
  const console = new CohshConsole(link, {
    diag: (line) => diag.push(line),
    sleep: () => Promise.resolve(),
  });
  const session = new ShellSession(console);
  await session.execute("attach queen");
  const lines = await session.execute("ls /proc/tests");
  assert.deepEqual(lines, [
    "[console] OK AUTH",
    "[console] OK ATTACH role=queen",
    "[console] OK LS path=/proc/tests entries=3",
    "selftest_quick.coh",
    "selftest_full.coh",
    "selftest_negative.coh",
  ]);
  assert.deepEqual(diag.slice(1), [
    "[cohsh][tcp] connection lost: connection closed by peer",
    "[cohsh][tcp] reconnect attempt #1 (delay=0ms, total_reconnects=1)",
    `[cohsh][tcp] connected to 127.0.0.1:${server.port} (connects=2)`,
  ]);
  await session.quitQuietly();
});

Deno.test("a write whose connection drops is not re-sent (cohsh would apply it twice)", async () => {
  await using server = await ConsoleServer.start({ faults: [{ kind: "drop", verb: "ECHO" }] });
  const link = new TcpLink({
    host: "127.0.0.1",
    port: server.port,
    authToken: "changeme",
    timeoutMs: 2000,
  });
  const session = new ShellSession(new CohshConsole(link, { diag: () => {} }));
  await session.execute("attach queen");
  const lines = await session.execute("echo once > /log/queen.log");
  assert.match(
    lines.at(-1)!,
    /^Error: connection dropped while writing to \/log\/queen\.log; the write was not re-sent/,
  );
});

Deno.test("the REPL keepalive: a silent PING while attached and idle, its acks never printed", async () => {
  const namespace = new QueenNamespace({ seed: "queen" });
  const session = new ShellSession(new CohshConsole(new MockLink(namespace)));
  await session.execute("attach queen");
  let release!: (line: string) => void;
  const next = new Promise<string>((resolve) => release = resolve);
  const waiting = nextWithKeepalive(session, next, 20);
  await new Promise((resolve) => setTimeout(resolve, 70));
  release("ping");
  assert.equal(await waiting, "ping");
  assert.deepEqual(await session.execute("ping"), ["[console] OK PING reply=pong", "ping: pong"]);
  const log = (await session.execute("log")).join("\n");
  // The keepalive PING(s) reached the Queen before the explicit one.
  assert.ok((log.match(/console: ping/g)?.length ?? 0) >= 2, log);
});

Deno.test("sh through a pipe, as a process: stdin commands, exit 0", async () => {
  await using server = await ConsoleServer.start();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-net=127.0.0.1:${server.port}`,
      "--allow-env",
      MAIN,
      "sh",
      "--tcp-port",
      String(server.port),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("attach queen\nls /proc/tests\nquit\n"));
  await writer.close();
  const { code, stdout } = await child.output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0);
  assert.match(text, /coh> \[console\] OK LS path=\/proc\/tests entries=3\nselftest_quick\.coh\n/);
  assert.match(text, /coh> closing session\n$/);
});

Deno.test("sh on a pseudo-terminal: line editing, history and tab completion of verbs and paths", async () => {
  await using server = await ConsoleServer.start();
  const command = [
    Deno.execPath(),
    "run",
    `--allow-net=127.0.0.1:${server.port}`,
    "--allow-env",
    MAIN,
    "sh",
    "--tcp-port",
    String(server.port),
  ].join(" ");
  const child = new Deno.Command("script", {
    args: ["-qfc", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const send = async (text: string) => {
    await writer.write(new TextEncoder().encode(text));
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await send("att\tqueen\r"); // verb completion
  await send("ls /proc/te\t\r"); // path completion through LS /proc
  await send("pinX\x7fg\r"); // backspace
  await send("\x1b[A\x1b[A\r"); // history: ls /proc/tests again
  await send("quit\r");
  await writer.close();
  const { code, stdout } = await child.output();
  const text = new TextDecoder().decode(stdout).replaceAll("\r", "");
  assert.equal(code, 0, text);
  assert.equal(text.match(/\[console\] OK LS path=\/proc\/tests entries=3/g)?.length, 2, text);
  assert.match(text, /attached session SessionId\(2\) as Queen/);
  assert.match(text, /ping: pong/);
  assert.match(text, /closing session/);
});

Deno.test("pool bench: cohsh's report lines, its option errors, acks never printed", async () => {
  const session = new ShellSession(
    new CohshConsole(new MockLink(new QueenNamespace({ seed: "queen" }))),
  );
  await session.execute("attach queen");
  const lines = await session.execute(
    "pool bench path=/log/queen.log ops=2 batch=2 payload_bytes=20",
  );
  assert.equal(lines.length, 4);
  assert.equal(lines[0], "pool bench limits msize=8192 max_payload=236 batch=2 kind=Telemetry");
  assert.match(lines[1]!, /^pool bench baseline ops=2 elapsed_ms=\d+ ops_per_s=\d+$/);
  assert.match(lines[2]!, /^pool bench pooled ops=2 elapsed_ms=\d+ ops_per_s=\d+$/);
  assert.equal(
    lines[3],
    "pool bench result OK retries=0 pool_exhausted=0 failures=0 expected=2 observed=2",
  );
  const log = (await session.execute("log")).join("\n");
  assert.match(log, /^pool-\d+-base-0x{7}$/m);
  assert.match(log, /^pool-\d+-pool-1x{7}$/m);
  assert.deepEqual(
    await session.execute("pool bench path=/log/queen.log ops=1 payload_bytes=300"),
    [
      "Error: pool bench payload_bytes 300 exceeds max payload 236",
    ],
  );
  assert.deepEqual(await session.execute("pool bench ops=1 path=/x kind=gpu"), [
    "Error: invalid pool kind 'gpu': expected control|telemetry",
  ]);
});

Deno.test("tcp-diag: a raw connect, cohsh's four lines; a bad port is cohsh's error", async () => {
  await using server = await ConsoleServer.start();
  const link = new TcpLink({
    host: "127.0.0.1",
    port: server.port,
    authToken: "changeme",
    timeoutMs: 2000,
  });
  const session = new ShellSession(new CohshConsole(link));
  const lines = await session.execute("tcp-diag");
  assert.equal(lines[0], `tcp-diag: connecting to 127.0.0.1:${server.port}`);
  assert.equal(lines[1], "tcp-diag: connect succeeded");
  assert.match(lines[2]!, /^tcp-diag: local_addr=127\.0\.0\.1:\d+$/);
  assert.equal(lines[3], `tcp-diag: peer_addr=127.0.0.1:${server.port}`);
  assert.deepEqual(await session.execute("tcp-diag x"), [
    "Error: tcp-diag requires a numeric port",
  ]);
  assert.deepEqual(await session.execute("tcp-diag 1 2"), [
    "Error: tcp-diag takes at most one argument: port",
  ]);
});
