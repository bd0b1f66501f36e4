import assert from "node:assert/strict";
import { DEFAULTS } from "../../core/defaults.ts";
import { OperationError } from "../../core/errors.ts";
import { ConsoleServer } from "../../server/console_server.ts";
import { CohshConsole } from "../shell/cohsh_console.ts";
import { TcpLink } from "../shell/console_link.ts";
import { ShellSession } from "../shell/shell_session.ts";
import { SharedConsole } from "./shared_console.ts";

async function sharedOn(port: number) {
  const console = new CohshConsole(
    new TcpLink({ host: "127.0.0.1", port, authToken: "changeme", timeoutMs: 5000 }),
    { defaults: DEFAULTS },
  );
  const session = new ShellSession(console, { defaults: DEFAULTS });
  const shared = new SharedConsole(session, {
    defaults: DEFAULTS,
    role: "queen",
    closeShell: async () => {
      await session.quitQuietly();
      console.close();
    },
  });
  await shared.connect();
  return shared;
}

Deno.test("the UI's reads and the panel share one connection; the panel prints only its own acks", async () => {
  const log: string[] = [];
  await using queen = await ConsoleServer.start({ port: 0, seed: "demo", log: (l) => log.push(l) });
  const shared = await sharedOn(queen.port);
  const results = await Promise.all([
    shared.backend.listDir("/gpu"),
    shared.runner.execute("ping"),
    shared.backend.readFile("/proc/lifecycle/state", 4096),
    shared.backend.tail("/log/queen.log"),
    shared.runner.execute("echo hello > /log/queen.log"),
  ]);
  assert.deepEqual(results[0], ["bridge", "GPU-0", "GPU-1", "models"]);
  assert.deepEqual(results[1], ["[console] OK PING reply=pong", "ping: pong"]);
  assert.equal(new TextDecoder().decode(results[2] as Uint8Array), "state=ONLINE");
  assert.deepEqual(results[4], ["[console] OK ECHO path=/log/queen.log bytes=5"]);
  assert.equal(
    await shared.backend.writeAppend(
      "/queen/ctl",
      new TextEncoder().encode('{"kill":"worker-9"}\n'),
    ).catch((e) => e.summary),
    "echo failed: ERR ECHO reason=policy detail=invalid-path path=/queen/ctl error=invalid path",
  );
  await shared.close();
  const connections = new Set(log.map((line) => /^conn=(\d+)/.exec(line)?.[1]).filter(Boolean));
  assert.equal(connections.size, 1, log.join("\n"));
  assert.ok(log.some((line) => /quit/i.test(line) && /QUIT/.test(line)), log.join("\n"));
});

Deno.test("the panel cannot end or switch the UI's session; a refused read is an error", async () => {
  await using queen = await ConsoleServer.start({ port: 0 });
  const shared = await sharedOn(queen.port);
  try {
    for (const line of ["quit", "detach", "attach queen", "login queen", "tcp-diag 1"]) {
      await assert.rejects(shared.runner.execute(line), OperationError, line);
    }
    await assert.rejects(shared.backend.listDir("/nope"), /LS failed: ERR LS/);
    assert.deepEqual(await shared.runner.execute("ping"), [
      "[console] OK PING reply=pong",
      "ping: pong",
    ]);
  } finally {
    await shared.close();
  }
  await assert.rejects(shared.backend.listDir("/gpu"), /stopping/);
});
