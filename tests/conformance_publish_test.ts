/**
 * Conformance of the in-repo console server with the live Queen for a GPU namespace publish:
 * the `live2/` recordings `bridge_publish_mock` (gpu-bridge-host's publish), `after_publish` (the `/gpu` tree it leaves),
 * `peft_live_after_publish` (activate/rollback on the published models) and
 * `bridge_publish_bad` (malformed sequences) are replayed in the recorded order against one
 * server booted like the live Queen; its frames must equal the Queen's byte for byte. As on the
 * live Queen (`spawn_gpu` ran before), GPU-1 holds an ACTIVE lease before the publish, which
 * `after_publish` shows wiped.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TcpBackend } from "../backends/tcp.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { readFixture, readRecording } from "./fixtures.ts";
import { replayScenario, type VirtualClock } from "./conformance_replay.ts";

const SCENARIOS = [
  "bridge_publish_mock",
  "after_publish",
  "peft_live_after_publish",
  "bridge_publish_bad",
];

Deno.test("in-repo server ingests a publish as the live Queen does", async (t) => {
  // The recordings ran in this order on one Queen (live2/README.md); keep the test honest.
  const order = /Order, on one Queen:\s*([^.]+)\./s.exec(readFixture("live2/README.md"))?.[1]
    ?.split(",").map((name) => name.trim());
  assert.ok(order !== undefined, "live2/README.md no longer lists the recording order");
  assert.ok(order.indexOf("spawn_gpu") < order.indexOf("bridge_publish_mock"));
  const positions = SCENARIOS.map((name) => order.indexOf(name));
  assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)));

  const clock: VirtualClock = { ms: 0 };
  await using server = await ConsoleServer.start({ seed: "queen", now: () => clock.ms });
  {
    // spawn_gpu's lease, made here: its recording also depends on shell_verbs' worker ids.
    await using backend = await TcpBackend.connect({ port: server.port, authToken: "changeme" });
    const spawn = '{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":2048,"streams":1,"ttl_s":60}}';
    await backend.writeAppend("/queen/ctl", new TextEncoder().encode(spawn));
    const lease = new TextDecoder().decode(await backend.readFile("/gpu/GPU-1/lease", 1024));
    assert.match(lease, /"state":"ACTIVE"/);
  }
  const failures: string[] = [];
  for (const scenario of SCENARIOS) {
    const events = readRecording(scenario, "live2");
    if (!(await replayScenario(t, server, clock, scenario, events))) failures.push(scenario);
  }
  assert.deepEqual(
    failures,
    [],
    `scenarios that differ from the live Queen: ${failures.join(", ")}`,
  );
});
