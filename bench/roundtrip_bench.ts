/**
 * Round trips per second through `TcpBackend` on one connection against the in-repo console
 * server, next to the floor: {@link BareClient}, a hand-written `Deno.connect` loop sending the
 * same frames and reading to the same terminator without validation. `ConsoleConnection` (the
 * transport layer alone) sits in between to show where any overhead lives.
 *
 * The server runs in this process (started once, closed on `unload`), so every figure includes
 * its work too. It takes one client at a time: the first iteration of each bench closes the
 * previous bench's client, waits until the server is idle and connects its own; that switch is
 * outside the measured span (`b.start()` / `b.end()`).
 *
 * Run: `deno bench --allow-net=127.0.0.1 --allow-read bench/roundtrip_bench.ts`.
 *
 * @module
 */

import { TcpBackend } from "../backends/tcp.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { ConsoleConnection } from "../transport/console_connection.ts";
import { encodeCommandFrame } from "../wire/command_line.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { ackCommand, BareClient, type BareCommand, streamCommand } from "./bare_client.ts";

const TOKEN = "changeme";
/** An 8-line file of the fresh Queen tree (its ack summary is truncated server-side). */
const CAT_PATH = "/proc/boot";
/** A 4-line file whose summary needs no truncation: little server work per CAT. */
const CAT_SMALL_PATH = "/proc/tests/selftest_quick.coh";
/** The root: 10 entries. */
const LS_PATH = "/";
/** A ring (128 lines, 16 user lines), so appending never grows the cost. */
const ECHO_PATH = "/log/queen.log";
const ECHO_TEXT = "bench-echo-line";
const ECHO_BYTES = new TextEncoder().encode(ECHO_TEXT);
const READ_MAX = DEFAULTS.readCaps.maxDirListBytes;
/** Timed iterations per bench: round trips are noisy (GC, scheduler), so take many. */
const ITERATIONS = 10_000;
/** Untimed iterations first (JIT of client and server code). */
const WARMUP = 1_000;

const BARE = {
  cat: streamCommand(`CAT ${CAT_PATH}`),
  catSmall: streamCommand(`CAT ${CAT_SMALL_PATH}`),
  ls: streamCommand(`LS ${LS_PATH}`),
  echo: ackCommand(`ECHO ${ECHO_PATH} ${ECHO_TEXT}`, "OK ECHO"),
} satisfies Record<string, BareCommand>;

const server = await ConsoleServer.start({ port: 0, seed: "queen" });

type ClientKind = "bare" | "connection" | "tcp";
type Active =
  | { kind: "bare"; client: BareClient }
  | { kind: "connection"; client: ConsoleConnection }
  | { kind: "tcp"; client: TcpBackend };
let active: Active | undefined;

globalThis.addEventListener("unload", () => {
  // Synchronous part only: close the client socket, then the listener and server sockets.
  if (active?.kind === "bare") active.client.close();
  else if (active?.kind === "connection") active.client.close();
  active = undefined;
  void server.close();
});

async function connectConnection(): Promise<ConsoleConnection> {
  const conn = await ConsoleConnection.connect({ port: server.port, authToken: TOKEN });
  await conn.attach("queen");
  return conn;
}

/** Makes `kind` the one connected client (the server takes one at a time). */
async function use(kind: ClientKind): Promise<Active> {
  if (active?.kind === kind) return active;
  const previous = active;
  active = undefined;
  if (previous?.kind === "tcp") await previous.client.close();
  else await previous?.client.quit();
  await server.idle();
  switch (kind) {
    case "bare":
      active = { kind, client: await BareClient.connect(server.port, TOKEN) };
      break;
    case "connection":
      active = { kind, client: await connectConnection() };
      break;
    case "tcp":
      active = { kind, client: await TcpBackend.connect({ port: server.port, authToken: TOKEN }) };
      break;
  }
  return active;
}

function fail(what: string): never {
  throw new Error(`bench sanity check failed: ${what}`);
}

// Sanity: identical frames on the wire, and each client sees a real reply (run once, untimed).
for (
  const [line, command] of [
    [`CAT ${CAT_PATH}`, BARE.cat],
    [`CAT ${CAT_SMALL_PATH}`, BARE.catSmall],
    [`LS ${LS_PATH}`, BARE.ls],
    [`ECHO ${ECHO_PATH} ${ECHO_TEXT}`, BARE.echo],
  ] as const
) {
  const expected = encodeCommandFrame(line, DEFAULTS);
  if (expected.join() !== command.frame.join()) fail(`bare frame for ${line} differs`);
}
{
  const bare = await use("bare");
  if (bare.kind !== "bare") fail("bare client");
  await bare.client.roundTrip(BARE.cat);
  const catFrames = bare.client.lastFrames;
  await bare.client.roundTrip(BARE.ls);
  const lsFrames = bare.client.lastFrames;
  await bare.client.roundTrip(BARE.catSmall);
  const smallFrames = bare.client.lastFrames;
  const tcp = await use("tcp");
  if (tcp.kind !== "tcp") fail("tcp client");
  const catLines = new TextDecoder().decode(await tcp.client.readFile(CAT_PATH, READ_MAX))
    .split("\n").length;
  const lsLines = (await tcp.client.listDir(LS_PATH)).length;
  const smallLines = new TextDecoder().decode(await tcp.client.readFile(CAT_SMALL_PATH, READ_MAX))
    .split("\n").length;
  if (smallFrames !== smallLines + 2) fail(`CAT ${smallFrames} frames, ${smallLines} lines`);
  // Bare frames = ack + body lines + END.
  if (catFrames !== catLines + 2 || catLines < 2) {
    fail(`CAT ${catFrames} frames, ${catLines} lines`);
  }
  if (lsFrames !== lsLines + 2 || lsLines < 2) fail(`LS ${lsFrames} frames, ${lsLines} entries`);
  const echoed = await tcp.client.writeAppendDetailed(ECHO_PATH, ECHO_BYTES);
  if (echoed.serverBytes !== ECHO_BYTES.length) fail(`ECHO bytes=${echoed.serverBytes}`);
}

/** One bench per client kind in `group`; bare is the baseline. */
function benchGroup(
  group: string,
  ops: {
    bare: BareCommand;
    connection: (conn: ConsoleConnection) => Promise<unknown>;
    tcp: (tcp: TcpBackend) => Promise<unknown>;
  },
): void {
  Deno.bench({
    name: `${group}: bare Deno.connect loop (floor)`,
    group,
    baseline: true,
    n: ITERATIONS,
    warmup: WARMUP,
    async fn(b) {
      const a = await use("bare");
      if (a.kind !== "bare") return;
      b.start();
      await a.client.roundTrip(ops.bare);
      b.end();
    },
  });
  Deno.bench({
    name: `${group}: ConsoleConnection.request`,
    group,
    n: ITERATIONS,
    warmup: WARMUP,
    async fn(b) {
      const a = await use("connection");
      if (a.kind !== "connection") return;
      b.start();
      await ops.connection(a.client);
      b.end();
    },
  });
  Deno.bench({
    name: `${group}: TcpBackend`,
    group,
    n: ITERATIONS,
    warmup: WARMUP,
    async fn(b) {
      const a = await use("tcp");
      if (a.kind !== "tcp") return;
      b.start();
      await ops.tcp(a.client);
      b.end();
    },
  });
}

benchGroup(`ECHO ${ECHO_PATH}`, {
  bare: BARE.echo,
  connection: (c) =>
    c.request({
      line: `ECHO ${ECHO_PATH} ${ECHO_TEXT}`,
      verb: "ECHO",
      shape: "ack",
      path: ECHO_PATH,
    }),
  tcp: (t) => t.writeAppend(ECHO_PATH, ECHO_BYTES),
});

benchGroup(`CAT ${CAT_SMALL_PATH}`, {
  bare: BARE.catSmall,
  connection: (c) =>
    c.request({
      line: `CAT ${CAT_SMALL_PATH}`,
      verb: "CAT",
      shape: "stream",
      path: CAT_SMALL_PATH,
    }),
  tcp: (t) => t.readFile(CAT_SMALL_PATH, READ_MAX),
});

benchGroup(`LS ${LS_PATH}`, {
  bare: BARE.ls,
  connection: (c) =>
    c.request({ line: `LS ${LS_PATH}`, verb: "LS", shape: "stream", path: LS_PATH }),
  tcp: (t) => t.listDir(LS_PATH),
});

// Last: its server side allocates heavily (see RESULTS.md), which slows whatever runs after it.
benchGroup(`CAT ${CAT_PATH}`, {
  bare: BARE.cat,
  connection: (c) =>
    c.request({ line: `CAT ${CAT_PATH}`, verb: "CAT", shape: "stream", path: CAT_PATH }),
  tcp: (t) => t.readFile(CAT_PATH, READ_MAX),
});
