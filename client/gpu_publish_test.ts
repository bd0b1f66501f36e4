import assert from "node:assert/strict";
import { MockBackend } from "../backends/mock.ts";
import { PublishError, ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { CohesixClient } from "./client.ts";
import { mockInventoryNodes } from "./gpu_publish.ts";
import { peftImport } from "./peft_import.ts";
import { DEFAULTS } from "../core/defaults.ts";

const text = new TextDecoder();

async function demoRegistry(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cohesix-publish-" });
  for (const id of ["zeta", "alpha"]) {
    await Deno.mkdir(`${root}/available/${id}`, { recursive: true });
    await Deno.writeTextFile(`${root}/available/${id}/manifest.toml`, `[model]\nid = "${id}"\n`);
  }
  await Deno.writeTextFile(`${root}/active`, "zeta\n");
  return root;
}

Deno.test("gpuPublish replaces the Queen's /gpu with the inventory and the registry", async () => {
  const root = await demoRegistry();
  try {
    await using backend = new MockBackend({ seed: "queen" });
    const client = new CohesixClient(backend);
    await backend.writeAppend(
      "/queen/ctl",
      new TextEncoder().encode(
        '{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":1,"streams":1,"ttl_s":1}}',
      ),
    );
    const audit = new CohesixAudit();
    const result = await client.gpuPublish({ registryRoot: root }, { audit });
    assert.deepEqual(audit.lines, [
      `OK ECHO path=/gpu/bridge/ctl bytes=${result.bytes} sha256=${result.sha256}`,
    ]);
    assert.equal(result.status, `state=ok bytes=${result.bytes} sha256=${result.sha256}`);
    assert.deepEqual(await backend.listDir("/gpu"), [
      "bridge",
      "models",
      "telemetry",
      "GPU-0",
      "GPU-1",
    ]);
    assert.deepEqual(await backend.listDir("/gpu/models/available"), ["alpha", "zeta"]);
    assert.equal(text.decode(await backend.readFile("/gpu/models/active", 4096)), "zeta");
    assert.equal(text.decode(await backend.readFile("/gpu/GPU-1/lease", 1024)), "");
    assert.deepEqual(
      await client.gpuList(),
      await new CohesixClient(new MockBackend({ seed: "queen" })).gpuList(),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a refused publish line is a PublishError quoting the refusal and the status", async () => {
  await using backend = new MockBackend({ seed: "queen" });
  await backend.writeAppend("/queen/lifecycle/ctl", new TextEncoder().encode("cordon"));
  const audit = new CohesixAudit();
  const error = await new CohesixClient(backend).gpuPublish({}, { audit })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof PublishError, String(error));
  assert.match(error.message, /publish line 1 of 18 was refused: ERR ECHO .*detail=denied/);
  assert.equal(error.statusLine, "state=idle");
  assert.match(error.message, /ONLINE or DEGRADED/);
  assert.deepEqual(audit.lines, []);
});

Deno.test("peftImport with publish: import, then the publish ack, then coh's import line", async () => {
  const root = await Deno.makeTempDir({ prefix: "cohesix-import-publish-" });
  try {
    await Deno.mkdir(`${root}/adapter`);
    await Deno.mkdir(`${root}/export/job_1`, { recursive: true });
    await Deno.writeTextFile(`${root}/adapter/adapter.safetensors`, "adapter-bytes");
    await Deno.writeTextFile(`${root}/adapter/lora.json`, '{"rank":8}');
    await Deno.writeTextFile(`${root}/export/job_1/telemetry.cbor`, "telemetry-v1\n");
    await Deno.writeTextFile(`${root}/export/job_1/base_model.ref`, "vision-base-v1\n");
    await Deno.writeTextFile(`${root}/export/job_1/policy.toml`, "[policy]\n");
    const args = {
      modelId: "demo-model",
      adapterDir: `${root}/adapter`,
      exportRoot: `${root}/export`,
      jobId: "job_1",
      registryRoot: `${root}/registry`,
    };
    await using backend = new MockBackend({ seed: "queen" });
    const audit = new CohesixAudit();
    const result = await new CohesixClient(backend).peftImport(args, { audit, publish: true });
    assert.ok(result.published !== undefined);
    assert.deepEqual(audit.lines, [
      `OK ECHO path=/gpu/bridge/ctl bytes=${result.published.bytes} sha256=${result.published.sha256}`,
      `peft import model=demo-model manifest=${root}/registry/available/demo-model/manifest.toml`,
    ]);
    assert.deepEqual(result.published.gpus, mockInventoryNodes().map((n) => n.id));
    assert.deepEqual(await backend.listDir("/gpu/models/available"), ["demo-model"]);

    // The free function needs to be told where to publish.
    await assert.rejects(
      peftImport(DEFAULTS, { ...args, modelId: "other" }, { publish: true }),
      ValidationError,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
