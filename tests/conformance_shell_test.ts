/**
 * Conformance of the in-repo console server with the live Queen for the cohsh runs of
 * `shared/fixtures/live2/` (`selftest_bodies`, `selftest_quick`, `selftest_quick_human`,
 * `shell_verbs`, `spawn_gpu`, `telemetry_push_oversize`): replayed in the recorded order against
 * one server booted like the live Queen, its frames must equal the Queen's byte for byte (the
 * body of a `TAIL /log/queen.log` is compared by its bound only). The publish recordings that ran
 * between them are checked in `conformance_publish_test.ts`; they touch neither workers nor
 * telemetry, so skipping them here leaves `telemetry_push_oversize` the state it saw live.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ConsoleServer } from "../server/console_server.ts";
import { fixturePath, readFixture, readRecording } from "./fixtures.ts";
import { replayScenario, type VirtualClock } from "./conformance_replay.ts";

const SHELL_SCENARIOS = [
  "selftest_bodies",
  "selftest_quick",
  "selftest_quick_human",
  "shell_verbs",
  "spawn_gpu",
  "telemetry_push_oversize",
];
const PUBLISH_SCENARIOS = [
  "bridge_publish_mock",
  "after_publish",
  "peft_live_after_publish",
  "bridge_publish_bad",
];

Deno.test("in-repo server reproduces the live cohsh runs (self-tests, shell verbs)", async (t) => {
  const order = /Order, on one Queen:\s*([^.]+)\./s.exec(readFixture("live2/README.md"))?.[1]
    ?.split(",").map((name) => name.trim());
  assert.ok(order !== undefined, "live2/README.md no longer lists the recording order");
  assert.deepEqual(order.filter((name) => SHELL_SCENARIOS.includes(name)), SHELL_SCENARIOS);
  const recorded = [...Deno.readDirSync(fixturePath("live2"))]
    .filter((entry) => entry.name.endsWith(".jsonl"))
    .map((entry) => entry.name.slice(0, -".jsonl".length))
    .sort();
  assert.deepEqual(
    [...SHELL_SCENARIOS, ...PUBLISH_SCENARIOS].sort(),
    recorded,
    "every live2 recording is checked here or in conformance_publish_test.ts",
  );

  const clock: VirtualClock = { ms: 0 };
  await using server = await ConsoleServer.start({ seed: "queen", now: () => clock.ms });
  const failures: string[] = [];
  for (const scenario of SHELL_SCENARIOS) {
    const events = readRecording(scenario, "live2");
    if (!(await replayScenario(t, server, clock, scenario, events))) failures.push(scenario);
  }
  assert.deepEqual(
    failures,
    [],
    `scenarios that differ from the live Queen: ${failures.join(", ")}`,
  );
});
