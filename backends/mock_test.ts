import assert from "node:assert/strict";
import { AbortedError, CommandError, LimitError, ValidationError } from "../core/errors.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { MOCK_STATE_FILE, MockBackend, QueenNamespace } from "./mock.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);
const LEASE =
  '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}}\n';

Deno.test("listDir keeps the Queen's order; readFile joins lines without a final newline", async () => {
  await using mock = new MockBackend();
  assert.equal(mock.kind, "mock");
  assert.deepEqual(await mock.listDir("/gpu"), ["bridge", "GPU-0", "GPU-1", "models"]);
  assert.equal(
    text(await mock.readFile("/queen/export/lora_jobs/job_8932/policy.toml", 8192)),
    '[policy]\nname = "default"',
  );
  assert.equal(text(await mock.readFile("/gpu/GPU-0/status", 10)), "");
  assert.equal(text(await mock.readFile("/proc/lifecycle/state", 64)), "state=ONLINE");
});

Deno.test("readFile uses the data= summary when there is no body (/log/queen.log)", async () => {
  await using mock = new MockBackend({ seed: "queen" });
  assert.equal(await mock.writeAppend("/log/queen.log", encoder.encode("marker one\n")), 11);
  assert.equal(text(await mock.readFile("/log/queen.log", 1024)), "marker one");
});

Deno.test("readFile enforces maxBytes on the joined bytes, at and one past", async () => {
  await using mock = new MockBackend();
  const path = "/queen/telemetry/device-1/seg/seg-000001";
  assert.equal(text(await mock.readFile(path, 9)), '{"seq":1}');
  await assert.rejects(
    () => mock.readFile(path, 8),
    (e: unknown) => e instanceof LimitError && e.message === `read ${path} exceeds max bytes 8`,
  );
});

Deno.test("namespace refusals become the CommandError the TCP path raises", async () => {
  await using mock = new MockBackend({ seed: "queen" });
  await assert.rejects(
    () => mock.listDir("/queen/export/lora_jobs"),
    (e: unknown) =>
      e instanceof CommandError && e.verb === "LS" &&
      e.message ===
        "LS failed: ERR LS reason=policy detail=invalid-path path=/queen/export/lora_jobs error=invalid path" &&
      e.reason === "policy" && e.detail === "invalid-path" && e.path === "/queen/export/lora_jobs",
  );
  await assert.rejects(
    () => mock.readFile("/gpu/bridge/info", 100),
    (e: unknown) => e instanceof CommandError && e.verb === "CAT",
  );
  await assert.rejects(
    () => mock.writeAppend("/gpu/models/active", encoder.encode("llama3-edge-v7\n")),
    (e: unknown) =>
      e instanceof CommandError &&
      e.server.line ===
        "ERR ECHO reason=policy detail=invalid-path path=/gpu/models/active error=invalid path",
  );
  await assert.rejects(
    () => mock.writeAppend("/queen/ctl", encoder.encode('{"kill":"worker-7"}\n')),
    (e: unknown) => e instanceof CommandError && e.server.error === "invalid path",
  );
});

Deno.test("writeAppend: lease spawn, caller's byte count, lease line readable", async () => {
  await using mock = new MockBackend();
  assert.equal(await mock.writeAppend("/queen/ctl", encoder.encode(LEASE)), 94);
  assert.equal(
    text(await mock.readFile("/gpu/GPU-0/lease", 1024)),
    '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}',
  );
  assert.deepEqual(await mock.listDir("/worker"), ["worker-1"]);
  assert.equal(await mock.writeAppend("/queen/ctl", encoder.encode('{"kill":"worker-1"}\n')), 20);
  assert.deepEqual(await mock.listDir("/worker"), []);
});

Deno.test("writeAppend applies the console limits: 128-byte payload ok, 129 refused", async () => {
  await using mock = new MockBackend();
  const seg = "/queen/telemetry/device-1/seg/seg-000001";
  const at = `{"p":"${"a".repeat(128 - 8)}"}`;
  assert.equal(at.length, 128);
  assert.equal(await mock.writeAppend(seg, encoder.encode(`${at}\n`)), 129);
  await assert.rejects(
    () => mock.writeAppend(seg, encoder.encode(`{"p":"${"a".repeat(121)}"}`)),
    (e: unknown) => e instanceof LimitError && e.limit === "console.max_echo_len",
  );
  await assert.rejects(() => mock.writeAppend(seg, encoder.encode("a\nb")), ValidationError);
  await assert.rejects(() => mock.writeAppend(seg, encoder.encode("\n")), ValidationError);
  await assert.rejects(() => mock.writeAppend(seg, encoder.encode("h\u00e9")), ValidationError);
  assert.deepEqual(
    text(await mock.readFile(seg, 4096)).split("\n"),
    ['{"seq":1}', at],
  );
});

Deno.test("the whole ECHO line must fit console.max_line_len", async () => {
  await using mock = new MockBackend({
    defaults: { ...DEFAULTS, console: { ...DEFAULTS.console, maxLineLen: 40 } },
  });
  const path = "/log/queen.log"; // "ECHO " + 14 + " " = 20 bytes of overhead
  assert.equal(await mock.writeAppend(path, encoder.encode("x".repeat(20))), 20);
  await assert.rejects(
    () => mock.writeAppend(path, encoder.encode("x".repeat(21))),
    (e: unknown) => e instanceof LimitError && e.limit === "console.max_line_len",
  );
});

Deno.test("every path is validated before the namespace sees it", async () => {
  await using mock = new MockBackend();
  await assert.rejects(() => mock.listDir("gpu"), ValidationError);
  await assert.rejects(() => mock.listDir("/gpu/"), ValidationError);
  await assert.rejects(() => mock.readFile("/a/../b", 10), ValidationError);
  await assert.rejects(() => mock.readFile(`/${"a".repeat(96)}`, 10), LimitError);
  await assert.rejects(
    () => mock.writeAppend("/a b", encoder.encode("x")),
    ValidationError,
  );
});

Deno.test("aborted signal and closed backend are refused", async () => {
  const mock = new MockBackend();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(() => mock.listDir("/", { signal: controller.signal }), AbortedError);
  await mock.close();
  await mock.close();
  await assert.rejects(() => mock.listDir("/"), /closed/);
});

Deno.test("a shared namespace is visible through the backend", async () => {
  const namespace = new QueenNamespace({ seed: "queen" });
  await using mock = new MockBackend({ namespace });
  namespace.spawn('{"spawn":"heartbeat"}');
  assert.deepEqual(await mock.listDir("/worker"), ["worker-1"]);
  assert.equal(mock.namespace, namespace);
});

Deno.test("two fresh mocks give identical results (deterministic)", async () => {
  const run = async () => {
    await using mock = new MockBackend({ includeMig: true });
    await mock.writeAppend("/queen/ctl", encoder.encode(LEASE));
    await mock.writeAppend(
      "/queen/telemetry/device-9/ctl",
      encoder.encode('{"new":"segment","mime":"text/plain"}\n'),
    );
    return {
      gpu: await mock.listDir("/gpu"),
      lease: text(await mock.readFile("/gpu/GPU-0/lease", 1024)),
      latest: text(await mock.readFile("/queen/telemetry/device-9/latest", 64)),
      workers: await mock.listDir("/worker"),
    };
  };
  const [a, b] = [await run(), await run()];
  assert.deepEqual(a, b);
  assert.equal(a.latest, "seg-000001");
});

Deno.test("persistence round trip: state survives close and reopen in a temp dir", async () => {
  const root = await Deno.makeTempDir();
  try {
    {
      await using mock = await MockBackend.open({ root });
      await mock.writeAppend("/queen/ctl", encoder.encode(LEASE));
      await mock.writeAppend("/log/queen.log", encoder.encode("persisted line\n"));
    }
    const saved = JSON.parse(await Deno.readTextFile(`${root}/${MOCK_STATE_FILE}`));
    assert.equal(saved.version, 1);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(root))).map((e) => e.name), [
      MOCK_STATE_FILE,
    ]);
    {
      await using mock = await MockBackend.open({ root, seed: "queen" });
      assert.deepEqual(await mock.listDir("/worker"), ["worker-1"]);
      assert.equal(text(await mock.readFile("/log/queen.log", 100)), "persisted line");
      assert.deepEqual(await mock.listDir("/gpu"), ["bridge", "GPU-0", "GPU-1", "models"]);
      await mock.writeAppend("/queen/ctl", encoder.encode('{"spawn":"heartbeat"}\n'));
      assert.deepEqual(await mock.listDir("/worker"), ["worker-1", "worker-2"]);
    }
    await Deno.writeTextFile(`${root}/${MOCK_STATE_FILE}`, "{not json");
    await assert.rejects(() => MockBackend.open({ root }), /not valid JSON/);
    // A symlink planted at the state file is neither read nor written through.
    await Deno.remove(`${root}/${MOCK_STATE_FILE}`);
    await Deno.writeTextFile(`${root}/../victim-${root.slice(-6)}`, "precious");
    await Deno.symlink(`${root}/../victim-${root.slice(-6)}`, `${root}/${MOCK_STATE_FILE}`);
    await assert.rejects(() => MockBackend.open({ root }), /is a symlink; it is never followed/);
    assert.equal(await Deno.readTextFile(`${root}/../victim-${root.slice(-6)}`), "precious");
    await Deno.remove(`${root}/../victim-${root.slice(-6)}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("open({ root }) without permission names the exact flag", async () => {
  const root = await Deno.makeTempDir();
  const scripts = await Deno.makeTempDir();
  try {
    const script = `${scripts}/open_mock.ts`;
    await Deno.writeTextFile(
      script,
      `import { MockBackend } from ${JSON.stringify(new URL("./mock.ts", import.meta.url).href)};
try { await MockBackend.open({ root: ${JSON.stringify(root)} }); console.log("opened"); }
catch (e) { console.log(e.constructor.name + ": " + e.message); }`,
    );
    const run = async (flags: string[]) => {
      const result = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", ...flags, script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return decoder.decode(result.stdout);
    };
    assert.match(await run([]), new RegExp(`PermissionError: .*--allow-read=${root}`));
    assert.match(
      await run([`--allow-read=${root}`]),
      new RegExp(`PermissionError: .*--allow-write=${root}`),
    );
    assert.equal(await run([`--allow-read=${root}`, `--allow-write=${root}`]), "opened\n");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(scripts, { recursive: true });
  }
});
