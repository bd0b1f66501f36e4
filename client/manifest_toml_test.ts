import assert from "node:assert/strict";
import { sha256Hex } from "../core/sha256.ts";
import { baseValue, renderManifest, tomlString } from "./manifest_toml.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const digest = (text: string) => ({ sha256: sha256Hex(enc(text)), bytes: enc(text).length });

// Inputs of Python's `peft_roundtrip --mock` (OPERATIONS.md §4.9) and their published hashes.
const ADAPTER = digest("adapter-bytes");
const LORA = digest('{"rank":8}');
const METRICS = digest('{"loss":0.02}');
const POLICY = digest('[policy]\nname = "default"\n');
const TELEMETRY = digest("telemetry-v1\n");

Deno.test("input digests match the §4.9 worked example", () => {
  assert.deepEqual(ADAPTER, {
    sha256: "cd06a2d3968bd0a5ed8d1a66b3bb8f27a0b58d2f99d9b3921a2f9ed778d489a3",
    bytes: 13,
  });
  assert.equal(LORA.sha256, "fd6fa1f57597df6436cbf33e3206354d2efb234c9c35a86c352a435eabeab74e");
  assert.equal(METRICS.sha256, "580754d963f9ef2444b386beef37d20b1de774fefd10a2a46127511cb29e0406");
  assert.equal(POLICY.sha256, "b997a4a3dd512f33541538501cf6202030f0d8454afcf47e7d272fe375249bba");
  assert.equal(
    TELEMETRY.sha256,
    "7a305f1ba7c30767771c559cdb7a49126a8e54b35d8971236b16ef5f82e0fe98",
  );
  assert.deepEqual([LORA.bytes, METRICS.bytes, POLICY.bytes, TELEMETRY.bytes], [10, 13, 26, 13]);
});

const BASE = {
  modelId: "llama3-edge-v7",
  base: "vision-base-v1",
  jobId: "job_8932",
  adapter: ADAPTER,
  lora: LORA,
  policy: POLICY,
  telemetry: TELEMETRY,
};

Deno.test("manifest with metrics renders 706 bytes in the exact layout", () => {
  const text = renderManifest({ ...BASE, metrics: METRICS });
  assert.equal(enc(text).length, 706);
  assert.equal(
    text,
    [
      "[model]",
      'id = "llama3-edge-v7"',
      'base = "vision-base-v1"',
      'adapter = "adapter.safetensors"',
      'lora = "lora.json"',
      'metrics = "metrics.json"',
      "",
      "[provenance]",
      'job_id = "job_8932"',
      'approval = "pending"',
      "",
      "[hashes]",
      `adapter_sha256 = "${ADAPTER.sha256}"`,
      "adapter_bytes = 13",
      `lora_sha256 = "${LORA.sha256}"`,
      "lora_bytes = 10",
      `metrics_sha256 = "${METRICS.sha256}"`,
      "metrics_bytes = 13",
      `policy_sha256 = "${POLICY.sha256}"`,
      "policy_bytes = 26",
      `telemetry_sha256 = "${TELEMETRY.sha256}"`,
      "telemetry_bytes = 13",
      "",
    ].join("\n"),
  );
});

// OPERATIONS.md §4.9 says 575 bytes for "the same inputs without metrics", but the layout it
// specifies gives 706 − 25 − 84 − 19 = 578 (the three metrics lines); reported upstream.
Deno.test("manifest without metrics is the 706-byte one minus its three metrics lines", () => {
  const text = renderManifest(BASE);
  const withMetrics = renderManifest({ ...BASE, metrics: METRICS });
  const expected = withMetrics.split("\n").filter((line) => !line.startsWith("metrics")).join("\n");
  assert.equal(text, expected);
  assert.equal(enc(text).length, 578);
  assert.ok(!text.includes("metrics"));
  assert.ok(text.endsWith("telemetry_bytes = 13\n"));
});

Deno.test("tomlString is verbatim for plain text and escapes the rest", () => {
  assert.equal(tomlString("vision-base-v1"), '"vision-base-v1"');
  assert.equal(tomlString("été"), '"été"');
  assert.equal(tomlString('a"b\\c\nd\u0001'), '"a\\"b\\\\c\\nd\\u0001"');
});

Deno.test("the base name keeps coh's literal backslash-n (coh peft export --mock) verbatim", () => {
  // base_model.ref of a coh --mock export is `vision-base-v1\n` with a literal backslash-n.
  assert.equal(baseValue("vision-base-v1\\n"), '"vision-base-v1\\n"');
  assert.equal(baseValue("vision-base-v1"), '"vision-base-v1"');
  // Something that would not be a TOML string at all is still escaped in full.
  assert.equal(baseValue('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(baseValue("a\u0001"), '"a\\u0001"');
});
