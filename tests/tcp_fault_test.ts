/**
 * Fault injection against TcpBackend / ConsoleConnection with small in-test console servers:
 * malformed frames, silence, mid-stream EOF, resets, aborts, throttling, concurrency and the
 * read-retry / no-write-retry rule. Every case must end in the right typed error with no leaked
 * resource (the sanitizers stay on).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { DEFAULTS } from "../core/defaults.ts";
import {
  AbortedError,
  AttachError,
  CohesixTimeoutError,
  CommandError,
  ConnectionError,
  ConsoleBusyError,
  LimitError,
  PermissionError,
  ProtocolError,
} from "../core/errors.ts";
import { encodeFrame, FrameDecoder } from "../wire/frame.ts";
import { CLOSED_PORT, loopbackTest } from "./loopback.ts";
import { FAST, scriptedServer } from "./scripted_console.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { ConsoleConnection } from "../transport/console_connection.ts";

const TOKEN = "changeme";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function connectBackend(
  port: number,
  extra: Partial<Parameters<typeof TcpBackend.connect>[0]> = {},
) {
  return TcpBackend.connect({ port, authToken: TOKEN, defaults: FAST, maxAttempts: 0, ...extra });
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

/** Answers `LS` with the given raw bytes, then waits for the client to go away. */
async function lsFault(raw: Uint8Array, closeAfter = false): Promise<unknown> {
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    await peer.expect("LS /");
    await peer.sendRaw(raw);
    if (closeAfter) return;
    await peer.drain();
  });
  const backend = await connectBackend(server.port);
  const error = await captureError(backend.listDir("/"));
  await backend.close();
  assert.deepEqual(server.errors, []);
  return error;
}

loopbackTest("a server frame of length 3 is a ProtocolError", async () => {
  const error = await lsFault(new Uint8Array([3, 0, 0, 0]));
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, /frame length 3/);
});

loopbackTest("a server frame of length 9000 is a ProtocolError", async () => {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, 9000, true);
  const error = await lsFault(header);
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, /9000/);
});

loopbackTest("a frame of exactly msize (8192) is accepted", async () => {
  const body = "x".repeat(DEFAULTS.secure9p.msize - 4);
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    await peer.expect("CAT /big");
    await peer.send("OK CAT path=/big data=", body, "END");
    await peer.expect("quit");
    await peer.send("OK QUIT");
  });
  const backend = await connectBackend(server.port);
  const bytes = await backend.readFile("/big", 1 << 16);
  assert.equal(bytes.length, body.length);
  await backend.close();
  assert.deepEqual(server.errors, []);
});

loopbackTest("a truncated frame followed by EOF is a ProtocolError", async () => {
  const raw = new Uint8Array([20, 0, 0, 0, 0x4f, 0x4b, 0x20]); // declares 16 bytes, sends 3
  const error = await lsFault(raw, true);
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, /inside a frame/);
});

loopbackTest("a non-UTF-8 payload is a ProtocolError", async () => {
  const error = await lsFault(encodeFrame(new Uint8Array([0x4f, 0x4b, 0xff, 0xfe])));
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, /UTF-8/);
});

loopbackTest("EOF between the OK line and END is a ProtocolError", async () => {
  const raw = new Uint8Array([
    ...encodeFrame(encoder.encode("OK LS path=/ entries=2")),
    ...encodeFrame(encoder.encode("gpu")),
  ]);
  const error = await lsFault(raw, true);
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, /middle of the LS reply/);
});

loopbackTest(
  "a server that never answers gives a CohesixTimeoutError and a broken connection",
  async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("LS /");
      await peer.drain();
    });
    await using conn = await ConsoleConnection.connect({ port: server.port, authToken: TOKEN });
    await conn.attach("queen");
    const error = await captureError(
      conn.request({ line: "LS /", verb: "LS", shape: "stream" }, { timeoutMs: 30 }),
    );
    assert.ok(error instanceof CohesixTimeoutError, String(error));
    assert.equal(conn.broken, true);
    // A broken connection is never reused.
    assert.ok(await captureError(conn.ping()) instanceof ConnectionError);
    await server.close();
    assert.deepEqual(server.errors, []);
  },
);

for (const label of ["PARSE", "FRAME"]) {
  loopbackTest(`ERR ${label} answers a stream request at once`, async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("LS /");
      await peer.send("PONG", "OK LS path=/other entries=0", `ERR ${label} reason=policy detail=x`);
      await peer.expect("quit");
    });
    // Were it not an answer, the request would wait out its timeout instead.
    const backend = await connectBackend(server.port);
    const error = await captureError(backend.listDir("/"));
    assert.ok(error instanceof CommandError, String(error));
    assert.equal(error.verb, "LS");
    assert.equal(error.server.label, label);
    await backend.close();
    assert.deepEqual(server.errors, []);
  });
}

/**
 * A console that resets every connection, as the busy Queen does (a real RST through
 * node:net's `resetAndDestroy`; Deno.listen cannot produce one). `afterAuth` waits for the
 * client's AUTH bytes first, so both the connect-time and the first-read reset are covered.
 */
async function resettingServer(afterAuth: boolean, serveAfter = Infinity) {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    if (connections > serveAfter) {
      void serveQueenSocket(socket);
    } else if (afterAuth) socket.once("data", () => socket.resetAndDestroy());
    else socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections(): number {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Minimal node:net Queen: answers AUTH, ATTACH, PING (PONG first) and quit. */
async function serveQueenSocket(socket: net.Socket): Promise<void> {
  const frames = new FrameDecoder();
  socket.setNoDelay(true);
  socket.on("data", (chunk: Uint8Array) => {
    for (const frame of frames.push(new Uint8Array(chunk))) {
      if (frame.kind !== "frame") continue;
      const line = decoder.decode(frame.payload);
      const reply = line.startsWith("AUTH ")
        ? ["OK AUTH"]
        : line.startsWith("ATTACH ")
        ? ["OK ATTACH role=queen"]
        : line === "PING"
        ? ["PONG", "OK PING reply=pong"]
        : line === "quit"
        ? ["OK QUIT"]
        : [`ERR PARSE reason=policy detail=unsupported console command`];
      for (const text of reply) socket.write(encodeFrame(encoder.encode(text)));
      if (line === "quit") socket.end();
    }
  });
  await new Promise<void>((resolve) => socket.once("close", () => resolve()));
}

for (const afterAuth of [false, true]) {
  loopbackTest(
    `a reset ${afterAuth ? "after AUTH" : "at connect"} is ConsoleBusyError after the retries`,
    async () => {
      const server = await resettingServer(afterAuth);
      try {
        const error = await captureError(connectBackend(server.port, { maxAttempts: 2 }));
        assert.ok(error instanceof ConsoleBusyError, String(error));
        assert.match(error.message, /one console client at a time/);
        assert.equal(server.connections, 3);
      } finally {
        await server.close();
      }
    },
  );
}

loopbackTest("a busy console is retried and the next attempt can succeed", async () => {
  const server = await resettingServer(true, 1);
  try {
    const backend = await connectBackend(server.port, { maxAttempts: 1 });
    await backend.ping(); // this server sends PONG before OK PING, as older servers do
    await backend.close();
    assert.equal(server.connections, 2);
  } finally {
    await server.close();
  }
});

Deno.test({
  name: "nothing listening is a ConnectionError, not busy",
  permissions: { net: [`127.0.0.1:${CLOSED_PORT}`] },
  async fn() {
    const error = await captureError(connectBackend(CLOSED_PORT));
    assert.ok(error instanceof ConnectionError && !(error instanceof ConsoleBusyError));
    assert.match((error as Error).message, /nothing is listening on 127\.0\.0\.1:1/);
  },
});

Deno.test({
  name: "missing net permission is a PermissionError naming the exact flag",
  // Only loopback is granted here, whatever the suite runs with (even -A): the address below
  // is never dialled, so no Queen listening there can be touched.
  permissions: { net: ["127.0.0.1"] },
  async fn() {
    const error = await captureError(
      TcpBackend.connect({ host: "127.0.0.2", port: 31337, authToken: TOKEN }),
    );
    assert.ok(error instanceof PermissionError, String(error));
    assert.equal(error.flag, "--allow-net=127.0.0.2:31337");
  },
});

loopbackTest("AbortSignal aborts an in-flight request and one still queued", async () => {
  let received!: () => void;
  const requestSeen = new Promise<void>((resolve) => (received = resolve));
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    await peer.expect("CAT /slow");
    received();
    await peer.drain();
  });
  const backend = await connectBackend(server.port);
  const inFlight = new AbortController();
  const queued = new AbortController();
  const first = captureError(backend.readFile("/slow", 100, { signal: inFlight.signal }));
  const second = captureError(backend.listDir("/", { signal: queued.signal }));
  await requestSeen;
  queued.abort();
  assert.ok(await second instanceof AbortedError);
  inFlight.abort();
  assert.ok(await first instanceof AbortedError);
  await backend.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

loopbackTest("concurrent callers are serialised: one command in flight", async () => {
  const paths = ["/a", "/b", "/c", "/d", "/e"];
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    let next = peer.next();
    for (;;) {
      const line = await next;
      if (line === undefined || line === "quit") return;
      next = peer.next();
      // Give a pipelining client the chance to send early; a second frame now is a violation.
      const early = await Promise.race([
        next.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 5)),
      ]);
      assert.equal(early, false, `a command arrived before ${line} was answered`);
      const path = line.slice(3);
      await peer.send(`OK LS path=${path} entries=1`, `entry-of-${path.slice(1)}`, "END");
    }
  });
  const backend = await connectBackend(server.port);
  const lists = await Promise.all(paths.map((path) => backend.listDir(path)));
  assert.deepEqual(lists, paths.map((path) => [`entry-of-${path.slice(1)}`]));
  await backend.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

loopbackTest("a throttled ATTACH is retried on the same connection", async () => {
  const attaches: string[] = [];
  await using server = scriptedServer(async (peer) => {
    await peer.expect("AUTH ");
    await peer.send("OK AUTH");
    attaches.push(await peer.expect("ATTACH "));
    await peer.send("ERR ATTACH reason=quota detail=throttled delay_ms=250");
    attaches.push(await peer.expect("ATTACH "));
    await peer.send("ERR ATTACH reason=quota detail=rate-limited delay_ms=90000");
    attaches.push(await peer.expect("ATTACH "));
    await peer.send("OK ATTACH role=queen");
    await peer.expect("quit");
    await peer.send("OK QUIT");
  });
  const backend = await connectBackend(server.port, { maxAttempts: 2 });
  await backend.close();
  assert.deepEqual(attaches, ["ATTACH queen ", "ATTACH queen ", "ATTACH queen "]);
  assert.equal(server.connections, 1);
  assert.deepEqual(server.errors, []);
});

loopbackTest("a throttled ATTACH past the attempts is an AttachError with delayMs", async () => {
  await using server = scriptedServer(async (peer) => {
    await peer.expect("AUTH ");
    await peer.send("OK AUTH");
    for (let i = 0; i < 2; i++) {
      await peer.expect("ATTACH ");
      await peer.send("ERR ATTACH reason=quota detail=throttled delay_ms=250");
    }
    await peer.expect("quit");
    await peer.send("OK QUIT");
  });
  const error = await captureError(connectBackend(server.port, { maxAttempts: 1 }));
  assert.ok(error instanceof AttachError, String(error));
  assert.equal(error.delayMs, 250);
  assert.equal(error.detail, "throttled");
  await server.close();
  assert.deepEqual(server.errors, []);
});

loopbackTest("after a dropped connection a read is retried, a write is not", async () => {
  const commands: string[] = [];
  await using server = scriptedServer(async (peer, index) => {
    await peer.handshake();
    const line = await peer.next();
    if (line === undefined) return;
    commands.push(line);
    if (index === 0) return; // drop the CAT unanswered
    await peer.send("OK CAT path=/proc/lifecycle/state data=state=ONLINE", "state=ONLINE", "END");
    const echo = await peer.next();
    if (echo !== undefined) commands.push(echo); // drop the ECHO unanswered
  });
  const backend = await connectBackend(server.port, { maxAttempts: 1 });
  const state = await backend.readFile("/proc/lifecycle/state", 64);
  assert.equal(decoder.decode(state), "state=ONLINE");
  const error = await captureError(backend.writeAppend("/log/queen.log", encoder.encode("hi\n")));
  assert.ok(error instanceof ConnectionError, String(error));
  assert.match(error.message, /may or may not have been applied/);
  await backend.close();
  await server.close();
  assert.deepEqual(commands, [
    "CAT /proc/lifecycle/state",
    "CAT /proc/lifecycle/state",
    "ECHO /log/queen.log hi",
  ]);
  assert.equal(server.connections, 2);
  assert.deepEqual(server.errors, []);
});

loopbackTest("a server flooding body lines is cut off at the read cap, not buffered", async () => {
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    const line = await peer.expect("CAT ");
    await peer.send(`OK CAT path=${line.slice(4)} data=x`);
    // Far more than the 1 KiB the caller accepts; the client must stop reading and hang up.
    const body = "y".repeat(200);
    try {
      for (let i = 0; i < 10_000; i++) await peer.send(body);
    } catch {
      // The client dropped the connection, as it should.
    }
  });
  const backend = await connectBackend(server.port);
  const error = await captureError(backend.readFile("/big", 1024));
  assert.ok(error instanceof LimitError, String(error));
  assert.match((error as Error).message, /read \/big exceeds max bytes 1024/);
  await backend.close();
});
