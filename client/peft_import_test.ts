import assert from "node:assert/strict";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError, OperationError, ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { peftImport } from "./peft_import.ts";

interface Layout {
  root: string;
  adapterDir: string;
  exportRoot: string;
  registryRoot: string;
}

async function layout(metrics = true): Promise<Layout> {
  const root = await Deno.makeTempDir();
  const adapterDir = `${root}/adapter`;
  const exportRoot = `${root}/export`;
  await Deno.mkdir(adapterDir);
  await Deno.mkdir(`${exportRoot}/job_8932`, { recursive: true });
  await Deno.writeTextFile(`${adapterDir}/adapter.safetensors`, "adapter-bytes");
  await Deno.writeTextFile(`${adapterDir}/lora.json`, '{"rank":8}');
  if (metrics) await Deno.writeTextFile(`${adapterDir}/metrics.json`, '{"loss":0.02}');
  await Deno.writeTextFile(`${exportRoot}/job_8932/telemetry.cbor`, "telemetry-v1\n");
  await Deno.writeTextFile(`${exportRoot}/job_8932/base_model.ref`, "\n vision-base-v1 \nx\n");
  await Deno.writeTextFile(`${exportRoot}/job_8932/policy.toml`, '[policy]\nname = "default"\n');
  return { root, adapterDir, exportRoot, registryRoot: `${root}/registry` };
}

function args(l: Layout, modelId = "llama3-edge-v7") {
  return {
    modelId,
    adapterDir: l.adapterDir,
    exportRoot: l.exportRoot,
    jobId: "job_8932",
    registryRoot: l.registryRoot,
  };
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      out.push(...listTree(`${dir}/${entry.name}`).map((n) => `${entry.name}/${n}`));
    } else out.push(entry.name);
  }
  return out.sort();
}

Deno.test("import copies the adapter files and writes the 706-byte manifest", async () => {
  const l = await layout();
  try {
    const audit = new CohesixAudit();
    const result = await peftImport(DEFAULTS, args(l), { audit });
    const manifestPath = `${l.registryRoot}/available/llama3-edge-v7/manifest.toml`;
    assert.deepEqual(result, { modelId: "llama3-edge-v7", manifestPath, adapterBytes: 13 });
    assert.deepEqual(audit.lines, [`peft import model=llama3-edge-v7 manifest=${manifestPath}`]);
    const manifest = await Deno.readFile(manifestPath);
    assert.equal(manifest.length, 706);
    const text = new TextDecoder().decode(manifest);
    assert.ok(text.includes('base = "vision-base-v1"\n'));
    assert.ok(
      text.includes(
        'adapter_sha256 = "cd06a2d3968bd0a5ed8d1a66b3bb8f27a0b58d2f99d9b3921a2f9ed778d489a3"',
      ),
    );
    assert.deepEqual(listTree(l.registryRoot), [
      "available/llama3-edge-v7/adapter.safetensors",
      "available/llama3-edge-v7/lora.json",
      "available/llama3-edge-v7/manifest.toml",
      "available/llama3-edge-v7/metrics.json",
    ]);
    assert.equal(
      await Deno.readTextFile(`${l.registryRoot}/available/llama3-edge-v7/adapter.safetensors`),
      "adapter-bytes",
    );
    // Not idempotent, as upstream: a second import of the same id fails.
    await assert.rejects(
      peftImport(DEFAULTS, args(l)),
      (e: unknown) =>
        e instanceof OperationError &&
        e.message.startsWith("model llama3-edge-v7 already imported"),
    );
  } finally {
    await Deno.remove(l.root, { recursive: true });
  }
});

Deno.test("import without metrics writes no metrics file or lines (578 bytes)", async () => {
  const l = await layout(false);
  try {
    const result = await peftImport(DEFAULTS, args(l, "llama3-edge-v6"));
    const manifest = await Deno.readTextFile(result.manifestPath);
    assert.equal(new TextEncoder().encode(manifest).length, 578);
    assert.ok(!manifest.includes("metrics"));
    assert.ok(manifest.startsWith('[model]\nid = "llama3-edge-v6"\n'));
  } finally {
    await Deno.remove(l.root, { recursive: true });
  }
});

Deno.test("import checks inputs with coh's messages", async () => {
  const l = await layout();
  try {
    await assert.rejects(peftImport(DEFAULTS, { ...args(l), modelId: "a/b" }), ValidationError);
    await assert.rejects(peftImport(DEFAULTS, { ...args(l), jobId: "m".repeat(129) }), LimitError);
    await assert.rejects(
      peftImport(DEFAULTS, { ...args(l), adapterDir: `${l.root}/nope` }),
      new RegExp(`adapter directory ${l.root}/nope does not exist`),
    );
    await assert.rejects(
      peftImport(DEFAULTS, { ...args(l), jobId: "job_1" }),
      /export job directory .*job_1 does not exist/,
    );
    await Deno.remove(`${l.adapterDir}/lora.json`);
    await assert.rejects(peftImport(DEFAULTS, args(l)), /missing lora metadata file .*lora.json/);
    await Deno.writeTextFile(`${l.adapterDir}/lora.json`, "");
    await assert.rejects(peftImport(DEFAULTS, args(l)), /lora.json is empty/);
    await Deno.remove(`${l.adapterDir}/adapter.safetensors`);
    await assert.rejects(
      peftImport(DEFAULTS, args(l)),
      /missing adapter file .*adapter.safetensors/,
    );
    await Deno.writeTextFile(`${l.exportRoot}/job_8932/base_model.ref`, " \n\n");
    await assert.rejects(peftImport(DEFAULTS, args(l)), /base_model.ref is empty/);
    await Deno.remove(`${l.exportRoot}/job_8932/policy.toml`);
    await Deno.writeTextFile(`${l.exportRoot}/job_8932/base_model.ref`, "b\n");
    await assert.rejects(peftImport(DEFAULTS, args(l)), /open .*policy.toml/);
    await assert.rejects(Deno.stat(l.registryRoot), Deno.errors.NotFound);
  } finally {
    await Deno.remove(l.root, { recursive: true });
  }
});

Deno.test("an adapter above max_adapter_bytes is refused and leaves no file behind", async () => {
  const l = await layout();
  try {
    const small: CohesixDefaults = {
      ...DEFAULTS,
      coh: {
        ...DEFAULTS.coh,
        peft: {
          ...DEFAULTS.coh.peft,
          import: { ...DEFAULTS.coh.peft.import, maxAdapterBytes: 12 },
        },
      },
    };
    await assert.rejects(
      peftImport(small, args(l)),
      (e: unknown) =>
        e instanceof LimitError && e.limit === "coh.peft.import.max_adapter_bytes" && e.max === 12,
    );
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(l.root))).map((e) => e.name).sort(),
      ["adapter", "export"],
    );
  } finally {
    await Deno.remove(l.root, { recursive: true });
  }
});

Deno.test("a large adapter is stream-copied and hashed (not read whole)", async () => {
  const l = await layout(false);
  try {
    const chunk = new Uint8Array(1 << 20).fill(0x61);
    const file = await Deno.open(`${l.adapterDir}/adapter.safetensors`, {
      write: true,
      truncate: true,
    });
    for (let i = 0; i < 3; i++) await file.write(chunk);
    file.close();
    const result = await peftImport(DEFAULTS, args(l));
    assert.equal(result.adapterBytes, 3 << 20);
    const copy = await Deno.stat(`${l.registryRoot}/available/llama3-edge-v7/adapter.safetensors`);
    assert.equal(copy.size, 3 << 20);
    const manifest = await Deno.readTextFile(result.manifestPath);
    assert.ok(manifest.includes(`adapter_bytes = ${3 << 20}\n`));
  } finally {
    await Deno.remove(l.root, { recursive: true });
  }
});

Deno.test("a failure after the copies (manifest over its cap) leaves no model files behind", async () => {
  const l = await layout();
  try {
    const small: CohesixDefaults = {
      ...DEFAULTS,
      coh: {
        ...DEFAULTS.coh,
        peft: {
          ...DEFAULTS.coh.peft,
          import: { ...DEFAULTS.coh.peft.import, maxManifestBytes: 705 },
        },
      },
    };
    await assert.rejects(
      peftImport(small, args(l)),
      (e: unknown) =>
        e instanceof LimitError && e.limit === "coh.peft.import.max_manifest_bytes" &&
        e.max === 705,
    );
    assert.deepEqual(listTree(l.root).filter((name) => !/^(adapter|export)\//.test(name)), []);
    // At the bound it is accepted (the manifest is exactly 706 bytes).
    const exact: CohesixDefaults = {
      ...small,
      coh: {
        ...small.coh,
        peft: { ...small.coh.peft, import: { ...small.coh.peft.import, maxManifestBytes: 706 } },
      },
    };
    const result = await peftImport(exact, args(l));
    assert.equal((await Deno.readFile(result.manifestPath)).length, 706);
  } finally {
    await Deno.remove(l.root, { recursive: true });
  }
});

Deno.test("lora and metrics files one past their caps are refused before anything is copied", async () => {
  for (
    const [file, key, limit] of [
      ["lora.json", "maxLoraBytes", "coh.peft.import.max_lora_bytes"],
      ["metrics.json", "maxMetricsBytes", "coh.peft.import.max_metrics_bytes"],
    ] as const
  ) {
    const l = await layout();
    try {
      const size = (await Deno.stat(`${l.adapterDir}/${file}`)).size;
      const at = (max: number): CohesixDefaults => ({
        ...DEFAULTS,
        coh: {
          ...DEFAULTS.coh,
          peft: {
            ...DEFAULTS.coh.peft,
            import: { ...DEFAULTS.coh.peft.import, [key]: max },
          },
        },
      });
      await assert.rejects(
        peftImport(at(size - 1), args(l)),
        (e: unknown) => e instanceof LimitError && e.limit === limit && e.max === size - 1,
      );
      await assert.rejects(Deno.stat(l.registryRoot), Deno.errors.NotFound);
      await peftImport(at(size), args(l));
    } finally {
      await Deno.remove(l.root, { recursive: true });
    }
  }
});
