import assert from "node:assert/strict";
import { sha256Hex } from "../core/sha256.ts";
import { base64OfText, parseBridgeSnapshot, renderBridgeSnapshot } from "./bridge_wire.ts";
import { NamespaceError } from "./namespace_error.ts";
import { QueenNamespace } from "./queen_namespace.ts";

const CTL = "/gpu/bridge/ctl";
const encoder = new TextEncoder();

function publishLines(text: string, announce = encoder.encode(text).length): string[] {
  const b64 = base64OfText(text);
  const sha = sha256Hex(encoder.encode(text));
  const chunks = b64.match(/.{1,124}/g) ?? [];
  return [`begin bytes=${announce} sha256=${sha}`, ...chunks.map((c) => `b64:${c}`), "end"];
}

const SNAPSHOT = renderBridgeSnapshot({
  nodes: [{ id: "GPU-7", info: "{}", ctl: "LEASE GPU-7\n", lease: "", status: "" }],
  models: [{ id: "m1", manifest: '[model]\n\nid = "m1"\n' }],
  active: "m1",
  telemetrySchema: '{"schema_version":"gpu-telemetry/v1"}',
});

function status(ns: QueenNamespace): string {
  return ns.cat("/gpu/bridge/status").lines.join("\n");
}

Deno.test("a publish rebuilds /gpu and reports state=ok", () => {
  const ns = new QueenNamespace({ seed: "demo" });
  for (const line of publishLines(SNAPSHOT)) ns.echo(CTL, line);
  assert.match(status(ns), /^state=ok bytes=\d+ sha256=[0-9a-f]{64}$/);
  assert.deepEqual(ns.ls("/gpu"), ["bridge", "models", "telemetry", "GPU-7"]);
  assert.deepEqual(ns.ls("/gpu/models"), ["available", "active"]);
  assert.deepEqual(ns.ls("/gpu/models/available"), ["m1"]);
  assert.deepEqual(ns.cat("/gpu/models/active").lines, ["m1"]);
  assert.deepEqual(ns.cat("/gpu/GPU-7/ctl").lines, ["LEASE GPU-7"]);
  assert.throws(() => ns.ls("/gpu/GPU-0"), NamespaceError);
});

Deno.test("begin announces the size; chunks are measured, not decoded; end verifies", () => {
  const ns = new QueenNamespace({ seed: "queen" });
  ns.echo(CTL, `begin bytes=3 sha256=${"0".repeat(64)}`);
  assert.equal(status(ns), "state=receiving bytes=3");
  ns.echo(CTL, "b64:%%%%");
  assert.throws(() => ns.echo(CTL, "end"), NamespaceError);
  assert.equal(status(ns), "state=err");
  assert.deepEqual(ns.cat(CTL).lines, [
    `begin bytes=3 sha256=${"0".repeat(64)}`,
    "b64:%%%%",
    "end",
  ]);

  ns.echo(CTL, `begin bytes=3 sha256=${"0".repeat(64)}`);
  assert.throws(() => ns.echo(CTL, "b64:AAAAAAAA"), NamespaceError, "beyond the announced size");
  assert.equal(status(ns), "state=err");
  assert.throws(() => ns.echo(CTL, "end"), NamespaceError, "no publish in progress");

  for (
    const bad of [
      "begin bytes=0 sha256=" + "0".repeat(64),
      "begin bytes=131073 sha256=" + "0".repeat(64),
      "begin bytes=3 sha256=xyz",
      "hello",
    ]
  ) {
    assert.throws(() => ns.echo(CTL, bad), NamespaceError, bad);
    assert.equal(status(ns), "state=err");
  }
  // A wrong digest fails at end and leaves /gpu as it was.
  const lines = publishLines(SNAPSHOT);
  lines[0] = lines[0]!.replace(/sha256=\w+/, `sha256=${"1".repeat(64)}`);
  for (const line of lines.slice(0, -1)) ns.echo(CTL, line);
  assert.throws(() => ns.echo(CTL, "end"), NamespaceError);
  assert.deepEqual(ns.ls("/gpu"), ["bridge", "GPU-0", "GPU-1"]);
});

Deno.test("a publish needs the lifecycle gate: only ONLINE and DEGRADED", () => {
  const ns = new QueenNamespace({ seed: "queen" });
  ns.echo("/queen/lifecycle/ctl", "cordon");
  assert.throws(
    () => ns.echo(CTL, `begin bytes=3 sha256=${"0".repeat(64)}`),
    (e: unknown) => e instanceof NamespaceError && e.tag === "denied",
  );
});

Deno.test("the snapshot parser wants schema, active, telemetry and end, and valid base64", () => {
  const ok = encoder.encode(SNAPSHOT);
  assert.equal(parseBridgeSnapshot(ok).active, "m1");
  const without = (pattern: RegExp) => encoder.encode(SNAPSHOT.replace(pattern, ""));
  for (
    const broken of [
      without(/^schema .*\n/),
      without(/active id=.*\n/),
      without(/telemetry schema=.*\n/),
      without(/end\n$/),
      encoder.encode(SNAPSHOT.replace("ctl=", "ctl=%%")),
      encoder.encode(SNAPSHOT.replace("model id=m1", "model id=a/b")),
      encoder.encode(SNAPSHOT.replace("active id=m1", "mystery line")),
    ]
  ) {
    assert.throws(() => parseBridgeSnapshot(broken), NamespaceError);
  }
});
