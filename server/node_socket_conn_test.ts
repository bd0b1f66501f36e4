import assert from "node:assert/strict";
import net from "node:net";
import { NodeSocketConn, type NodeSocketConnOptions } from "./node_socket_conn.ts";
import { concatBytes } from "../core/bytes.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const EVENTS = ["data", "end", "error", "close"] as const;

function listenerCounts(socket: net.Socket): number[] {
  return EVENTS.map((event) => socket.listenerCount(event));
}

/**
 * A node:net listener whose first accepted socket comes back wrapped, with its listener counts
 * before wrapping (node keeps a few listeners of its own).
 */
async function acceptOne(options: NodeSocketConnOptions = {}) {
  const accepted = Promise.withResolvers<
    { conn: NodeSocketConn; socket: net.Socket; baseline: number[] }
  >();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const baseline = listenerCounts(socket);
    accepted.resolve({ conn: new NodeSocketConn(socket, options), socket, baseline });
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    accepted: accepted.promise,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readAll(conn: NodeSocketConn, chunkSize: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(chunkSize);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    parts.push(buffer.slice(0, n));
  }
  return concatBytes(parts);
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

Deno.test("NodeSocketConn: reads, writes, EOF on the peer's FIN, close settles", async () => {
  const server = await acceptOne();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const { conn, socket, baseline } = await server.accepted;
  assert.notDeepEqual(listenerCounts(socket), baseline);
  await writeAll(client, encoder.encode("hello"));
  const buffer = new Uint8Array(3);
  assert.equal(await conn.read(buffer), 3);
  assert.equal(decoder.decode(buffer), "hel");
  assert.equal(await conn.read(buffer), 2);
  assert.equal(decoder.decode(buffer.subarray(0, 2)), "lo");
  assert.equal(await conn.write(encoder.encode("world")), 5);
  const reply = new Uint8Array(16);
  const n = await client.read(reply);
  assert.equal(decoder.decode(reply.subarray(0, n ?? 0)), "world");
  await client.closeWrite();
  assert.equal(await conn.read(buffer), null);
  // Half-open: our side can still answer after the peer's FIN.
  assert.equal(await conn.write(encoder.encode("bye")), 3);
  assert.equal(decoder.decode(reply.subarray(0, (await client.read(reply)) ?? 0)), "bye");
  conn.close();
  await conn.closed;
  assert.equal(await client.read(reply), null);
  await assert.rejects(conn.write(encoder.encode("late")));
  assert.deepEqual(listenerCounts(socket), baseline, `listeners left behind on ${EVENTS}`);
  client.close();
  await server.close();
});

Deno.test("NodeSocketConn: a bounded buffer pauses the socket, and nothing is lost", async () => {
  const server = await acceptOne({ highWaterMark: 16 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const { conn, socket } = await server.accepted;
  const sent = new Uint8Array(256 * 1024).map((_, i) => (i * 7) & 0xff);
  const writing = writeAll(client, sent).then(() => client.closeWrite());
  const first = new Uint8Array(1);
  assert.equal(await conn.read(first), 1);
  // The first chunk alone is well past 16 bytes, so the socket waits for us to read.
  assert.ok(socket.isPaused(), "socket should be paused while 16+ bytes wait unread");
  const rest = await readAll(conn, 1000);
  await writing;
  assert.equal(1 + rest.length, sent.length);
  assert.equal(first[0], sent[0]);
  assert.deepEqual(rest, sent.subarray(1));
  conn.close();
  await conn.closed;
  client.close();
  await server.close();
});

Deno.test("NodeSocketConn: reset() sends a real RST; a pending read ends with null", async () => {
  const server = await acceptOne();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const { conn } = await server.accepted;
  const pending = conn.read(new Uint8Array(8));
  await writeAll(client, encoder.encode("x"));
  assert.equal(await pending, 1);
  const waiting = conn.read(new Uint8Array(8));
  conn.reset();
  assert.equal(await waiting, null);
  await conn.closed;
  await assert.rejects(client.read(new Uint8Array(8)), Deno.errors.ConnectionReset);
  client.close();
  await server.close();
});

Deno.test("NodeSocketConn: the peer's RST rejects a read with the socket error", async () => {
  const server = await acceptOne();
  const client = net.connect({ host: "127.0.0.1", port: server.port });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const { conn } = await server.accepted;
  const clientClosed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  client.resetAndDestroy();
  await assert.rejects(conn.read(new Uint8Array(8)), /ECONNRESET|reset/i);
  await conn.closed;
  await clientClosed;
  await server.close();
});
