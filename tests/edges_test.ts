/**
 * The edges where bytes meet the operator's disk and terminal, probed as an attacker would,
 * through the examples as a user runs them (subprocesses with exactly their tasks' permissions):
 * symlinks planted at every artifact, Queen-supplied names carrying the token and terminal
 * escapes, a Queen that is not ONLINE, and a mount that behaves like the real `coh mount`.
 */
import assert from "node:assert/strict";
import { ConsoleServer } from "../server/console_server.ts";
import { type ProcessResult, readAudit, runTask, tempCwd } from "./examples_harness.ts";
import { scriptedServer } from "./scripted_console.ts";

const TOKEN = "tok-Hq3Zr8Wn5Lc2Yv";

async function withCwd(fn: (cwd: string) => Promise<void>): Promise<void> {
  const cwd = tempCwd();
  try {
    await fn(cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

/** Every file each mock example writes, relative to its output folder. */
const ARTIFACTS: Readonly<Record<string, readonly string[]>> = {
  "demo:lease": ["lease_run/audit.txt", "lease_run/gpu_list.json", "lease_run/lease.json"],
  "demo:telemetry": [
    "telemetry_write_pull/audit.txt",
    "telemetry_write_pull/pull/device-1/seg/seg-000001",
    "telemetry_write_pull/pull/device-1/seg/seg-000002",
  ],
  "demo:peft": [
    "peft_roundtrip/audit.txt",
    "peft_roundtrip/adapter/adapter.safetensors",
    "peft_roundtrip/adapter/lora.json",
    "peft_roundtrip/adapter/metrics.json",
    "peft_roundtrip/export/job_8932/base_model.ref",
    "peft_roundtrip/export/job_8932/policy.toml",
    "peft_roundtrip/export/job_8932/telemetry.cbor",
    "peft_roundtrip/registry/active",
    "peft_roundtrip/registry/active_state.toml",
    "peft_roundtrip/registry/available/llama3-edge-v7/adapter.safetensors",
    "peft_roundtrip/registry/available/llama3-edge-v7/manifest.toml",
  ],
};

for (const [task, artifacts] of Object.entries(ARTIFACTS)) {
  Deno.test(`${task}: a symlink planted at every artifact is replaced, never followed`, async () => {
    await withCwd(async (cwd) => {
      const victims = artifacts.map((_, i) => `${cwd}/victim-${i}`);
      artifacts.forEach((artifact, i) => {
        const path = `${cwd}/out/examples/${artifact}`;
        Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        Deno.writeTextFileSync(victims[i]!, `precious ${i}`);
        Deno.symlinkSync(victims[i]!, path);
      });
      const result = await runTask(task, { cwd });
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      artifacts.forEach((artifact, i) => {
        assert.equal(Deno.readTextFileSync(victims[i]!), `precious ${i}`, artifact);
        assert.ok(Deno.lstatSync(`${cwd}/out/examples/${artifact}`).isFile, artifact);
      });
    });
  });
}

Deno.test("a symlinked output folder is the operator's choice: it is followed", async () => {
  await withCwd(async (cwd) => {
    Deno.mkdirSync(`${cwd}/out/elsewhere`, { recursive: true });
    Deno.symlinkSync(`${cwd}/out/elsewhere`, `${cwd}/out/examples`);
    const result = await runTask("demo:lease", { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Deno.lstatSync(`${cwd}/out/elsewhere/lease_run/audit.txt`).isFile);
  });
});

/** Control characters a line printed to a terminal must never carry (`\n` ends lines). */
// deno-lint-ignore no-control-regex -- looking for control characters is the point
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

/** Fails if `text` holds the token (or an 8-character piece of it) or a raw control. */
function assertSafe(text: string, where: string): void {
  for (let i = 0; i + 8 <= TOKEN.length; i++) {
    assert.ok(!text.includes(TOKEN.slice(i, i + 8)), `${where} holds a piece of the token`);
  }
  assert.doesNotMatch(text, RAW_CONTROL, `${where} holds a raw control character`);
}

const FORGED = "telemetry_write_pull: ok, all segments verified";

/** Names a hostile Queen lists: the token, terminal escapes, bidi, a forged line. */
const HOSTILE_NAMES = [
  TOKEN,
  `seg-${TOKEN}`,
  "evil\x1b]0;pwned\x07\x1b[2J\x9b31m",
  "gnp.\u202eexe\u2066x\u2069",
  `x\n${FORGED}`,
];

function assertCleanHostileRun(result: ProcessResult, cwd: string, example: string): void {
  assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
  assertSafe(result.stdout, "stdout");
  assertSafe(result.stderr, "stderr");
  const lines = `${result.stdout}${result.stderr}`.split("\n");
  assert.ok(!lines.some((line) => line.trim() === FORGED), "a forged line reached the output");
  const audit = readAudit(cwd, example);
  assertSafe(audit.join("\n"), "audit.txt");
}

/**
 * A scripted Queen whose `/gpu` lists `names` (each with valid info JSON) and which refuses
 * everything else with an `ERR` quoting the request, as a hostile Queen would.
 */
function hostileGpuQueen(names: readonly string[]) {
  return scriptedServer(async (peer) => {
    await peer.handshake();
    for (let line = await peer.next(); line !== undefined; line = await peer.next()) {
      if (line === "quit") return void (await peer.send("OK QUIT"));
      if (line === "LS /gpu") {
        await peer.send(`OK LS path=/gpu entries=${names.length}`, ...names, "END");
      } else if (line.startsWith("CAT /gpu/") && line.endsWith("/info")) {
        const id = line.split("/")[2]!;
        const info = { id, name: id, memory_mb: 1, sm_count: 1, driver_version: id };
        await peer.send(
          `OK CAT path=${line.slice(4)}`,
          JSON.stringify({ ...info, runtime_version: "r" }),
          "END",
        );
      } else {
        const [verb = "X", path = ""] = line.split(" ");
        await peer.send(`ERR ${verb} reason=policy detail=denied path=${path} error=EPERM`);
      }
    }
  });
}

Deno.test("hostile names through lease_run: the token masked, escapes shown, no forged line", async (t) => {
  for (const name of HOSTILE_NAMES) {
    await t.step(JSON.stringify(name), async () => {
      await using server = hostileGpuQueen([name, "GPU-0"]);
      await withCwd(async (cwd) => {
        const result = await runTask("lease:tcp", {
          cwd,
          port: server.port,
          env: { COH_AUTH_TOKEN: TOKEN },
          extraArgs: ["--verbose", "--gpu", "GPU-0"],
        });
        assertCleanHostileRun(result, cwd, "lease_run");
      });
    });
  }
});

Deno.test("hostile names through telemetry_write_pull: a latest naming the token or escapes", async (t) => {
  for (const name of HOSTILE_NAMES) {
    await t.step(JSON.stringify(name), async () => {
      await using server = await ConsoleServer.start({
        port: 0,
        token: TOKEN,
        seed: "queen",
        // Every CAT (the device's `latest` first) gains one more body line: the hostile name.
        faults: [{ kind: "inject", verb: "CAT", times: Infinity, lines: [name] }],
      });
      await withCwd(async (cwd) => {
        const result = await runTask("telemetry:tcp", {
          cwd,
          port: server.port,
          env: { COH_AUTH_TOKEN: TOKEN },
          extraArgs: ["--verbose"],
        });
        assertCleanHostileRun(result, cwd, "telemetry_write_pull");
      });
    });
  }
});

Deno.test("a Queen that is not ONLINE: lease_run names the lifecycle state and lifecycle resume", async (t) => {
  for (const [command, state] of [["quiesce", "QUIESCED"], ["cordon", "DRAINING"]] as const) {
    await t.step(state, async () => {
      await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
      server.namespace.echo("/queen/lifecycle/ctl", command);
      assert.deepEqual(server.namespace.cat("/proc/lifecycle/state").data, `state=${state}`);
      await withCwd(async (cwd) => {
        const result = await runTask("lease:tcp", {
          cwd,
          port: server.port,
          env: { COH_AUTH_TOKEN: TOKEN },
        });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`lifecycle state is ${state}`));
        assert.match(result.stderr, /lifecycle resume/);
        assert.doesNotMatch(result.stderr, /pick a listed GPU/);
      });
    });
  }
});

/**
 * A folder that behaves like a `coh mount` of release 0.3.0-alpha2 (OPERATIONS.md §11): the
 * tree lists, but every file reads empty.
 */
function seedCohMount(root: string): void {
  for (const path of ["/gpu/GPU-0/info", "/gpu/GPU-0/status", "/proc/lifecycle/state"]) {
    Deno.mkdirSync(`${root}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    Deno.writeTextFileSync(`${root}${path}`, "");
  }
}

Deno.test("a mount that reads empty like coh mount: not usable, use the TCP backend", async () => {
  await withCwd(async (cwd) => {
    seedCohMount(`${cwd}/mnt/coh`);
    const result = await runTask("lease:fs", { cwd });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /mount at .*mnt\/coh is not usable to read \/gpu\/GPU-0\/info/);
    assert.match(result.stderr, /use the TCP backend/);
    assert.doesNotMatch(result.stderr, /not JSON/);
  });
});
