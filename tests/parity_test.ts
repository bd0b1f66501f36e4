/**
 * Parity with the upstream golden transcripts (OPERATIONS.md §9): the three client scenarios run
 * through the public client API on `MockBackend` and, after the §9.1 normalisation, produce the
 * fixture files byte for byte.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MockBackend } from "../backends/mock.ts";
import { TicketError, ValidationError } from "../core/errors.ts";
import { CohesixAudit, normalizeTranscript } from "../client/audit.ts";
import { CohesixClient } from "../client/client.ts";
import { validateTicketForRole } from "../wire/ticket.ts";
import { readFixture } from "./fixtures.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Fixture text, after checking it is the file upstream pins (OPERATIONS.md §9.1 hashes). */
function golden(name: string, sha256Prefix: string): string {
  const text = readFixture(`transcripts/${name}`);
  const hash = createHash("sha256").update(text).digest("hex");
  assert.ok(hash.startsWith(sha256Prefix), `${name} is not the pinned fixture (${hash})`);
  return text;
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cohesix-parity-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("converge_v0/coh.txt: gpu list, lease, telemetry pull", async () => {
  await withTemp(async (dir) => {
    await using mock = new MockBackend();
    const client = new CohesixClient(mock);
    const audit = new CohesixAudit();
    const gpus = await client.gpuList({ audit });
    assert.deepEqual(gpus.map((g) => g.id), ["GPU-0", "GPU-1"]);
    await client.gpuLease(
      { gpuId: "GPU-0", memMb: 4096, streams: 2, ttlS: 120, priority: 1 },
      { audit },
    );
    const pulled = await client.telemetryPull(`${dir}/pull`, { audit });
    assert.deepEqual(pulled, { devices: 1, segments: 1, bytes: 9 });
    assert.equal(
      await Deno.readTextFile(`${dir}/pull/device-1/seg/seg-000001`),
      '{"seq":1}',
    );
    assert.equal(audit.toTranscript(), golden("converge_v0/coh.txt", "96b57611"));
    // Human lines were interleaved but dropped by the normalisation.
    assert.ok(audit.lines.includes("lease requested gpu_id=GPU-0 mem_mb=4096 streams=2 ttl_s=120"));
  });
});

Deno.test("run_demo_v0/cohsh.txt: harness lease, run echo ok, status read, release", async () => {
  await using mock = new MockBackend();
  const client = new CohesixClient(mock);
  const audit = new CohesixAudit();
  const lease = (state: string) =>
    `{"schema":"gpu-lease/v1","state":"${state}","gpu_id":"GPU-0","worker_id":"worker-1",` +
    `"mem_mb":1024,"streams":1,"ttl_s":60,"priority":1}\n`;
  // The harness writes its 133-byte lease line past the console's 128-byte ECHO cap, directly.
  const active = lease("ACTIVE");
  mock.namespace.append("/gpu/GPU-0/lease", active);
  audit.pushAck("OK", "ECHO", `path=/gpu/GPU-0/lease bytes=${encoder.encode(active).length}`);

  await client.runCommand("GPU-0", ["echo", "ok"], { audit });

  const status = decoder.decode(await mock.readFile("/gpu/GPU-0/status", 65536));
  audit.pushAck("OK", "CAT", "path=/gpu/GPU-0/status");
  assert.deepEqual(status.split("\n").map((l) => JSON.parse(l).event), ["START", "EXIT"]);
  assert.equal(await client.gpuStatus("GPU-0"), status.split("\n")[1]);

  const released = lease("RELEASED");
  mock.namespace.append("/gpu/GPU-0/lease", released);
  audit.pushAck("OK", "ECHO", `path=/gpu/GPU-0/lease bytes=${encoder.encode(released).length}`);

  assert.equal(audit.toTranscript(), golden("run_demo_v0/cohsh.txt", "d429aa09"));
  // After the release the run refuses, without writing a breadcrumb.
  await assert.rejects(client.runCommand("GPU-0", ["echo", "ok"]), /no active lease for gpu GPU-0/);
  assert.equal(decoder.decode(await mock.readFile("/gpu/GPU-0/status", 65536)), status);
});

Deno.test("peft_roundtrip_v0/cohsh.txt: export, import ×2, activate ×2, rollback", async () => {
  await withTemp(async (dir) => {
    await using mock = new MockBackend();
    const client = new CohesixClient(mock);
    const audit = new CohesixAudit();
    const adapterDir = `${dir}/adapter`;
    await Deno.mkdir(adapterDir);
    await Deno.writeTextFile(`${adapterDir}/adapter.safetensors`, "adapter-bytes");
    await Deno.writeTextFile(`${adapterDir}/lora.json`, '{"rank":8}');
    await Deno.writeTextFile(`${adapterDir}/metrics.json`, '{"loss":0.02}');
    const exportRoot = `${dir}/export`;
    const registryRoot = `${dir}/registry`;

    await client.peftExport("job_8932", exportRoot, { audit });
    const common = { adapterDir, exportRoot, jobId: "job_8932", registryRoot };
    const imported = await client.peftImport({ modelId: "llama3-edge-v7", ...common }, { audit });
    assert.equal((await Deno.readFile(imported.manifestPath)).length, 706);
    await client.peftImport({ modelId: "llama3-edge-v6", ...common });
    await client.peftActivate("llama3-edge-v6", registryRoot);

    await mock.readFile("/gpu/models/available/llama3-edge-v7/manifest.toml", 8192);
    audit.pushAck("OK", "CAT", "path=/gpu/models/available/llama3-edge-v7/manifest.toml");

    await client.peftActivate("llama3-edge-v7", registryRoot, { audit });
    await client.peftRollback(registryRoot, { audit });

    assert.equal(audit.toTranscript(), golden("peft_roundtrip_v0/cohsh.txt", "a761096d"));
    assert.deepEqual(normalizeTranscript(audit.lines).length, 8);
    assert.ok(audit.lines.includes("peft rollback from=llama3-edge-v7 to=llama3-edge-v6"));
    assert.equal(await Deno.readTextFile(`${registryRoot}/active`), "llama3-edge-v6\n");
    assert.equal(
      await Deno.readTextFile(`${registryRoot}/active_state.toml`),
      'current = "llama3-edge-v6"\nprevious = "llama3-edge-v7"\n',
    );
    // The Queen saw v6, v7, v6 (activate without audit still writes).
    const active = decoder.decode(await mock.readFile("/gpu/models/active", 4096));
    assert.deepEqual(active.split("\n"), ["llama3-edge-v6", "llama3-edge-v7", "llama3-edge-v6"]);
  });
});

Deno.test("an invalid ticket is refused before any connection", () => {
  assert.throws(() => validateTicketForRole("worker-gpu", undefined), TicketError);
  assert.throws(() => validateTicketForRole("worker-gpu", "not-a-ticket"), ValidationError);
  assert.throws(() => validateTicketForRole("queen", "cohesix-ticket-zz.00"), ValidationError);
  assert.throws(
    () => validateTicketForRole("queen", `cohesix-ticket-${"0".repeat(300)}`),
    ValidationError,
  );
  // The PROTOCOL.md §8.6 worker-gpu vector fits its role but not another.
  const gpu =
    "cohesix-ticket-01020e4000000000000000780000000000000005006770752d610068e5cf8b01000000000000.352524c5ddeca8645d57fc94b60d2395db923b9700efb3549aaef6ce6d77aaac";
  assert.equal(validateTicketForRole("worker-gpu", ` ${gpu} `), gpu);
  assert.throws(() => validateTicketForRole("worker-heartbeat", gpu), TicketError);
  assert.equal(validateTicketForRole("queen", ""), undefined);
});
