/**
 * The in-repo console server's fault injection driving TcpBackend: every fault mode a live
 * Queen (or the network between) can produce ends in the right typed error within the timeout,
 * the broken connection is not reused, and the next call works on a fresh connection.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import {
  CohesixTimeoutError,
  ConnectionError,
  ProtocolError,
  ValidationError,
} from "../core/errors.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { ConsoleServer } from "../server/console_server.ts";
import type { FaultSpec } from "../server/faults.ts";
import { loopbackTest } from "./loopback.ts";

const encoder = new TextEncoder();

/** Fast retries so the cases finish quickly (the policy's shape is unchanged). */
const FAST: CohesixDefaults = {
  ...DEFAULTS,
  retry: { ...DEFAULTS.retry, backoffMs: 1, ceilingMs: 5 },
};

async function withFault(
  fault: FaultSpec,
  body: (backend: TcpBackend, server: ConsoleServer) => Promise<void>,
): Promise<void> {
  await using server = await ConsoleServer.start({ seed: "queen", faults: [fault] });
  const backend = await TcpBackend.connect({
    port: server.port,
    authToken: "changeme",
    defaults: FAST,
    timeoutMs: 300,
    maxAttempts: 0,
  });
  try {
    await body(backend, server);
  } finally {
    await backend.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected the call to fail");
}

const cases: [string, FaultSpec, (error: Error) => boolean][] = [
  [
    "a reply frame of length 3",
    { kind: "bad-length", length: 3, verb: "LS" },
    (e) => e instanceof ProtocolError && /length 3/.test(e.message),
  ],
  [
    "a reply frame of length 9000",
    { kind: "bad-length", length: 9000, verb: "LS" },
    (e) => e instanceof ProtocolError && /length 9000/.test(e.message),
  ],
  [
    "a truncated frame, then EOF",
    { kind: "truncate", verb: "LS" },
    (e) => e instanceof ProtocolError && /inside a frame/.test(e.message),
  ],
  [
    "a non-UTF-8 reply",
    { kind: "non-utf8", verb: "LS" },
    (e) => e instanceof ProtocolError && /UTF-8/.test(e.message),
  ],
  [
    "a close between the OK line and END",
    { kind: "close-after-ack", verb: "LS" },
    (e) => e instanceof ProtocolError && /middle of the LS reply/.test(e.message),
  ],
  [
    "a stall",
    { kind: "stall", verb: "LS" },
    (e) => e instanceof CohesixTimeoutError && /within 300 ms/.test(e.message),
  ],
  [
    "a drop without reply",
    { kind: "drop", verb: "LS" },
    (e) => e instanceof ConnectionError && !(e instanceof ProtocolError),
  ],
];

for (const [name, fault, expected] of cases) {
  loopbackTest(`server fault: ${name} → typed error; the next call reconnects`, async () => {
    await withFault(fault, async (backend, server) => {
      const error = await failure(backend.listDir("/gpu"));
      assert.ok(expected(error), `${error.name}: ${error.message}`);
      // The fault fires once; the backend opens a fresh connection for the next call, once the
      // server has noticed the old one is gone (before that, a new client would be "busy").
      await server.idle();
      assert.deepEqual(await backend.listDir("/gpu"), ["bridge", "GPU-0", "GPU-1"]);
    });
  });
}

loopbackTest("server fault: an interrupted ECHO is not resent, and says so", async () => {
  await withFault({ kind: "drop", verb: "ECHO" }, async (backend, server) => {
    const before = server.namespace.tail("/log/queen.log").length;
    const error = await failure(
      backend.writeAppend("/log/queen.log", new TextEncoder().encode("marker-1\n")),
    );
    assert.match(error.message, /may or may not have been applied/);
    // The dropped ECHO never reached the namespace, and nothing was re-sent behind the
    // caller's back: a resend would have appended the marker once.
    const lines = server.namespace.tail("/log/queen.log");
    assert.equal(lines.filter((l) => l.includes("marker-1")).length, 0);
    assert.equal(lines.length, before + 0);
  });
});

loopbackTest("server fault: content that looks like protocol lines stays content", async () => {
  const fault: FaultSpec = { kind: "inject", verb: "CAT", lines: ["OK FAKE ack", "ERR X y"] };
  await withFault(fault, async (backend, server) => {
    const text = new TextDecoder().decode(
      await backend.readFile("/proc/lifecycle/state", 1024),
    );
    // Every body line is kept, the ones that look like acks included, in the order the
    // server's output lanes sent them (an `OK …` line goes out on the control lane first).
    assert.deepEqual(server.namespace.cat("/proc/lifecycle/state").lines, ["state=ONLINE"]);
    assert.equal(text, "OK FAKE ack\nstate=ONLINE\nERR X y");
    // The connection is still in step: the next command gets its own reply.
    assert.deepEqual(await backend.listDir("/gpu"), ["bridge", "GPU-0", "GPU-1"]);
  });
});

loopbackTest(
  "a PING failure that caused a reconnect is kept as the cause of a later error",
  async () => {
    await using server = await ConsoleServer.start({
      seed: "queen",
      faults: [{ kind: "close-after-reply", verb: "LS" }, { kind: "drop", verb: "ECHO" }],
    });
    await using backend = await TcpBackend.connect({
      port: server.port,
      authToken: "changeme",
      defaults: { ...FAST, heartbeatIntervalMs: 0 },
      timeoutMs: 300,
      maxAttempts: 0,
    });
    await backend.listDir("/gpu"); // the server hangs up after this reply
    await server.idle();
    // The PING finds the connection gone; the ECHO then goes to a fresh one, which drops it.
    const error = await failure(backend.writeAppend("/log/queen.log", encoder.encode("m\n")));
    assert.ok(error instanceof ConnectionError, `${error.name}: ${error.message}`);
    assert.match(error.message, /may or may not have been applied/);
    assert.match(error.message, /after the idle connection failed its PING/);
    const cause = error.cause;
    assert.ok(cause instanceof ConnectionError, String(cause));
    assert.match(cause.message, /PING/);
  },
);

loopbackTest("server fault: a refused ECHO payload never reaches the server", async () => {
  await withFault({ kind: "stall", verb: "ECHO" }, async (backend) => {
    const error = await failure(
      backend.writeAppend("/log/queen.log", new TextEncoder().encode("two\nlines\n")),
    );
    assert.ok(error instanceof ValidationError, error.message);
  });
});

loopbackTest(
  "a write after the Queen dropped an idle connection is checked by PING first",
  async (t) => {
    const marker = new TextEncoder().encode("after-idle\n");
    for (const [name, heartbeatIntervalMs] of [["idle past the heartbeat", 0], ["fresh", 60_000]]) {
      await t.step(name as string, async () => {
        await using server = await ConsoleServer.start({
          seed: "queen",
          faults: [{ kind: "close-after-reply", verb: "LS" }],
        });
        const backend = await TcpBackend.connect({
          port: server.port,
          authToken: "changeme",
          defaults: { ...FAST, heartbeatIntervalMs: heartbeatIntervalMs as number },
          timeoutMs: 300,
        });
        try {
          await backend.listDir("/gpu"); // the server hangs up after this reply
          await server.idle();
          if (heartbeatIntervalMs === 0) {
            // The PING finds the connection gone, so the ECHO goes to a fresh one, once.
            assert.equal(await backend.writeAppend("/log/queen.log", marker), marker.length);
            const log = server.namespace.tail("/log/queen.log");
            assert.equal(log.filter((l) => l.includes("after-idle")).length, 1);
          } else {
            // Within the heartbeat the connection is trusted: the ECHO meets the dead socket.
            const error = await failure(backend.writeAppend("/log/queen.log", marker));
            assert.ok(error instanceof ConnectionError, `${error.name}: ${error.message}`);
          }
        } finally {
          await backend.close();
        }
      });
    }
  },
);
