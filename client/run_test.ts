import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import {
  CommandError,
  LimitError,
  OperationError,
  PermissionError,
  ValidationError,
} from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { runCommand } from "./run.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

const LEASE =
  '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}';

function leased(): FakeBackend {
  const backend = new FakeBackend();
  backend.put("/gpu/GPU-0/lease", `${LEASE}\n`);
  return backend;
}

const START = '{"schema":"gpu-breadcrumb/v1","event":"START","command":"%","status":"RUNNING"}';

function start(command: string): string {
  return `ECHO /gpu/GPU-0/status ${START.replace("%", command)}`;
}

function exit(command: string, status: string, code?: number): string {
  const tail = code === undefined ? "" : `,"exit_code":${code}`;
  return `ECHO /gpu/GPU-0/status {"schema":"gpu-breadcrumb/v1","event":"EXIT","command":"${command}","status":"${status}"${tail}}`;
}

Deno.test("echo ok: lease read, START 86, EXIT 94, as in run_demo_v0", async () => {
  const backend = leased();
  const audit = new CohesixAudit();
  await runCommand(backend, DEFAULTS, "GPU-0", ["echo", "ok"], { audit });
  assert.deepEqual(backend.calls, [
    "CAT /gpu/GPU-0/lease",
    start("echo ok"),
    exit("echo ok", "OK", 0),
  ]);
  assert.deepEqual(audit.lines, [
    "OK CAT path=/gpu/GPU-0/lease",
    "OK ECHO path=/gpu/GPU-0/status bytes=86",
    "OK ECHO path=/gpu/GPU-0/status bytes=94",
  ]);
});

Deno.test("a failing command records ERR with its code, then fails", async () => {
  const backend = leased();
  const audit = new CohesixAudit();
  await assert.rejects(
    runCommand(backend, DEFAULTS, "GPU-0", ["false"], { audit }),
    (e: unknown) => e instanceof OperationError && e.message === "command exited with code 1",
  );
  assert.deepEqual(backend.calls.slice(1), [start("false"), exit("false", "ERR", 1)]);
  assert.deepEqual(audit.lines.slice(1), [
    "OK ECHO path=/gpu/GPU-0/status bytes=84",
    "OK ECHO path=/gpu/GPU-0/status bytes=93",
  ]);
});

Deno.test("a command killed by a signal records ERR without exit_code", async () => {
  const backend = leased();
  const argv = ["sh", "-c", "kill -9 $$"];
  await assert.rejects(
    runCommand(backend, DEFAULTS, "GPU-0", argv),
    (e: unknown) =>
      e instanceof OperationError && e.message.startsWith("command terminated by signal"),
  );
  assert.equal(backend.calls[2], exit("sh -c kill -9 $$", "ERR"));
});

Deno.test("a program that cannot be spawned records ERR without exit_code", async () => {
  const backend = leased();
  const program = "cohesix-no-such-program-xyz";
  await assert.rejects(
    runCommand(backend, DEFAULTS, "GPU-0", [program]),
    (e: unknown) => e instanceof OperationError && e.message.startsWith(`spawn ${program}`),
  );
  assert.deepEqual(backend.calls.slice(1), [start(program), exit(program, "ERR")]);
});

Deno.test("a command whose breadcrumbs exceed the ECHO cap is refused before anything", async () => {
  const backend = leased();
  // 40 bytes fits START (≤ 50) and EXIT OK 0 (≤ 42) but not EXIT ERR 255 (≤ 39).
  const argv = ["echo", "x".repeat(35)];
  await assert.rejects(
    runCommand(backend, DEFAULTS, "GPU-0", argv),
    (e: unknown) => e instanceof LimitError && e.limit === "console.max_echo_len",
  );
  assert.deepEqual(backend.calls, []);
  // 39 bytes fits every breadcrumb.
  await runCommand(backend, DEFAULTS, "GPU-0", ["echo", "x".repeat(34)]);
  assert.equal(backend.calls.length, 3);
});

Deno.test("non-ASCII commands are refused before anything (the console would corrupt them)", async () => {
  const backend = leased();
  await assert.rejects(runCommand(backend, DEFAULTS, "GPU-0", ["echo", "été"]), ValidationError);
  assert.deepEqual(backend.calls, []);
});

Deno.test("lease problems stop the run after the lease read, before START", async () => {
  const backend = new FakeBackend();
  backend.put("/gpu/GPU-0/lease", "");
  const audit = new CohesixAudit();
  await assert.rejects(
    runCommand(backend, DEFAULTS, "GPU-0", ["echo", "ok"], { audit }),
    (e: unknown) => e instanceof OperationError && e.message === "no active lease for gpu GPU-0",
  );
  assert.deepEqual(backend.calls, ["CAT /gpu/GPU-0/lease"]);
  assert.deepEqual(audit.lines, ["OK CAT path=/gpu/GPU-0/lease"]);
  await assert.rejects(runCommand(backend, DEFAULTS, "GPU-9", ["echo"]), CommandError);
});

Deno.test("empty gpu ids and commands are refused", async () => {
  const backend = leased();
  await assert.rejects(runCommand(backend, DEFAULTS, " ", ["echo"]), /gpu id must not be empty/);
  await assert.rejects(runCommand(backend, DEFAULTS, "GPU-0", []), /command must not be empty/);
  await assert.rejects(runCommand(backend, DEFAULTS, "GPU-0", ["  "]), /command must not be empty/);
  assert.deepEqual(backend.calls, []);
});

Deno.test("without --allow-run the run fails with PermissionError before anything", async () => {
  const script = new URL("../tests/run_permission_probe.ts", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--allow-read", "--allow-env", script.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.deepEqual(JSON.parse(text), {
    name: PermissionError.name,
    flag: "--allow-run=echo",
    calls: [],
  });
});

Deno.test("the command does not inherit the console secrets; everything else is inherited", async () => {
  const dir = await Deno.makeTempDir();
  const names = ["COH_AUTH_TOKEN", "COHSH_AUTH_TOKEN", "COHSH_TICKET_SECRET", "H9_KEEP_ME"];
  const before = names.map((name) => Deno.env.get(name));
  try {
    Deno.env.set("COH_AUTH_TOKEN", "tok-one-secret");
    Deno.env.set("COHSH_AUTH_TOKEN", "tok-two-secret");
    Deno.env.set("COHSH_TICKET_SECRET", "mint-secret");
    Deno.env.set("H9_KEEP_ME", "kept");
    await runCommand(leased(), DEFAULTS, "GPU-0", ["sh", "-c", `env>${dir}/e`]);
    const env = await Deno.readTextFile(`${dir}/e`);
    assert.doesNotMatch(env, /COH_AUTH_TOKEN|COHSH_AUTH_TOKEN|COHSH_TICKET_SECRET|secret/);
    assert.match(env, /^H9_KEEP_ME=kept$/m);
    // This process keeps its own environment.
    assert.equal(Deno.env.get("COH_AUTH_TOKEN"), "tok-one-secret");
    assert.equal(Deno.env.get("COHSH_TICKET_SECRET"), "mint-secret");
  } finally {
    names.forEach((name, i) => {
      const value = before[i];
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    });
    await Deno.remove(dir, { recursive: true });
  }
});
