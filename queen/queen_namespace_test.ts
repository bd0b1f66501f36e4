import assert from "node:assert/strict";
import { readRecording, type RecordedEvent } from "../tests/fixtures.ts";
import { parseAck } from "../wire/ack.ts";
import { NamespaceError, QueenNamespace, shardOf } from "./queen_namespace.ts";

const fixedClock = () => 1000;

function fresh(seed: "demo" | "queen" = "queen"): QueenNamespace {
  return new QueenNamespace({ seed, now: fixedClock });
}

/** The refusal `fn` throws, rendered for `label`. */
function errLine(label: string, fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof NamespaceError, `expected NamespaceError, got ${error}`);
    return error.toErrLine(label);
  }
  assert.fail("expected a NamespaceError");
}

const LEASE_GPU0 =
  '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":1,"ttl_s":60,"priority":0}}';

/**
 * Answers one recorded console command the way the Queen frames it, from the namespace alone
 * (stream acks, body, END; ECHO acks; namespace refusals).
 */
function answer(ns: QueenNamespace, line: string): string[] {
  const [verb, path = "", ...rest] = line.trim().split(/ +/);
  const payload = line.trim().slice(line.trim().indexOf(path) + path.length).trim();
  const label = verb!.toUpperCase();
  void rest;
  try {
    switch (label) {
      case "LS": {
        const entries = ns.ls(path);
        return [`OK LS path=${path} entries=${entries.length}`, ...entries, "END"];
      }
      case "CAT": {
        const { lines, data } = ns.cat(path);
        return [`OK CAT path=${path} data=${data}`, ...lines, "END"];
      }
      case "ECHO":
        return [`OK ECHO path=${path} bytes=${ns.echo(path, payload)}`];
      default:
        throw new Error(`unexpected verb ${label}`);
    }
  } catch (error) {
    if (error instanceof NamespaceError) return [error.toErrLine(label)];
    throw error;
  }
}

/** Replays the namespace-level commands of a recording and compares the server's frames. */
function replay(ns: QueenNamespace, scenario: string): number {
  const frames = readRecording(scenario).filter((e): e is Extract<
    RecordedEvent,
    { text: string }
  > => "text" in e);
  let checked = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (frame.dir !== "c2s") continue;
    const verb = frame.text.trim().split(" ")[0]!.toUpperCase();
    if (!["LS", "CAT", "ECHO"].includes(verb)) continue;
    const replies: string[] = [];
    for (let j = i + 1; j < frames.length && frames[j]!.dir === "s2c"; j++) {
      replies.push(frames[j]!.text);
    }
    if (replies[0]?.startsWith("ERR PARSE")) continue; // parser-level, not the namespace
    assert.deepEqual(answer(ns, frame.text), replies, `${scenario}: ${frame.text}`);
    checked++;
  }
  return checked;
}

Deno.test("queen seed replays every recorded LS/CAT/ECHO of the live sessions, in order", () => {
  const ns = fresh("queen");
  const scenarios = [
    "session_basics",
    "gpu_list",
    "gpu_status_empty",
    "gpu_lease",
    "run_echo_ok",
    "gpu_status_after_run",
    "worker_list_kill",
    "telemetry_push_new_device",
    "telemetry_push_second",
    "telemetry_pull",
    "errors_paths",
  ];
  let checked = 0;
  for (const scenario of scenarios) checked += replay(ns, scenario);
  assert.ok(checked >= 30, `only ${checked} commands replayed`);
});

Deno.test("queen seed: root, /proc, /queen, /worker listings and lifecycle", () => {
  const ns = fresh("queen");
  assert.deepEqual(ns.ls("/"), [
    "gpu",
    "kmesg",
    "log",
    "proc",
    "queen",
    "trace",
    "updates",
    "shard",
    "worker",
    "host",
  ]);
  assert.deepEqual(ns.ls("/proc"), [
    "boot",
    "tests",
    "lifecycle",
    "9p",
    "ingest",
    "root",
    "pressure",
  ]);
  assert.deepEqual(ns.ls("/gpu/"), ["bridge", "GPU-0", "GPU-1"]);
  assert.deepEqual(ns.ls("/gpu/bridge"), ["ctl", "status"]);
  assert.deepEqual(ns.ls("/host"), ["systemd", "k8s", "docker", "nvidia"]);
  assert.deepEqual(ns.ls("/updates"), []);
  assert.equal(ns.lifecycleState, "ONLINE");
  assert.deepEqual(ns.cat("/proc/lifecycle/reason").lines, ["reason=boot-complete"]);
  assert.deepEqual(ns.cat("/proc/lifecycle/since").lines, ["since_ms=0"]);
  assert.deepEqual(ns.cat("/proc/root/reachable").lines, ["reachable=yes"]);
  assert.deepEqual(ns.cat("/proc/root/cut_reason").lines, ["cut_reason=none"]);
  assert.deepEqual(ns.cat("/gpu/bridge/ctl"), { lines: [], data: "" });
  assert.equal(
    errLine("LS", () => ns.ls("/kmesg")),
    "ERR LS reason=policy detail=invalid-path path=/kmesg error=invalid path",
  );
  assert.equal(
    errLine("CAT", () => ns.cat("/trace/ctl")),
    "ERR CAT reason=policy detail=invalid-path path=/trace/ctl error=invalid path",
  );
  assert.equal(
    errLine("CAT", () => ns.cat("/proc/")),
    "ERR CAT reason=policy detail=invalid-path path=/proc/ error=invalid path",
  );
  assert.equal(
    errLine("LS", () => ns.ls("proc")),
    "ERR LS reason=policy detail=invalid-path path=proc error=invalid path",
  );
});

Deno.test("CAT data= summary: /proc/boot, empty file, lines starting with [", () => {
  const ns = fresh("queen");
  assert.equal(
    ns.cat("/proc/boot").data,
    "telemetry.ring_bytes_per_worker=1024|telemetry.cursor.retain_on_boot=false|event_pump.fds=serial,timer,ipc,",
  );
  assert.deepEqual(ns.cat("/gpu/GPU-0/status"), { lines: [], data: "" });
  ns.put("/x/bracketed", "[a]\nplain\n[b]\n");
  assert.equal(ns.cat("/x/bracketed").data, "plain");
  ns.put("/x/only-brackets", "[a]\n[b]\n");
  assert.equal(ns.cat("/x/only-brackets").data, "[a]|[b]");
  const long = "z".repeat(65);
  ns.put("/x/long", `${long}\n${long}0\n`);
  assert.equal(ns.cat("/x/long").data, `${long}0`);
});

Deno.test("CAT splits lines: CR before LF removed, final newline gives no empty line", () => {
  const ns = fresh("queen");
  ns.put("/x/crlf", "a\r\nb\r\n");
  assert.deepEqual(ns.cat("/x/crlf").lines, ["a", "b"]);
  ns.put("/x/no-final", "a\nb\r");
  assert.deepEqual(ns.cat("/x/no-final").lines, ["a", "b\r"]);
  ns.put("/x/inner-cr", "a\rb\n");
  assert.deepEqual(ns.cat("/x/inner-cr").lines, ["a\rb"]);
});

Deno.test("CAT and LS buffer-full: 64 lines and 256-byte lines pass, one more fails", () => {
  const ns = fresh("queen");
  ns.put("/x/64", Array.from({ length: 64 }, (_, i) => `l${i}\n`).join(""));
  assert.equal(ns.cat("/x/64").lines.length, 64);
  ns.put("/x/65", Array.from({ length: 65 }, (_, i) => `l${i}\n`).join(""));
  assert.equal(
    errLine("CAT", () => ns.cat("/x/65")),
    "ERR CAT reason=quota detail=buffer-full path=/x/65 error=buffer full",
  );
  ns.put("/x/256", `${"a".repeat(256)}\n`);
  assert.equal(ns.cat("/x/256").lines[0]!.length, 256);
  ns.put("/x/257", `${"a".repeat(257)}\n`);
  assert.throws(
    () => ns.cat("/x/257"),
    (e: unknown) => (e as NamespaceError).tag === "buffer-full",
  );
  for (let i = 0; i < 64; i++) ns.put(`/d/e${i}`, "");
  assert.equal(ns.ls("/d").length, 64);
  ns.put("/d/e64", "");
  assert.throws(() => ns.ls("/d"), (e: unknown) => (e as NamespaceError).tag === "buffer-full");
  assert.equal(
    errLine("LS", () => ns.ls("/shard")),
    "ERR LS reason=quota detail=buffer-full path=/shard error=buffer full",
  );
});

Deno.test("CAT of directories, write-only ctl files and worker telemetry is invalid-path", () => {
  const ns = fresh("queen");
  const id = ns.spawn('{"spawn":"heartbeat","ticks":1}');
  for (
    const path of [
      "/proc",
      "/queen/ctl",
      "/queen/lifecycle/ctl",
      `/worker/${id}/telemetry`,
      `/shard/${shardOf(id)}/worker/${id}/telemetry`,
      "/gpu/bridge/info",
      "/nope",
    ]
  ) {
    assert.equal(
      errLine("CAT", () => ns.cat(path)),
      `ERR CAT reason=policy detail=invalid-path path=${path} error=invalid path`,
    );
  }
  ns.echo("/queen/telemetry/d/ctl", '{"new":"segment"}');
  assert.throws(() => ns.cat("/queen/telemetry/d/ctl"), NamespaceError);
  assert.throws(() => ns.ls(`/worker/${id}`), NamespaceError);
});

Deno.test("/log/queen.log: ECHO feeds the ring and the 16-entry user ring; CAT has no body", () => {
  const ns = fresh("queen");
  ns.appendLog("[INFO audit] console: echo /log/queen.log bytes=22");
  assert.equal(ns.echo("/log/queen.log", 'pp-probe: a  b "q" > c'), 22);
  ns.appendLog("[INFO net] trace line");
  assert.deepEqual(ns.cat("/log/queen.log"), { lines: [], data: 'pp-probe: a  b "q" > c' });
  ns.appendLog("later plain line");
  assert.equal(ns.cat("/log/queen.log").data, 'pp-probe: a  b "q" > c|later plain line');
  for (let i = 0; i < 20; i++) ns.echo("/log/queen.log", `u${i}`);
  const data = ns.cat("/log/queen.log").data;
  assert.ok(data.startsWith("u4|u5|"), data);
  assert.ok(data.endsWith("|u19"), data);
  const tail = ns.tail("/log/queen.log");
  assert.equal(tail.length, 24);
  assert.equal(tail[tail.length - 1], "u19");
  for (let i = 0; i < 200; i++) ns.appendLog(`[INFO] line ${i}`);
  const full = ns.tail("/log/queen.log");
  assert.equal(full.length, 64);
  assert.equal(full[63], "[INFO] line 199");
});

Deno.test("TAIL: only log, ingest watch and worker telemetry; others have no error=", () => {
  const ns = fresh("queen");
  assert.equal(
    errLine("TAIL", () => ns.tail("/proc/boot")),
    "ERR TAIL reason=policy detail=invalid-path path=/proc/boot",
  );
  assert.equal(
    errLine("TAIL", () => ns.tail("/worker/worker-9/telemetry")),
    "ERR TAIL reason=policy detail=invalid-path path=/worker/worker-9/telemetry error=invalid path",
  );
  assert.equal(ns.tail("/proc/ingest/watch").length, 1);
  assert.equal(ns.tail("/proc/ingest/watch").length, 2);
  for (let i = 0; i < 20; i++) ns.tail("/proc/ingest/watch");
  const watch = ns.tail("/proc/ingest/watch");
  assert.equal(watch.length, 16);
  assert.match(watch[0]!, /^watch ts_ms=1000 p50_ms=\d+ p95_ms=\d+ queued=\d+ backpressure=/);
  const id = ns.spawn('{"spawn":"heartbeat"}');
  assert.deepEqual(ns.tail(`/worker/${id}/telemetry`), []);
});

Deno.test("worker telemetry: raw concatenation across both paths, 1024-byte ring wrap", () => {
  const ns = fresh("queen");
  const id = ns.spawn('{"spawn":"heartbeat","ticks":1}');
  assert.equal(ns.echo(`/worker/${id}/telemetry`, "abc"), 3);
  assert.equal(ns.echo(`/shard/${shardOf(id)}/worker/${id}/telemetry`, "def"), 3);
  assert.deepEqual(ns.tail(`/worker/${id}/telemetry`), ["abcdef"]);
  assert.deepEqual(ns.tail(`/shard/${shardOf(id)}/worker/${id}/telemetry`), ["abcdef"]);
  const wrong = shardOf(id) === "00" ? "01" : "00";
  assert.throws(() => ns.echo(`/shard/${wrong}/worker/${id}/telemetry`, "x"), NamespaceError);
  for (let i = 0; i < 8; i++) ns.echo(`/worker/${id}/telemetry`, String(i).repeat(128));
  const ring = ns.toJSON().workers[0]!.telemetry;
  assert.equal(ring.length, 1024);
  assert.equal(ring, Array.from({ length: 8 }, (_, i) => String(i).repeat(128)).join(""));
  ns.echo(`/worker/${id}/telemetry`, "X");
  assert.equal(ns.toJSON().workers[0]!.telemetry.slice(0, 2), "00");
  assert.equal(ns.toJSON().workers[0]!.telemetry.length, 1024);
  assert.equal(
    errLine("TAIL", () => ns.tail(`/worker/${id}/telemetry`)),
    `ERR TAIL reason=quota detail=buffer-full path=/worker/${id}/telemetry error=buffer full`,
  );
  assert.throws(() => ns.echo(`/worker/${id}/telemetry`, "y".repeat(1025)), NamespaceError);
});

Deno.test("shard labels: first byte of SHA-256(worker id); listing and /shard/<xx>/worker", () => {
  assert.equal(shardOf("worker-3"), "1a"); // PROTOCOL.md §9.1, live
  const ns = fresh("queen");
  const id = ns.spawn('{"spawn":"heartbeat"}');
  assert.deepEqual(ns.ls(`/shard/${shardOf(id)}`), ["worker"]);
  assert.deepEqual(ns.ls(`/shard/${shardOf(id)}/worker`), [id]);
  assert.throws(() => ns.ls("/shard/zz"), NamespaceError);
});

Deno.test("/queen/ctl spawn gpu: lease line, worker ids, kill keeps the lease ACTIVE", () => {
  const ns = fresh("queen");
  assert.equal(ns.echo("/queen/ctl", LEASE_GPU0), LEASE_GPU0.length);
  ns.echo(
    "/queen/ctl",
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":2048,"streams":1,"ttl_s":300}}',
  );
  assert.deepEqual(ns.workers(), ["worker-1", "worker-2"]);
  assert.deepEqual(ns.ls("/worker"), ["worker-1", "worker-2"]);
  assert.deepEqual(ns.cat("/gpu/GPU-0/lease").lines, [
    '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":1,"ttl_s":60,"priority":0}',
  ]);
  assert.deepEqual(ns.cat("/gpu/GPU-1/lease").lines, [
    '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-1","worker_id":"worker-2","mem_mb":2048,"streams":1,"ttl_s":300,"priority":0}',
  ]);
  assert.equal(ns.echo("/queen/ctl", '{"kill":"worker-1"}'), 19);
  assert.deepEqual(ns.workers(), ["worker-2"]);
  assert.match(ns.cat("/gpu/GPU-0/lease").lines[0]!, /"state":"ACTIVE"/);
  assert.equal(
    errLine("ECHO", () => ns.echo("/queen/ctl", '{"kill":"worker-1"}')),
    "ERR ECHO reason=policy detail=invalid-path path=/queen/ctl error=invalid path",
  );
  assert.equal(
    errLine("KILL", () => ns.killWorker("worker-1")),
    "ERR KILL reason=policy detail=invalid-path error=invalid path",
  );
  assert.equal(ns.spawn('{"spawn":"heartbeat","ticks":1,"unknown_field":"x"}'), "worker-3");
});

Deno.test("/queen/ctl rejects bad spawns with invalid-payload, in the live format", () => {
  const ns = fresh("queen");
  const bad = [
    '{"spawn":"bogus"}',
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-9","mem_mb":1,"streams":1,"ttl_s":1}}',
    '{"spawn":"gpu","lease":{"gpu_id":"bridge","mem_mb":1,"streams":1,"ttl_s":1}}',
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":0,"streams":1,"ttl_s":1}}',
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1,"streams":0,"ttl_s":1}}',
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1,"streams":1,"ttl_s":0}}',
    '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1,"streams":1}}',
    '{"nothing":"here"}',
  ];
  for (const payload of bad) {
    assert.equal(
      errLine("ECHO", () => ns.echo("/queen/ctl", payload)),
      "ERR ECHO reason=policy detail=invalid-payload path=/queen/ctl error=invalid payload",
      payload,
    );
  }
  assert.equal(
    errLine("SPAWN", () => ns.spawn('{"spawn":"bogus"}')),
    "ERR SPAWN reason=policy detail=invalid-payload error=invalid payload",
  );
  assert.deepEqual(ns.workers(), []);
  assert.equal(ns.cat("/gpu/GPU-0/lease").lines.length, 0);
});

Deno.test("at most 8 workers; ids are never reused", () => {
  const ns = fresh("queen");
  for (let i = 1; i <= 8; i++) assert.equal(ns.spawn('{"spawn":"heartbeat"}'), `worker-${i}`);
  assert.equal(
    errLine("ECHO", () => ns.echo("/queen/ctl", '{"spawn":"heartbeat"}')),
    "ERR ECHO reason=quota detail=buffer-full path=/queen/ctl error=buffer full",
  );
  assert.throws(() => ns.echo("/queen/ctl", LEASE_GPU0), NamespaceError);
  assert.equal(ns.cat("/gpu/GPU-0/lease").lines.length, 0);
  ns.killWorker("worker-8");
  assert.equal(ns.spawn('{"spawn":"heartbeat"}'), "worker-9");
});

Deno.test("lease log is capped at 1024 bytes: the 8th lease on one GPU is buffer-full", () => {
  const ns = fresh("queen");
  for (let i = 0; i < 7; i++) {
    ns.killWorker(ns.spawn(LEASE_GPU0));
  }
  assert.equal(ns.cat("/gpu/GPU-0/lease").lines.length, 7);
  assert.equal(
    errLine("ECHO", () => ns.echo("/queen/ctl", LEASE_GPU0)),
    "ERR ECHO reason=quota detail=buffer-full path=/queen/ctl error=buffer full",
  );
  assert.deepEqual(ns.workers(), []);
});

Deno.test("telemetry ctl creates the device; the 5th segment evicts the oldest", () => {
  const ns = fresh("queen");
  const ctl = "/queen/telemetry/dev-a/ctl";
  assert.equal(
    errLine("ECHO", () => ns.echo(ctl, '{"mime":"text/plain"}')),
    `ERR ECHO reason=policy detail=invalid-payload path=${ctl} error=invalid payload`,
  );
  assert.deepEqual(ns.ls("/queen/telemetry"), []);
  assert.equal(ns.echo(ctl, '{"new":"segment","mime":"text/plain"}'), 37);
  assert.deepEqual(ns.ls("/queen/telemetry"), ["dev-a"]);
  assert.deepEqual(ns.ls("/queen/telemetry/dev-a"), ["ctl", "seg", "latest"]);
  assert.deepEqual(ns.cat("/queen/telemetry/dev-a/latest").lines, ["seg-000001"]);
  for (let i = 2; i <= 4; i++) ns.echo(ctl, '{"new":"segment"}');
  assert.deepEqual(ns.ls("/queen/telemetry/dev-a/seg"), [
    "seg-000001",
    "seg-000002",
    "seg-000003",
    "seg-000004",
  ]);
  ns.echo(ctl, '{"new":"segment"}');
  assert.deepEqual(ns.ls("/queen/telemetry/dev-a/seg"), [
    "seg-000002",
    "seg-000003",
    "seg-000004",
    "seg-000005",
  ]);
  assert.deepEqual(ns.cat("/queen/telemetry/dev-a/latest").lines, ["seg-000005"]);
  ns.echo("/queen/telemetry/dev-b/ctl", '{"new":"segment"}');
  assert.deepEqual(ns.cat("/queen/telemetry/dev-b/latest").lines, ["seg-000001"]);
});

Deno.test("segment ECHO appends a record and a newline if missing; latest is EPERM", () => {
  const ns = fresh("queen");
  ns.echo("/queen/telemetry/d/ctl", '{"new":"segment"}');
  const seg = "/queen/telemetry/d/seg/seg-000001";
  assert.equal(ns.echo(seg, "first"), 5);
  assert.equal(ns.echo(seg, "second"), 6);
  ns.append(seg, "third\n");
  assert.equal(ns.toJSON().tree.kind, "dir");
  assert.deepEqual(ns.cat(seg).lines, ["first", "second", "third"]);
  assert.equal(
    errLine("ECHO", () => ns.echo("/queen/telemetry/d/latest", "seg-000009")),
    "ERR ECHO reason=policy detail=denied path=/queen/telemetry/d/latest error=EPERM",
  );
  assert.throws(() => ns.echo("/queen/telemetry/d/seg/seg-000002", "x"), NamespaceError);
});

Deno.test("GPU nodes: lease/status need {…} and append a newline; ctl appends; caps", () => {
  const ns = fresh("queen");
  assert.equal(
    errLine("ECHO", () => ns.echo("/gpu/GPU-0/status", "not json")),
    "ERR ECHO reason=policy detail=invalid-payload path=/gpu/GPU-0/status error=invalid payload",
  );
  assert.equal(ns.echo("/gpu/GPU-0/status", '{"event":"START"}'), 17);
  ns.echo("/gpu/GPU-0/status", '{"event":"EXIT"}');
  assert.deepEqual(ns.cat("/gpu/GPU-0/status").lines, ['{"event":"START"}', '{"event":"EXIT"}']);
  ns.echo("/gpu/GPU-0/ctl", "RELEASE worker-1");
  assert.deepEqual(ns.cat("/gpu/GPU-0/ctl").lines, ["LEASE GPU-0", "RELEASE worker-1"]);
  const record = `{"x":"${"a".repeat(120)}"}`;
  let writes = 0;
  assert.throws(() => {
    for (;;) {
      ns.echo("/gpu/GPU-1/ctl", record);
      writes++;
    }
  }, (e: unknown) => (e as NamespaceError).tag === "buffer-full");
  assert.equal(writes, Math.floor((1024 - "LEASE GPU-1\n".length) / (record.length + 1)));
  assert.throws(() => ns.echo("/gpu/GPU-0/info", "{}"), NamespaceError);
  assert.throws(() => ns.echo("/gpu/bridge/status", "x"), NamespaceError);
  assert.throws(() => ns.echo("/gpu", "x"), NamespaceError);
});

Deno.test("host nodes are overwritten; read-only and unknown nodes are invalid-path", () => {
  const ns = fresh("queen");
  const unit = "/host/systemd/ssh.service/status";
  assert.deepEqual(ns.cat(unit).lines, ["active"]);
  ns.echo(unit, "inactive");
  ns.echo(unit, "failed");
  assert.deepEqual(ns.cat(unit).lines, ["failed"]);
  for (const path of ["/proc/boot", "/nonexistent", "/proc/lifecycle/state"]) {
    assert.equal(
      errLine("ECHO", () => ns.echo(path, "x")),
      `ERR ECHO reason=policy detail=invalid-path path=${path} error=invalid path`,
    );
  }
});

Deno.test("lifecycle ctl: cordon/resume/drain transitions and gates", () => {
  const ns = fresh("queen");
  assert.equal(
    errLine("ECHO", () => ns.echo("/queen/lifecycle/ctl", "explode")),
    "ERR ECHO reason=policy detail=invalid-payload path=/queen/lifecycle/ctl error=invalid payload",
  );
  ns.echo("/queen/lifecycle/ctl", "CORDON");
  assert.equal(ns.lifecycleState, "DRAINING");
  assert.deepEqual(ns.cat("/proc/lifecycle/state").lines, ["state=DRAINING"]);
  assert.deepEqual(ns.cat("/proc/lifecycle/reason").lines, ["reason=cordon"]);
  assert.throws(() => ns.spawn('{"spawn":"heartbeat"}'), NamespaceError);
  ns.echo("/queen/lifecycle/ctl", "resume");
  assert.equal(ns.lifecycleState, "ONLINE");
  ns.spawn(LEASE_GPU0);
  ns.echo("/queen/lifecycle/ctl", "cordon");
  assert.equal(
    errLine("ECHO", () => ns.echo("/queen/lifecycle/ctl", "drain")),
    "ERR ECHO reason=policy detail=denied path=/queen/lifecycle/ctl error=EPERM",
  );
  ns.killWorker("worker-1");
  ns.echo("/queen/lifecycle/ctl", "drain");
  assert.equal(ns.lifecycleState, "QUIESCED");
  assert.ok(
    ns.tail("/log/queen.log").some((l) =>
      l.endsWith("lifecycle transition old=DRAINING new=QUIESCED reason=drain")
    ),
  );
});

Deno.test("toErrLine drops detail pieces that do not fit in 128 bytes", () => {
  const ns = fresh("queen");
  const path96 = `/${"a".repeat(95)}`;
  assert.equal(errLine("LS", () => ns.ls(path96)), "ERR LS reason=policy ");
  const path91 = `/${"b".repeat(90)}`;
  assert.equal(errLine("LS", () => ns.ls(path91)), "ERR LS reason=policy ");
  const ack = parseAck(errLine("CAT", () => ns.cat("/queen/export/lora_jobs")));
  assert.deepEqual(ack?.fields, {
    reason: "policy",
    detail: "invalid-path",
    path: "/queen/export/lora_jobs",
    error: "invalid path",
  });
  assert.equal(
    new NamespaceError("unsupported", { command: "frob" }).errorText,
    "unsupported command: frob",
  );
});

Deno.test("demo seed: Python MockBackend content over the live tree", () => {
  const ns = fresh("demo");
  assert.deepEqual(ns.ls("/gpu"), ["bridge", "GPU-0", "GPU-1", "models"]);
  const info = ns.cat("/gpu/GPU-0/info").lines;
  assert.deepEqual(info, [
    '{"id": "GPU-0", "name": "MockGPU", "memory_mb": 8192, "sm_count": 80, "driver_version": "mock", "runtime_version": "mock"}',
  ]);
  assert.equal(info[0]!.length, 122);
  assert.deepEqual(ns.ls("/queen"), ["ctl", "lifecycle", "telemetry", "export"]);
  assert.deepEqual(ns.ls("/queen/export/lora_jobs/job_8932"), [
    "telemetry.cbor",
    "base_model.ref",
    "policy.toml",
  ]);
  assert.deepEqual(ns.cat("/queen/export/lora_jobs/job_8932/policy.toml").lines, [
    "[policy]",
    'name = "default"',
  ]);
  assert.deepEqual(ns.cat("/gpu/models/available/llama3-edge-v7/manifest.toml").lines, [
    "[model]",
    'id="llama3-edge-v7"',
  ]);
  assert.deepEqual(ns.cat("/queen/telemetry/device-1/seg/seg-000001").lines, ['{"seq":1}']);
  assert.deepEqual(ns.cat("/queen/telemetry/device-1/latest").lines, ["seg-000001"]);
  ns.echo("/queen/telemetry/device-1/ctl", '{"new":"segment","mime":"text/plain"}');
  assert.deepEqual(ns.cat("/queen/telemetry/device-1/latest").lines, ["seg-000002"]);
  assert.equal(ns.echo("/gpu/models/active", "llama3-edge-v7"), 14);
  assert.deepEqual(ns.cat("/gpu/models/active").lines, ["llama3-edge-v7"]);
  assert.throws(() => ns.echo("/gpu/models/active", "has space"), NamespaceError);
  assert.deepEqual(ns.ls("/"), fresh("queen").ls("/"));
  const mig = new QueenNamespace({ includeMig: true, now: fixedClock });
  assert.deepEqual(mig.ls("/gpu"), ["bridge", "GPU-0", "GPU-1", "MIG-0", "models"]);
  assert.deepEqual(mig.ls("/gpu/MIG-0"), ["info", "ctl", "lease", "status"]);
  assert.match(mig.cat("/gpu/MIG-0/info").lines[0]!, /"name": "MockMIG"/);
});

Deno.test("toJSON/fromJSON round trip keeps tree, workers, counters and log", () => {
  const ns = fresh("demo");
  ns.spawn(LEASE_GPU0);
  const hb = ns.spawn('{"spawn":"heartbeat"}');
  ns.echo(`/worker/${hb}/telemetry`, "tick");
  ns.echo("/queen/telemetry/device-1/ctl", '{"new":"segment"}');
  ns.echo("/log/queen.log", "hello");
  ns.echo("/queen/lifecycle/ctl", "cordon");
  const snapshot = JSON.parse(JSON.stringify(ns.toJSON()));
  const back = QueenNamespace.fromJSON(snapshot, { now: fixedClock });
  assert.deepEqual(back.toJSON(), ns.toJSON());
  assert.equal(back.lifecycleState, "DRAINING");
  back.echo("/queen/lifecycle/ctl", "resume");
  assert.equal(back.spawn('{"spawn":"heartbeat"}'), "worker-3");
  back.echo("/queen/telemetry/device-1/ctl", '{"new":"segment"}');
  assert.deepEqual(back.cat("/queen/telemetry/device-1/latest").lines, ["seg-000003"]);
  assert.equal(back.cat("/log/queen.log").data, "hello");
  assert.throws(() => QueenNamespace.fromJSON({ ...snapshot, version: 2 }), TypeError);
});

Deno.test("two fresh namespaces are identical (deterministic seeds)", () => {
  for (const seed of ["demo", "queen"] as const) {
    assert.deepEqual(fresh(seed).toJSON(), fresh(seed).toJSON());
  }
});
