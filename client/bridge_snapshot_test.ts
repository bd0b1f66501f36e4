import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { parseBridgeSnapshot } from "../queen/bridge_wire.ts";
import { readFixture, readRecording } from "../tests/fixtures.ts";
import { buildBridgeSnapshot, TELEMETRY_SCHEMA_DESCRIPTOR } from "./bridge_snapshot.ts";
import { bridgeNodeOf, MOCK_GPU_INVENTORY } from "./gpu_inventory.ts";
import { DEFAULT_MODEL_CATALOG, type ModelCatalog } from "./model_catalog.ts";

const MOCK_NODES = MOCK_GPU_INVENTORY.map(bridgeNodeOf);
const RECORDED_CATALOG: ModelCatalog = {
  models: [{ id: "demo-model", manifest: readFixture("live2/bridge_publish_mock.manifest.toml") }],
  active: "demo-model",
  source: "registry",
};

Deno.test("the recorded publish: same lines, bytes and sha256 as gpu-bridge-host", () => {
  const recorded = readRecording("bridge_publish_mock", "live2")
    .flatMap((e) => "text" in e && e.dir === "c2s" && e.text.startsWith("ECHO ") ? [e.text] : [])
    .map((text) => text.slice("ECHO /gpu/bridge/ctl ".length));
  const snapshot = buildBridgeSnapshot(MOCK_NODES, RECORDED_CATALOG);
  assert.deepEqual(snapshot.lines, recorded);
  assert.equal(snapshot.bytes.length, 1723);
  assert.equal(
    snapshot.sha256,
    "ffd656d9cf57b2a6f473d9b698e269f493187f65441bd64e1042bafb31fdb9d5",
  );
  assert.ok(snapshot.lines.slice(1, -1).every((line) => line.length <= 128));
});

Deno.test("the default catalogue with the mock inventory is CLI.md's golden vector", () => {
  const snapshot = buildBridgeSnapshot(MOCK_NODES, DEFAULT_MODEL_CATALOG);
  assert.equal(snapshot.bytes.length, 1477);
  assert.equal(
    snapshot.sha256,
    "704821d10bbd99487459a9df07ce769a6bb2c781c7661a31f0214021ba272e1b",
  );
  // 1972 base64 characters: 16 chunks, so 18 lines.
  assert.equal(snapshot.lines.length, 18);
  assert.match(snapshot.text, /lease= status=\n/);
});

Deno.test("the telemetry descriptor is upstream's 247 bytes and round-trips", () => {
  assert.equal(TELEMETRY_SCHEMA_DESCRIPTOR.length, 247);
  const snapshot = buildBridgeSnapshot(MOCK_NODES, RECORDED_CATALOG);
  const parsed = parseBridgeSnapshot(snapshot.bytes);
  assert.equal(parsed.telemetrySchema, TELEMETRY_SCHEMA_DESCRIPTOR);
  assert.deepEqual(parsed.nodes, MOCK_NODES);
  assert.deepEqual(parsed.models, RECORDED_CATALOG.models);
});

Deno.test("chunks follow console.max_echo_len: ((max − 4) / 4) × 4 characters", () => {
  const small = { ...DEFAULTS, console: { ...DEFAULTS.console, maxEchoLen: 64 } };
  const snapshot = buildBridgeSnapshot(MOCK_NODES, DEFAULT_MODEL_CATALOG, small);
  assert.equal(snapshot.lines[1]!.length, 4 + 60);
  assert.throws(
    () =>
      buildBridgeSnapshot(MOCK_NODES, DEFAULT_MODEL_CATALOG, {
        ...DEFAULTS,
        console: { ...DEFAULTS.console, maxEchoLen: 7 },
      }),
    ValidationError,
  );
});

Deno.test("what the Queen would reject is refused before sending", () => {
  const big = { id: "big", manifest: "x".repeat(8193) };
  assert.throws(
    () => buildBridgeSnapshot(MOCK_NODES, { models: [big], active: "big", source: "registry" }),
    (e: unknown) => e instanceof LimitError && e.limit === "gpu_bridge.max_manifest_bytes",
  );
  // 64 models of 1.5 KiB fit each manifest bound but not the 128 KiB ctl log / snapshot.
  const many = Array.from({ length: 64 }, (_, i) => ({
    id: `m${String(i).padStart(2, "0")}`,
    manifest: "y".repeat(1536),
  }));
  assert.throws(
    () => buildBridgeSnapshot(MOCK_NODES, { models: many, active: "m00", source: "registry" }),
    (e: unknown) => e instanceof LimitError && e.limit.startsWith("gpu_bridge.max_"),
  );
  for (const id of ["has space", "a/b", "..", "x".repeat(129)]) {
    assert.throws(
      () =>
        buildBridgeSnapshot(MOCK_NODES, {
          models: [{ id, manifest: "m" }],
          active: id,
          source: "registry",
        }),
      ValidationError,
      id,
    );
  }
  for (const id of ["bridge", "models", "telemetry"]) {
    assert.throws(
      () => buildBridgeSnapshot([{ ...MOCK_NODES[0]!, id }], DEFAULT_MODEL_CATALOG),
      ValidationError,
    );
  }
  assert.throws(
    () => buildBridgeSnapshot([MOCK_NODES[0]!, MOCK_NODES[0]!], DEFAULT_MODEL_CATALOG),
    /each GPU id may appear once/,
  );
});
