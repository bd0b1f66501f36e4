/**
 * Replay of the live publish: our client publishing the recorded registry over TcpBackend must
 * send exactly gpu-bridge-host's frames (`bridge_publish_mock`: AUTH, `ATTACH queen `, `begin`,
 * 19 `b64:` chunks, `end`), then read `/gpu/bridge/status` as recorded right after it
 * (`after_publish`'s first request, same Queen) and accept the recorded `state=ok` line.
 */

import assert from "node:assert/strict";
import { TcpBackend } from "../backends/tcp.ts";
import { CohesixAudit } from "../client/audit.ts";
import { CohesixClient } from "../client/client.ts";
import { PublishError } from "../core/errors.ts";
import { fixturePath, readRecording, type RecordedEvent } from "./fixtures.ts";
import { startReplay } from "./replay_server.ts";

const RECORDED_BYTES = 1723;
const RECORDED_SHA256 = "ffd656d9cf57b2a6f473d9b698e269f493187f65441bd64e1042bafb31fdb9d5";

/** A registry holding only the recorded `demo-model` manifest (no `active` pointer, as live). */
async function recordedRegistry(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cohesix-publish-replay-" });
  await Deno.mkdir(`${root}/available/demo-model`, { recursive: true });
  await Deno.copyFile(
    fixturePath("live2/bridge_publish_mock.manifest.toml"),
    `${root}/available/demo-model/manifest.toml`,
  );
  return root;
}

/** The publish connection, then the status read recorded next, in one connection. */
function publishThenStatus(statusLine?: string): RecordedEvent[] {
  const publish = readRecording("bridge_publish_mock", "live2")
    .filter((e) => !("event" in e && e.event === "eof"));
  const after = readRecording("after_publish", "live2").filter((e) => "hex" in e);
  const cat = after.findIndex((e) => "text" in e && e.text === "CAT /gpu/bridge/status");
  const end = after.findIndex((e, i) => i > cat && "text" in e && e.text === "END");
  let status: RecordedEvent[] = after.slice(cat, end + 1);
  if (statusLine !== undefined) status = adHocStatus(statusLine);
  return [...publish, ...status.map((e) => ({ ...e, conn: 1 })), {
    conn: 1,
    dir: "c2s",
    event: "eof",
  }];
}

function adHocStatus(line: string): RecordedEvent[] {
  const hex = (text: string) =>
    Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
  return ["CAT /gpu/bridge/status", `OK CAT path=/gpu/bridge/status data=${line}`, line, "END"]
    .map((text, i) => ({
      conn: 1,
      dir: i === 0 ? "c2s" as const : "s2c" as const,
      t_ms: 0,
      len: text.length + 4,
      hex: hex(text),
      text,
    }));
}

Deno.test("gpuPublish sends gpu-bridge-host's recorded frames byte for byte", async () => {
  const registryRoot = await recordedRegistry();
  try {
    await using replay = startReplay({
      scenario: "bridge_publish_mock",
      events: publishThenStatus(),
      allowExtraQuit: true,
    });
    const audit = new CohesixAudit();
    {
      await using backend = await TcpBackend.connect({ port: replay.port, authToken: "changeme" });
      const result = await new CohesixClient(backend).gpuPublish({ registryRoot }, { audit });
      assert.equal(result.bytes, RECORDED_BYTES);
      assert.equal(result.sha256, RECORDED_SHA256);
      assert.equal(result.lines, 21);
      assert.deepEqual(result.gpus, ["GPU-0", "GPU-1"]);
      assert.equal(result.catalog.active, "demo-model");
      assert.equal(result.status, `state=ok bytes=${RECORDED_BYTES} sha256=${RECORDED_SHA256}`);
    }
    const outcome = await replay.finish();
    assert.deepEqual(outcome.mismatches.map((m) => m.message), []);
    assert.equal(outcome.ok, true);
    assert.deepEqual(audit.lines, [
      `OK ECHO path=/gpu/bridge/ctl bytes=${RECORDED_BYTES} sha256=${RECORDED_SHA256}`,
    ]);
  } finally {
    await Deno.remove(registryRoot, { recursive: true });
  }
});

Deno.test("gpuPublish: a status that does not confirm the bytes sent is a PublishError", async () => {
  const registryRoot = await recordedRegistry();
  try {
    for (const line of ["state=err", `state=ok bytes=1477 sha256=${"0".repeat(64)}`]) {
      await using replay = startReplay({
        scenario: "bridge_publish_mock",
        events: publishThenStatus(line),
        allowExtraQuit: true,
      });
      const audit = new CohesixAudit();
      await using backend = await TcpBackend.connect({ port: replay.port, authToken: "changeme" });
      const error = await new CohesixClient(backend).gpuPublish({ registryRoot }, { audit })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof PublishError, String(error));
      assert.equal(error.statusLine, line);
      assert.ok(error.message.includes(JSON.stringify(line)), error.message);
      assert.deepEqual(audit.lines, []);
    }
  } finally {
    await Deno.remove(registryRoot, { recursive: true });
  }
});
