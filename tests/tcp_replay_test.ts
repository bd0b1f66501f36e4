/**
 * Replays of live Queen recordings through TcpBackend (and ConsoleConnection where a raw probe
 * sent frames TcpBackend never would): our client must send the recorded client frames byte for
 * byte and turn every recorded reply into the right result or typed error.
 */

import assert from "node:assert/strict";
import {
  AttachError,
  AuthError,
  CommandError,
  LimitError,
  TicketError,
  ValidationError,
} from "../core/errors.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { parseAck } from "../wire/ack.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { ConsoleConnection } from "../transport/console_connection.ts";
import { hexToBytes, readRecording, type RecordedEvent } from "./fixtures.ts";
import { type ReplayServer, startReplay } from "./replay_server.ts";
import { loopbackTest } from "./loopback.ts";

const TOKEN = "changeme";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Frame = Extract<RecordedEvent, { hex: string }>;

function frames(scenario: string, dir: "c2s" | "s2c"): Frame[] {
  return readRecording(scenario).filter((e): e is Frame => "hex" in e && e.dir === dir);
}

/** The recorded body lines that followed the first s2c ack starting with `ackPrefix`. */
function recordedBody(scenario: string, ackPrefix: string): { ack: string; lines: string[] } {
  const s2c = frames(scenario, "s2c").map((f) => f.text);
  const start = s2c.findIndex((t) => t.startsWith(ackPrefix));
  assert.ok(start >= 0, `no ${ackPrefix} in ${scenario}`);
  const end = s2c.indexOf("END", start);
  return { ack: s2c[start]!, lines: s2c.slice(start + 1, end) };
}

/** The recorded s2c line that starts with `prefix`. */
function recordedLine(scenario: string, prefix: string): string {
  const line = frames(scenario, "s2c").map((f) => f.text).find((t) => t.startsWith(prefix));
  assert.ok(line !== undefined, `no ${prefix} in ${scenario}`);
  return line;
}

/** The raw probe sent `ATTACH queen` and `QUIT`; cohsh (and we) send `ATTACH queen ` / `quit`. */
function probeToCohsh(text: string): string {
  if (text === "ATTACH queen") return "ATTACH queen ";
  if (text === "QUIT") return "quit";
  return text;
}

async function assertReplayOk(replay: ReplayServer): Promise<string[]> {
  const result = await replay.finish();
  assert.deepEqual(result.mismatches.map((m) => m.message), []);
  assert.equal(result.ok, true);
  return result.clientFrames;
}

loopbackTest("session_basics: TcpBackend speaks exactly like cohsh", async () => {
  await using replay = startReplay({ scenario: "session_basics" });
  const queen = await TcpBackend.connect({ port: replay.port, authToken: TOKEN });

  assert.deepEqual(await queen.listDir("/"), recordedBody("session_basics", "OK LS path=/ ").lines);
  const state = recordedBody("session_basics", "OK CAT path=/proc/lifecycle/state");
  assert.equal(
    decoder.decode(await queen.readFile("/proc/lifecycle/state", 1024)),
    state.lines.join("\n"),
  );
  assert.deepEqual(
    await queen.listDir("/gpu"),
    recordedBody("session_basics", "OK LS path=/gpu ").lines,
  );
  const info = recordedBody("session_basics", "OK CAT path=/gpu/GPU-0/info");
  const infoText = decoder.decode(await queen.readFile("/gpu/GPU-0/info", 16384));
  assert.equal(infoText, info.lines.join("\n"));
  assert.ok(!infoText.endsWith("\n"));
  assert.deepEqual(
    await queen.listDir("/queen"),
    recordedBody("session_basics", "OK LS path=/queen ").lines,
  );
  assert.deepEqual(await queen.listDir("/worker"), []);

  const written = await queen.writeAppendDetailed(
    "/log/queen.log",
    encoder.encode("recording-marker"),
  );
  const echoAck = parseAck(recordedLine("session_basics", "OK ECHO"))!;
  assert.deepEqual(written, { bytes: 16, serverBytes: Number(echoAck.fields.bytes) });

  const tail = await queen.tail("/log/queen.log");
  assert.deepEqual(tail, recordedBody("session_basics", "OK TAIL").lines);
  assert.ok(tail.includes("recording-marker"));
  await queen.ping();
  await queen.close();
  await queen.close(); // idempotent

  const sent = await assertReplayOk(replay);
  assert.deepEqual(sent, frames("session_basics", "c2s").map((f) => f.text));
});

loopbackTest("session_basics: frames are byte-identical, length prefixes included", async () => {
  // Same session, checked at the byte level against the recorded hex (prefix = 4 + payload).
  const recorded = frames("session_basics", "c2s");
  for (const frame of recorded) assert.equal(frame.len, hexToBytes(frame.hex).length + 4);
  await using replay = startReplay({ scenario: "session_basics" });
  await using queen = await TcpBackend.connect({ port: replay.port, authToken: TOKEN });
  await queen.listDir("/");
  await queen.readFile("/proc/lifecycle/state", 1024);
  await queen.listDir("/gpu");
  await queen.readFile("/gpu/GPU-0/info", 16384);
  await queen.listDir("/queen");
  await queen.listDir("/worker");
  // A trailing newline is stripped as coh does; the caller's count includes it.
  assert.equal(await queen.writeAppend("/log/queen.log", encoder.encode("recording-marker\n")), 17);
  await queen.tail("/log/queen.log");
  await queen.ping();
  await queen.close();
  await assertReplayOk(replay);
});

loopbackTest(
  "errors_paths: each ERR becomes a CommandError; over-long inputs refused locally",
  async () => {
    const longPath = frames("errors_paths", "c2s").map((f) => f.text).find((t) =>
      t.startsWith("LS /aaa")
    )!.slice(3);
    const longEcho = frames("errors_paths", "c2s").map((f) => f.text).find((t) =>
      t.startsWith("ECHO /log/queen.log x")
    )!.slice("ECHO /log/queen.log ".length);
    await using replay = startReplay({
      scenario: "errors_paths",
      rewriteClientFrame: probeToCohsh,
      skipClientFrames: (text) => text === `LS ${longPath}` || text.endsWith(longEcho),
    });
    const queen = await TcpBackend.connect({ port: replay.port, authToken: TOKEN });

    const nope = await captureError(queen.listDir("/nope"));
    assert.ok(nope instanceof CommandError);
    assert.equal(nope.verb, "LS");
    assert.equal(nope.reason, "policy");
    assert.equal(nope.detail, "invalid-path");
    assert.equal(nope.path, "/nope");
    assert.equal(nope.server.error, "invalid path");
    assert.equal(nope.server.line, recordedLine("errors_paths", "ERR LS"));

    for (const path of ["/gpu/bridge/info", "/queen/export/lora_jobs"]) {
      const error = await captureError(queen.readFile(path, 4096));
      assert.ok(error instanceof CommandError);
      assert.equal(error.verb, "CAT");
      assert.equal(error.detail, "invalid-path");
      assert.equal(error.path, path);
      assert.equal(
        error.server.line,
        recordedLine("errors_paths", `ERR CAT reason=policy detail=invalid-path path=${path} `),
      );
    }

    assert.ok(longPath.length > DEFAULTS.console.maxPathLen);
    const pathError = await captureError(queen.listDir(longPath));
    assert.ok(pathError instanceof LimitError);
    assert.equal(pathError.limit, "console.max_path_len");
    assert.ok(longEcho.length > DEFAULTS.console.maxEchoLen);
    const echoError = await captureError(
      queen.writeAppend("/log/queen.log", encoder.encode(longEcho)),
    );
    assert.ok(echoError instanceof LimitError);
    assert.equal(echoError.limit, "console.max_echo_len");

    const echo = await captureError(
      queen.writeAppend("/gpu/models/active", encoder.encode("llama3-edge-v7")),
    );
    assert.ok(echo instanceof CommandError);
    assert.equal(echo.verb, "ECHO");
    assert.equal(echo.path, "/gpu/models/active");
    assert.equal(echo.detail, "invalid-path");
    await queen.close();
    await assertReplayOk(replay);
  },
);

loopbackTest("errors_attach: raw probe frames through ConsoleConnection", async () => {
  // Driven with the probe's own ATTACH lines; only the closing quit is ours.
  await using replay = startReplay({
    scenario: "errors_attach",
    rewriteClientFrame: (text) => text === "QUIT" ? "quit" : text,
  });
  await using conn = await ConsoleConnection.connect({ port: replay.port, authToken: TOKEN });
  const denied = await captureError(
    conn.request({ line: "ATTACH worker-gpu", verb: "ATTACH", shape: "ack" }),
  );
  assert.ok(denied instanceof AttachError);
  assert.equal(denied.reason, "policy");
  assert.equal(denied.detail, "denied");
  assert.equal(denied.delayMs, undefined);
  const invalid = await captureError(
    conn.request({ line: "ATTACH nobody", verb: "ATTACH", shape: "ack" }),
  );
  assert.ok(invalid instanceof AttachError);
  assert.equal(invalid.detail, "invalid-role");
  assert.equal(conn.broken, false); // ERR replies leave the connection usable
  const ok = await conn.request({ line: "ATTACH queen", verb: "ATTACH", shape: "ack" });
  assert.equal(ok.ack.fields.role, "queen");
  await conn.quit();
  assert.equal(conn.closed, true);
  await assertReplayOk(replay);
});

loopbackTest(
  "errors_attach: TcpBackend refuses worker-gpu without a ticket before connecting",
  async () => {
    await using replay = startReplay({ scenario: "errors_attach" });
    await assert.rejects(
      TcpBackend.connect({ port: replay.port, authToken: TOKEN, role: "worker-gpu" }),
      TicketError,
    );
    await assert.rejects(
      TcpBackend.connect({ port: replay.port, authToken: TOKEN, role: "nobody" }),
      ValidationError,
    );
    const result = await replay.finish();
    assert.equal(result.connections, 0);
  },
);

loopbackTest("auth_bad_token: AuthError without the token, not retried", async () => {
  await using replay = startReplay({
    scenario: "auth_bad_token",
    // The probe kept writing after the Queen closed; our client stops at the EOF.
    skipClientFrames: (text) => text.startsWith("ATTACH"),
  });
  const token = "wrong-token";
  const error = await captureError(TcpBackend.connect({ port: replay.port, authToken: token }));
  assert.ok(error instanceof AuthError, String(error));
  assert.ok(!error.message.includes(token));
  assert.match(error.message, /COHSH_AUTH_TOKEN/);
  const sent = await assertReplayOk(replay);
  assert.deepEqual(sent, [`AUTH ${token}`]);
});

loopbackTest("unattached_verb: LS before ATTACH is a CommandError", async () => {
  await using replay = startReplay({
    scenario: "unattached_verb",
    rewriteClientFrame: probeToCohsh,
  });
  const conn = await ConsoleConnection.connect({ port: replay.port, authToken: TOKEN });
  const error = await captureError(
    conn.request({ line: "LS /", verb: "LS", shape: "stream", path: "/" }),
  );
  assert.ok(error instanceof CommandError);
  assert.equal(error.verb, "LS");
  assert.equal(error.reason, "policy");
  assert.equal(error.detail, "unauthenticated");
  await conn.quit();
  await assertReplayOk(replay);
});

loopbackTest("replay server reports the first differing frame in hex and text", async () => {
  await using replay = startReplay({ scenario: "unattached_verb" });
  const conn = await ConsoleConnection.connect({ port: replay.port, authToken: TOKEN });
  // The recording expects "LS /"; send something else.
  await assert.rejects(conn.request({ line: "LS /proc", verb: "LS", shape: "stream" }));
  conn.close();
  const result = await replay.finish();
  assert.equal(result.ok, false);
  const [first] = result.mismatches;
  assert.ok(first !== undefined);
  assert.equal(first.expected, "LS /");
  assert.equal(first.actual, "LS /proc");
  assert.match(first.message, /expected len=8 hex=4c53202f text="LS \/"/);
  assert.match(first.message, /actual {3}len=12 hex=4c53202f70726f63/);
});

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

loopbackTest("a worker ticket is sent as ATTACH <canonical role> <ticket>", async () => {
  // PROTOCOL.md §8.6 first vector: worker-heartbeat with subject "worker-1".
  const ticket = "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f" +
    "726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3eb" +
    "f9a51a582e16";
  const frame = (dir: "c2s" | "s2c", text: string): RecordedEvent => ({
    conn: 1,
    dir,
    t_ms: 0,
    len: text.length + 4,
    hex: [...encoder.encode(text)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    text,
  });
  const events: RecordedEvent[] = [
    { conn: 1, event: "open" },
    frame("c2s", `AUTH ${TOKEN}`),
    frame("s2c", "OK AUTH"),
    frame("c2s", `ATTACH worker-heartbeat ${ticket}`),
    frame("s2c", "OK ATTACH role=worker-heartbeat"),
    frame("c2s", "quit"),
    frame("s2c", "OK QUIT"),
    { conn: 1, dir: "s2c", event: "eof" },
    { conn: 1, dir: "c2s", event: "eof" },
  ];
  await using replay = startReplay({ scenario: "synthetic", events });
  const worker = await TcpBackend.connect({
    port: replay.port,
    authToken: TOKEN,
    role: "Worker",
    ticket: ` ${ticket} `,
  });
  assert.equal(worker.role, "worker-heartbeat");
  await worker.close();
  await assertReplayOk(replay);
});
