/**
 * Client operations replayed against live Queen recordings (`shared/fixtures/live/`) over
 * `TcpBackend`: every frame the client sends must equal the one coh/cohsh sent, byte for byte,
 * and the transcript, results and files must match what the upstream tool printed
 * (`*.stdout.txt`, without its `[cohsh]`/`[console]` decoration and the child's output).
 */

import assert from "node:assert/strict";
import { TcpBackend } from "../backends/tcp.ts";
import { CohesixAudit } from "../client/audit.ts";
import { CohesixClient } from "../client/client.ts";
import { readFixture, readRecording, type RecordedEvent } from "./fixtures.ts";
import { type ReplayServer, startReplay } from "./replay_server.ts";

const TOKEN = "changeme";
const decoder = new TextDecoder();

type Frame = Extract<RecordedEvent, { hex: string }>;

/** The lines the upstream tool printed for `scenario`, minus connection chatter and `drop`. */
function printed(scenario: string, drop: readonly string[] = []): string[] {
  return readFixture(`live/${scenario}.stdout.txt`).split("\n").filter((line) =>
    line.length > 0 && !line.startsWith("[cohsh]") && !drop.includes(line)
  );
}

/** The recorded client frames of `scenario`, as text. */
function recordedClientFrames(scenario: string): string[] {
  return readRecording(scenario).filter((e): e is Frame => "hex" in e && e.dir === "c2s").map(
    (e) => e.text,
  );
}

/** Starts a replay and connects a client to it. */
async function replayClient(
  scenario: string,
): Promise<{ replay: ReplayServer; backend: TcpBackend; client: CohesixClient }> {
  // coh's sessions end with a plain EOF; ours (like cohsh's) end with `quit`.
  const replay = startReplay({ scenario, allowExtraQuit: true });
  const backend = await TcpBackend.connect({ port: replay.port, authToken: TOKEN });
  return { replay, backend, client: new CohesixClient(backend) };
}

/** Closes the client, then checks every recorded frame was sent exactly. */
async function finish(replay: ReplayServer, backend: TcpBackend, scenario: string): Promise<void> {
  await backend.close();
  const result = await replay.finish();
  await replay[Symbol.asyncDispose]();
  assert.deepEqual(result.mismatches.map((m) => m.message), []);
  const sent = result.clientFrames.filter((f) => f !== "quit");
  assert.deepEqual(sent, recordedClientFrames(scenario).filter((f) => f !== "quit"));
}

Deno.test("gpu_list: coh's frames and printed lines", async () => {
  const { replay, backend, client } = await replayClient("gpu_list");
  const audit = new CohesixAudit();
  const gpus = await client.gpuList({ audit });
  await finish(replay, backend, "gpu_list");
  assert.deepEqual(audit.lines, printed("gpu_list"));
  assert.deepEqual(gpus.map((g) => [g.id, g.name, g.memoryMb]), [
    ["GPU-0", "Mock 4090", 24576],
    ["GPU-1", "Mock 4060", 8192],
  ]);
});

Deno.test("gpu_status_empty: EMPTY from an empty CAT", async () => {
  const { replay, backend, client } = await replayClient("gpu_status_empty");
  const audit = new CohesixAudit();
  assert.equal(await client.gpuStatus("GPU-0", { audit }), "EMPTY");
  await finish(replay, backend, "gpu_status_empty");
  assert.deepEqual(audit.lines, printed("gpu_status_empty"));
});

Deno.test("gpu_lease: the recorded spawn payload, client-side bytes=94", async () => {
  const { replay, backend, client } = await replayClient("gpu_lease");
  const audit = new CohesixAudit();
  await client.gpuLease({ gpuId: "GPU-0", memMb: 4096, streams: 2, ttlS: 120, priority: 1 }, {
    audit,
  });
  await finish(replay, backend, "gpu_lease");
  assert.deepEqual(audit.lines, printed("gpu_lease"));
});

Deno.test("run_echo_ok: lease read, START and EXIT breadcrumbs around `echo ok`", async () => {
  const { replay, backend, client } = await replayClient("run_echo_ok");
  const audit = new CohesixAudit();
  await client.runCommand("GPU-0", ["echo", "ok"], { audit });
  await finish(replay, backend, "run_echo_ok");
  assert.deepEqual(audit.lines, printed("run_echo_ok", ["ok"]));
});

Deno.test("gpu_status_after_run: the EXIT breadcrumb is the status", async () => {
  const { replay, backend, client } = await replayClient("gpu_status_after_run");
  const audit = new CohesixAudit();
  const status = await client.gpuStatus("GPU-0", { audit });
  await finish(replay, backend, "gpu_status_after_run");
  assert.deepEqual(audit.lines, printed("gpu_status_after_run"));
  assert.equal(JSON.parse(status).event, "EXIT");
});

Deno.test("worker_list_kill: list, read lease, queenKill, list again", async () => {
  const scenario = "worker_list_kill";
  const { replay, backend, client } = await replayClient(scenario);
  const audit = new CohesixAudit();
  const before = await backend.listDir("/worker");
  const lease = decoder.decode(await backend.readFile("/gpu/GPU-0/lease", 1024));
  await client.queenKill(JSON.parse(lease).worker_id, { audit });
  const after = await backend.listDir("/worker");
  await finish(replay, backend, scenario);

  const lines = printed(scenario);
  assert.deepEqual(before, [lines[lines.indexOf("[console] OK LS path=/worker entries=1") + 1]]);
  assert.ok(lines.includes(lease), "the lease line cohsh printed");
  assert.deepEqual(after, []);
  // cohsh printed the Queen's ack (payload without newline); coh/Python report the caller's
  // byte count, newline included.
  const server = lines.find((l) => l.startsWith("[console] OK ECHO path=/queen/ctl"))!;
  const serverBytes = Number(/bytes=(\d+)$/.exec(server)![1]);
  assert.deepEqual(audit.lines, [
    `OK ECHO path=/queen/ctl bytes=${serverBytes + 1}`,
    "kill requested worker_id=worker-1",
  ]);
});

for (const scenario of ["telemetry_push_new_device", "telemetry_push_second"]) {
  Deno.test(`${scenario}: cohsh's ctl / latest / record sequence`, async () => {
    const { replay, backend, client } = await replayClient(scenario);
    const audit = new CohesixAudit();
    const result = await client.telemetryPush(
      "device-1",
      "telemetry demo line 1\ntelemetry demo line 2\n",
      { audit },
    );
    await finish(replay, backend, scenario);
    const summary = printed(scenario).find((l) => l.includes("OK TELEMETRY action=push"))!;
    const fields = Object.fromEntries(
      summary.replace(/^.*OK TELEMETRY /, "").split(" ").map((kv) => kv.split("=")),
    );
    assert.deepEqual(result, {
      deviceId: fields.device,
      segId: fields.seg_id,
      records: Number(fields.records),
      bytes: Number(fields.bytes),
    });
    const ctl = "/queen/telemetry/device-1/ctl";
    const seg = `/queen/telemetry/device-1/seg/${fields.seg_id}`;
    assert.deepEqual(audit.lines, [
      `OK ECHO path=${ctl} bytes=38`,
      `OK ECHO path=${seg} bytes=${fields.bytes}`,
      `telemetry push device=${fields.device} seg_id=${fields.seg_id} records=${fields.records} ` +
      `bytes=${fields.bytes}`,
    ]);
  });
}

Deno.test("telemetry_pull: coh's lines and the saved segment files", async () => {
  const out = await Deno.makeTempDir({ prefix: "cohesix-pull-" });
  try {
    const { replay, backend, client } = await replayClient("telemetry_pull");
    const audit = new CohesixAudit();
    const result = await client.telemetryPull(out, { audit });
    await finish(replay, backend, "telemetry_pull");
    assert.deepEqual(audit.lines, printed("telemetry_pull"));
    assert.deepEqual(result, { devices: 1, segments: 2, bytes: 246 });
    const record = readRecording("telemetry_pull").filter((e): e is Frame =>
      "hex" in e && e.dir === "s2c" && e.text.startsWith('{"schema"')
    ).map((e) => e.text);
    assert.equal(record.length, 2);
    for (const [i, seg] of ["seg-000001", "seg-000002"].entries()) {
      assert.equal(await Deno.readTextFile(`${out}/device-1/seg/${seg}`), record[i]);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
