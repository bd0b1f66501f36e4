/**
 * `cohesix sh --script` against replays of the live cohsh runs in `shared/fixtures/live2/`: the
 * same script must send the recorded client frames byte for byte and print what cohsh printed
 * (the recorded stdout, with the `[cohsh]` stderr lines checked separately, the replay port and
 * elapsed times normalised). The deliberate differences are named where they apply.
 */

import assert from "node:assert/strict";
import { main } from "../cli/main.ts";
import { captureIo } from "./cli_io.ts";
import { readFixture, readRecording, type RecordedEvent } from "./fixtures.ts";
import { startReplay } from "./replay_server.ts";

/** The scripts cohsh ran, reconstructed from the recordings' client frames and README. */
const SCRIPTS: Readonly<Record<string, string>> = {
  selftest_bodies: [
    "ls /proc/tests",
    "cat /proc/tests/selftest_full.coh",
    "cat /proc/tests/selftest_negative.coh",
    "cat /proc/tests/selftest_quick.coh",
    "quit",
  ].join("\n"),
  selftest_quick: "test --mode quick --json\nquit\n",
  selftest_quick_human: "test --mode quick\nquit\n",
  shell_verbs: [
    "spawn heartbeat ticks=5",
    "ls /worker",
    "ls /worker/worker-1",
    "EXPECT ERR",
    "cat /worker/worker-1/telemetry",
    "EXPECT ERR",
    "tail /worker/worker-1/telemetry",
    "kill worker-1",
    "ls /worker",
    "lifecycle cordon",
    "cat /proc/lifecycle/state",
    "lifecycle resume",
    "cat /proc/lifecycle/state",
    "bind /shard /tmp/x",
    "ls /tmp/x",
    "EXPECT ERR",
    "mount logs /tmp/logs",
    "ls /tmp/logs",
    "EXPECT ERR",
    "log",
    "ping",
    "EXPECT OK",
    "quit",
  ].join("\n"),
  spawn_gpu: [
    "spawn gpu gpu_id=GPU-1 mem_mb=2048 streams=1 ttl_s=60",
    "cat /gpu/GPU-1/lease",
    "ls /worker",
    "kill worker-2",
    "cat /gpu/GPU-1/lease",
    "quit",
  ].join("\n"),
};

/** Splits a recorded stdout into cohsh's stdout and its `[cohsh]` stderr lines. */
function recordedOutput(text: string): { stdout: string[]; stderr: string[] } {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return {
    stdout: lines.filter((line) => !line.startsWith("[cohsh]")),
    stderr: lines.filter((line) => line.startsWith("[cohsh]")),
  };
}

function normalise(lines: readonly string[]): string[] {
  return lines.map((line) =>
    line.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>")
      .replace(/elapsed_ms(=|":)\d+/, "elapsed_ms$1<n>")
  );
}

async function runScript(
  scenario: string,
  script: string,
  options: {
    events?: RecordedEvent[];
    skip?: (text: string) => boolean;
    set?: "live" | "live2";
  } = {},
) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/${scenario}.coh`;
  await Deno.writeTextFile(file, script);
  const replay = startReplay({
    scenario,
    events: options.events ?? readRecording(scenario, options.set ?? "live2"),
    ...(options.skip ? { skipClientFrames: options.skip } : {}),
  });
  const io = captureIo();
  const status = await main([
    "sh",
    "--tcp-host",
    "127.0.0.1",
    "--tcp-port",
    String(replay.port),
    "--role",
    "queen",
    "--script",
    file,
  ], io);
  const result = await replay.finish();
  await Deno.remove(dir, { recursive: true });
  return { status, io, result };
}

for (const scenario of Object.keys(SCRIPTS)) {
  Deno.test(`live2 ${scenario}: cohesix sh --script sends cohsh's frames and prints cohsh's lines`, async () => {
    const { status, io, result } = await runScript(scenario, SCRIPTS[scenario]!);
    assert.deepEqual(result.mismatches.map((m) => m.message), []);
    assert.equal(result.ok, true);
    assert.equal(status, 0, io.stderr());
    const recorded = recordedOutput(readFixture(`live2/${scenario}.stdout.txt`));
    assert.deepEqual(
      normalise(io.stdout().split("\n").slice(0, -1)),
      normalise(recorded.stdout),
    );
    assert.deepEqual(normalise(io.stderr().split("\n").slice(0, -1)), normalise(recorded.stderr));
  });
}

Deno.test("live2 telemetry_push_oversize: cohsh's frames, its ERR TELEMETRY lines, per run", async () => {
  const all = readRecording("telemetry_push_oversize", "live2");
  const recorded = readFixture("live2/telemetry_push_oversize.stdout.txt").split(/^\$ .*\n/m)
    .filter((part) => part !== "").map(recordedOutput);
  const dir = await Deno.makeTempDir();
  // One 200-byte line between two short ones (as recorded), then a 33,280-byte file.
  await Deno.writeTextFile(
    `${dir}/longline.txt`,
    `short line before\n${"L".repeat(200)}\nshort line after\n`,
  );
  await Deno.writeTextFile(`${dir}/big.txt`, "x".repeat(33_279) + "\n");
  const files = [`${dir}/longline.txt`, `${dir}/big.txt`];
  for (const [i, file] of files.entries()) {
    const events = all.filter((e) => e.conn === i + 1).map((e) => ({ ...e, conn: 1 }));
    const { status, io, result } = await runScript(
      "telemetry_push_oversize",
      `telemetry push ${file} --device device-9\nEXPECT ERR\nquit\n`,
      { events },
    );
    assert.deepEqual(result.mismatches.map((m) => m.message), []);
    assert.equal(status, 0, io.stderr());
    assert.deepEqual(normalise(io.stdout().split("\n").slice(0, -1)), recorded[i]!.stdout);
  }
  await Deno.remove(dir, { recursive: true });
});

/** The cohsh runs of the first set (`live/`), with the demo file of OPERATIONS §4.6. */
const FIRST_SET: Readonly<Record<string, string>> = {
  session_basics: [
    "ls /",
    "cat /proc/lifecycle/state",
    "ls /gpu",
    "cat /gpu/GPU-0/info",
    "ls /queen",
    "ls /worker",
    "echo recording-marker > /log/queen.log",
    "tail /log/queen.log",
    "ping",
    "quit",
  ].join("\n"),
  telemetry_push_new_device:
    "telemetry push tests/coh/telemetry_demo.txt --device device-1\nquit\n",
  telemetry_push_second: "telemetry push tests/coh/telemetry_demo.txt --device device-1\nquit\n",
  worker_list_kill: "ls /worker\ncat /gpu/GPU-0/lease\nkill worker-1\nls /worker\nquit\n",
};

for (const [scenario, script] of Object.entries(FIRST_SET)) {
  Deno.test(`live ${scenario}: cohesix sh --script sends cohsh's frames and prints cohsh's lines`, async () => {
    const { status, io, result } = await runScript(scenario, script, { set: "live" });
    assert.deepEqual(result.mismatches.map((m) => m.message), []);
    assert.equal(status, 0, io.stderr());
    const recorded = recordedOutput(readFixture(`live/${scenario}.stdout.txt`));
    assert.deepEqual(normalise(io.stdout().split("\n").slice(0, -1)), normalise(recorded.stdout));
  });
}
