/**
 * End to end over real sockets: `TcpBackend` + `CohesixClient` against the in-repo console
 * server (seeded like the live Queen after boot), including server-side faults.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AttachError } from "../core/errors.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { CohesixClient } from "../client/client.ts";
import { ConsoleServer, type ConsoleServerOptions } from "../server/console_server.ts";
import type { FaultSpec } from "../server/faults.ts";
import { loopbackTest } from "./loopback.ts";

async function connect(
  server: ConsoleServer,
  extra: { maxAttempts?: number } = {},
): Promise<TcpBackend> {
  return await TcpBackend.connect({
    host: server.hostname,
    port: server.port,
    authToken: "changeme",
    ...extra,
  });
}

async function startServer(options: ConsoleServerOptions = {}): Promise<ConsoleServer> {
  return await ConsoleServer.start({ seed: "queen", ...options });
}

loopbackTest("e2e: gpu list → lease → run → kill", async () => {
  await using server = await startServer();
  await using backend = await connect(server);
  const client = new CohesixClient(backend);

  const gpus = await client.gpuList();
  assert.deepEqual(gpus.map((g) => [g.id, g.name, g.memoryMb]), [
    ["GPU-0", "Mock 4090", 24576],
    ["GPU-1", "Mock 4060", 8192],
  ]);
  assert.equal(await client.gpuStatus("GPU-0"), "EMPTY");

  await client.gpuLease({ gpuId: "GPU-0", memMb: 4096, streams: 2, ttlS: 120, priority: 1 });
  assert.deepEqual(await backend.listDir("/worker"), ["worker-1"]);

  await client.runCommand("GPU-0", ["true"]);
  const status = new TextDecoder().decode(await backend.readFile("/gpu/GPU-0/status", 65536));
  const events = status.split("\n").map((line) => JSON.parse(line).event);
  assert.deepEqual(events, ["START", "EXIT"]);
  assert.match(await client.gpuStatus("GPU-0"), /"event":"EXIT"/);

  await client.queenKill("worker-1");
  assert.deepEqual(await backend.listDir("/worker"), []);
});

loopbackTest("e2e: telemetry push → pull, with the oldest segments evicted", async () => {
  await using server = await startServer();
  await using backend = await connect(server);
  const client = new CohesixClient(backend);
  const maxSegments = client.defaults.telemetryIngest.maxSegmentsPerDevice;
  const pushed: string[] = [];
  for (let i = 1; i <= maxSegments + 2; i++) {
    const result = await client.telemetryPush("dev-e2e", `reading ${i}\n`);
    pushed.push(result.segId);
  }
  assert.equal(pushed.at(-1), `seg-${String(maxSegments + 2).padStart(6, "0")}`);
  const kept = await backend.listDir("/queen/telemetry/dev-e2e/seg");
  assert.deepEqual(kept, pushed.slice(-maxSegments));

  const outDir = await Deno.makeTempDir({ prefix: "cohesix-e2e-pull-" });
  try {
    const result = await client.telemetryPull(outDir);
    assert.equal(result.devices, 1);
    assert.equal(result.segments, maxSegments);
    const local = [...Deno.readDirSync(`${outDir}/dev-e2e/seg`)].map((e) => e.name).sort();
    assert.deepEqual(local, kept);
    const last = Deno.readTextFileSync(`${outDir}/dev-e2e/seg/${kept.at(-1)}`);
    assert.match(last, new RegExp(`reading ${maxSegments + 2}`));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

loopbackTest("e2e: the client reconnects after the server drops the connection", async () => {
  const faults: FaultSpec[] = [
    { kind: "close-after-reply", verb: "LS", nth: 1 },
    { kind: "drop", verb: "CAT", nth: 1 },
  ];
  await using server = await startServer({ faults });
  await using backend = await connect(server);
  assert.deepEqual(await backend.listDir("/gpu"), ["bridge", "GPU-0", "GPU-1"]);
  // The server closed after that reply: the next command needs a fresh connection.
  assert.deepEqual(await backend.listDir("/queen"), ["ctl", "lifecycle", "telemetry"]);
  // This CAT's connection is dropped before any reply; reads are retried.
  const state = await backend.readFile("/proc/lifecycle/state", 1024);
  assert.equal(new TextDecoder().decode(state), "state=ONLINE");
});

loopbackTest("e2e: a throttled ATTACH is retried; a persistent one is an AttachError", async () => {
  {
    await using server = await startServer({
      faults: [{ kind: "throttle-attach", verb: "ATTACH", times: 2, delayMs: 250 }],
    });
    await using backend = await connect(server, { maxAttempts: 3 });
    assert.deepEqual(await backend.listDir("/log"), ["queen.log"]);
  }
  {
    await using server = await startServer({
      faults: [{ kind: "throttle-attach", verb: "ATTACH", times: Infinity, delayMs: 4000 }],
    });
    await assert.rejects(connect(server, { maxAttempts: 1 }), (error: unknown) => {
      assert.ok(error instanceof AttachError, String(error));
      assert.equal(error.delayMs, 4000);
      return true;
    });
  }
});
