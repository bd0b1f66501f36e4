/**
 * Conformance of the in-repo console server with the live Queen: every recording in
 * `shared/fixtures/live/` is replayed, in the README's order, against ONE server seeded like the
 * freshly booted Queen (the recordings ran in that order against one Queen, each scenario
 * starting from the state the previous one left). For each connection the recorded client
 * frames are sent one by one, and the server's frames must equal the recorded server frames
 * byte for byte, EOFs included (see `conformance_replay.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { ConsoleServer } from "../server/console_server.ts";
import { fixturePath, readFixture, readRecording } from "./fixtures.ts";
import { replayScenario, type VirtualClock } from "./conformance_replay.ts";

const SCENARIOS: string[] = (() => {
  const readme = readFixture("live/README.md");
  const match = /recorded in this order[^:]*:\s*([^.]+)\./s.exec(readme);
  if (!match) throw new Error("live/README.md no longer lists the recording order");
  return match[1]!.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
})();

Deno.test("in-repo server reproduces every live recording", async (t) => {
  const clock: VirtualClock = { ms: 0 };
  await using server = await ConsoleServer.start({ seed: "queen", now: () => clock.ms });
  const failures: string[] = [];

  for (const scenario of SCENARIOS) {
    const passed = await replayScenario(t, server, clock, scenario, readRecording(scenario));
    console.log(`conformance ${scenario}: ${passed ? "MATCH" : "MISMATCH"}`);
    if (!passed) failures.push(scenario);
  }
  assert.deepEqual(
    failures,
    [],
    `scenarios that differ from the live Queen: ${failures.join(", ")}`,
  );
  const recorded = [...Deno.readDirSync(fixturePath("live"))]
    .filter((entry) => entry.name.endsWith(".jsonl"))
    .map((entry) => entry.name.slice(0, -".jsonl".length))
    .sort();
  assert.deepEqual([...SCENARIOS].sort(), recorded, "every recording is replayed");
});
