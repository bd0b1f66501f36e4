/**
 * A busy console against the in-repo server: while one `TcpBackend` holds the console, a second
 * client is reset (a real TCP RST, as the live Queen does, PROTOCOL.md §2.1) and must surface
 * as `ConsoleBusyError`, never as a refused token; once the first client leaves, a retry wins.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AuthError, ConsoleBusyError } from "../core/errors.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { loopbackTest } from "./loopback.ts";

const TOKEN = "changeme";

function connect(server: ConsoleServer, maxAttempts: number): Promise<TcpBackend> {
  return TcpBackend.connect({
    host: server.hostname,
    port: server.port,
    authToken: TOKEN,
    maxAttempts,
  });
}

loopbackTest(
  "a second client of a held console fails with ConsoleBusyError, not AuthError",
  async () => {
    const log: string[] = [];
    await using server = await ConsoleServer.start({ token: TOKEN, log: (l) => log.push(l) });
    await using first = await connect(server, 0);
    const error = await connect(server, 0).then(
      (backend) => backend.close().then(() => undefined),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ConsoleBusyError, `expected ConsoleBusyError, got ${error}`);
    assert.ok(!(error instanceof AuthError));
    assert.match(error.message, /one console client at a time/);
    assert.equal(log.filter((l) => l.endsWith("refused: console busy")).length, 1);
    // The first client is unaffected.
    assert.ok((await first.listDir("/")).includes("proc"));
  },
);

loopbackTest("a busy console is retried and wins once the first client leaves", async () => {
  const refused = Promise.withResolvers<void>();
  const log = (line: string) => {
    if (line.endsWith("refused: console busy")) refused.resolve();
  };
  await using server = await ConsoleServer.start({ token: TOKEN, log });
  const first = await connect(server, 0);
  const second = connect(server, 3);
  try {
    // Leave only after the second client was turned away at least once.
    await refused.promise;
  } finally {
    await first.close();
  }
  await using backend = await second;
  assert.ok((await backend.listDir("/")).includes("proc"));
});
