import assert from "node:assert/strict";
import { LimitError, ValidationError } from "../core/errors.ts";
import { DEFAULT_MODEL_CATALOG, loadModelCatalog } from "./model_catalog.ts";

async function registry(models: Record<string, string | null>, active?: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cohesix-catalog-" });
  for (const [id, manifest] of Object.entries(models)) {
    await Deno.mkdir(`${root}/available/${id}`, { recursive: true });
    if (manifest !== null) {
      await Deno.writeTextFile(`${root}/available/${id}/manifest.toml`, manifest);
    }
  }
  if (active !== undefined) await Deno.writeTextFile(`${root}/active`, active);
  return root;
}

Deno.test("models are sorted by id in byte order; directories without a manifest are skipped", async () => {
  const root = await registry({ alpha: "a", Mid: "m", "b-none": null, "a-1": "x" });
  try {
    const catalog = await loadModelCatalog(root);
    assert.deepEqual(catalog.models.map((m) => m.id), ["Mid", "a-1", "alpha"]);
    assert.equal(catalog.active, "Mid");
    assert.equal(catalog.source, "registry");
    assert.equal(catalog.models[2]!.manifest, "a");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a model id the Queen cannot serve is refused", async () => {
  const root = await registry({ "é-model": "e" });
  try {
    await assert.rejects(loadModelCatalog(root), ValidationError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the active pointer: first non-empty trimmed line if it names a model, else the first", async () => {
  const cases: [string | undefined, string][] = [
    [undefined, "a"],
    ["\n  b  \nc\n", "b"],
    ["unknown\n", "a"],
    ["", "a"],
    [`${"b".repeat(200)}\n`, "a"],
  ];
  for (const [active, expected] of cases) {
    const root = await registry({ b: "B", a: "A" }, active);
    try {
      assert.equal((await loadModelCatalog(root)).active, expected, JSON.stringify(active));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
});

Deno.test("no models (or no available/) publishes upstream's default catalogue", async () => {
  for (const models of [{}, { empty: null }]) {
    const root = await registry(models);
    try {
      assert.equal(await loadModelCatalog(root), DEFAULT_MODEL_CATALOG);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
  assert.equal(await loadModelCatalog("/nonexistent/registry"), DEFAULT_MODEL_CATALOG);
});

Deno.test("an oversized or non-UTF-8 manifest is refused, not silently replaced", async () => {
  const root = await registry({ big: "x".repeat(8193) });
  try {
    await assert.rejects(loadModelCatalog(root), LimitError);
    await Deno.writeFile(`${root}/available/big/manifest.toml`, new Uint8Array([0xff, 0xfe]));
    await assert.rejects(loadModelCatalog(root), /is not UTF-8/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
