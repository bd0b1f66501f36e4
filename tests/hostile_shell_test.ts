/**
 * The cohsh-side console (shell, scripts, one-shot verbs) against a Queen that never ends its
 * answer: the client stops reading at a bound and drops the connection instead of growing.
 */

import assert from "node:assert/strict";
import { ANSWER_MAX_BYTES } from "../cli/shell/cohsh_console.ts";
import { runCli } from "./cli_harness.ts";
import { type Peer, scriptedServer } from "./scripted_console.ts";

/** Floods `line` until the client goes away (at most 4 MiB, so the test always ends). */
async function flood(peer: Peer, line: string): Promise<void> {
  const batch = Array.from({ length: 256 }, () => line);
  for (let sent = 0; sent < 4 * 1024 * 1024; sent += 256 * (line.length + 3)) {
    try {
      await peer.send(...batch);
    } catch {
      return; // the client dropped the connection, as it should
    }
  }
}

for (
  const [name, ack, line] of [
    ["a body without END", "OK LS path=/ entries=3", "x".repeat(100)],
    ["acks for other commands, never the answer", "OK CAT path=/proc/boot", "OK PING reply=pong"],
  ] as const
) {
  Deno.test(`cohesix ls over TCP: ${name} is cut off at the answer bound`, async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("LS ");
      await peer.send(ack);
      await flood(peer, line);
    });
    const run = await runCli([
      "--tcp-host",
      "127.0.0.1",
      "--tcp-port",
      String(server.port),
      "--auth-token",
      "t",
      "--max-retries",
      "1",
      "ls",
      "/",
    ]);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`passed ${ANSWER_MAX_BYTES} bytes without ending`));
    assert.deepEqual(server.errors, []);
  });
}

Deno.test("cohesix ls over TCP: the token never printed; escapes shown escaped on a terminal only", async () => {
  const token = "s3cr3t-console-token";
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    await peer.expect("LS ");
    await peer.send("OK LS path=/ entries=2", `${token}-dir`, "\x1b]0;owned\x07title", "END");
    if ((await peer.next())?.toLowerCase() === "quit") await peer.send("OK QUIT");
    await peer.drain();
  });
  const argv = [
    "--tcp-host",
    "127.0.0.1",
    "--tcp-port",
    String(server.port),
    "--auth-token",
    token,
    "ls",
    "/",
  ];
  const piped = await runCli(argv);
  assert.equal(piped.status, 0, piped.stderr);
  assert.ok(!piped.stdout.includes(token.slice(0, 8)), piped.stdout);
  // Piped, the bytes are cohsh's (a script reading them gets what the Queen sent).
  assert.ok(piped.stdout.includes("\x1b]0;owned\x07title"));
  const terminal = await runCli(argv, { terminal: { stdout: true } });
  assert.equal(terminal.status, 0, terminal.stderr);
  assert.ok(!terminal.stdout.includes("\x1b"), JSON.stringify(terminal.stdout));
  assert.match(terminal.stdout, /\\x1b\]0;owned\\x07title/);
  assert.ok(!terminal.stdout.includes(token.slice(0, 8)));
});
