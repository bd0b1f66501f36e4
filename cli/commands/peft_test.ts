import assert from "node:assert/strict";
import { runCli, tempDir } from "../../tests/cli_harness.ts";
import { readFixture } from "../../tests/fixtures.ts";
import { ERASE_LINE } from "../progress.ts";

async function adapter(dir: string): Promise<string> {
  const from = `${dir}/adapter`;
  await Deno.mkdir(from);
  await Deno.writeTextFile(`${from}/adapter.safetensors`, "adapter-bytes");
  await Deno.writeTextFile(`${from}/lora.json`, '{"rank":8}');
  await Deno.writeTextFile(`${from}/metrics.json`, '{"loss":0.02}');
  return from;
}

Deno.test("peft export → import ×2 → activate → rollback: coh's lines, the golden acks", async () => {
  await using dir = await tempDir();
  const root = ["--mock-root", `${dir.path}/mock`];
  const from = await adapter(dir.path);
  const out = `${dir.path}/export`;
  const registry = ["--registry", `${dir.path}/registry`];
  const runs = [
    ["peft", "export", "--job", "job_8932", "--out", out],
    [
      "peft",
      "import",
      "--model",
      "llama3-edge-v7",
      "--from",
      from,
      "--job",
      "job_8932",
      "--export",
      out,
      ...registry,
    ],
    [
      "peft",
      "import",
      "--model",
      "llama3-edge-v6",
      "--from",
      from,
      "--job",
      "job_8932",
      "--export",
      out,
      ...registry,
    ],
    ["peft", "activate", "--model", "llama3-edge-v6", ...registry],
    ["peft", "activate", "--model", "llama3-edge-v7", ...registry],
    ["peft", "rollback", ...registry],
  ];
  const stdout: string[] = [];
  for (const argv of runs) {
    const run = await runCli([...root, ...argv]);
    assert.equal(run.status, 0, `${argv.join(" ")}: ${run.stderr}`);
    assert.equal(run.stderr, "");
    stdout.push(run.stdout);
  }
  const golden = readFixture("transcripts/peft_roundtrip_v0/cohsh.txt").split("\n");
  assert.equal(stdout[0], golden.slice(0, 5).join("\n") + "\n");
  assert.equal(
    stdout[1],
    `peft import model=llama3-edge-v7 manifest=${dir.path}/registry/available/llama3-edge-v7/manifest.toml\n`,
  );
  assert.equal(
    stdout[4],
    "OK ECHO path=/gpu/models/active bytes=15\npeft activated model=llama3-edge-v7\n",
  );
  assert.equal(
    stdout[5],
    "OK ECHO path=/gpu/models/active bytes=15\npeft rollback from=llama3-edge-v7 to=llama3-edge-v6\n",
  );
  assert.equal(
    await Deno.readTextFile(`${dir.path}/registry/active_state.toml`),
    'current = "llama3-edge-v6"\nprevious = "llama3-edge-v7"\n',
  );
});

Deno.test("peft --json: export, import, activate documents", async () => {
  await using dir = await tempDir();
  const root = ["--mock-root", `${dir.path}/mock`, "--json"];
  const from = await adapter(dir.path);
  const out = `${dir.path}/export`;
  const registry = ["--registry", `${dir.path}/registry`];
  const exported = JSON.parse(
    (await runCli([...root, "peft", "export", "--job", "job_8932", "--out", out])).stdout,
  );
  assert.deepEqual(exported.written, ["telemetry.cbor", "base_model.ref", "policy.toml"]);
  assert.equal(exported.job_dir, `${out}/job_8932`);
  const imported = JSON.parse(
    (await runCli([
      ...root,
      "peft",
      "import",
      "--model",
      "m1",
      "--from",
      from,
      "--job",
      "job_8932",
      "--export",
      out,
      ...registry,
    ])).stdout,
  );
  assert.deepEqual(imported, {
    model_id: "m1",
    manifest: `${dir.path}/registry/available/m1/manifest.toml`,
    adapter_bytes: 13,
    transcript: [`peft import model=m1 manifest=${dir.path}/registry/available/m1/manifest.toml`],
  });
  const activated = JSON.parse(
    (await runCli([...root, "peft", "activate", "--model", "m1", ...registry])).stdout,
  );
  assert.equal(activated.current, "m1");
  assert.equal(activated.previous, null);
});

Deno.test("peft import is local: no Queen, no backend permission; a second import fails", async () => {
  await using dir = await tempDir();
  const from = await adapter(dir.path);
  const out = `${dir.path}/export`;
  assert.equal(
    (await runCli([
      "--mock-root",
      `${dir.path}/mock`,
      "peft",
      "export",
      "--job",
      "j",
      "--out",
      out,
    ])).status,
    1,
    "the mock has no job j",
  );
  await Deno.mkdir(`${out}/j`, { recursive: true });
  await Deno.writeTextFile(`${out}/j/base_model.ref`, "base\n");
  await Deno.writeTextFile(`${out}/j/policy.toml`, "[p]\n");
  await Deno.writeTextFile(`${out}/j/telemetry.cbor`, "t\n");
  // TCP backend flags with an unreachable port: import never connects.
  const argv = [
    "--tcp-port",
    "1",
    "peft",
    "import",
    "--model",
    "m",
    "--from",
    from,
    "--job",
    "j",
    "--export",
    out,
    "--registry",
    `${dir.path}/r`,
  ];
  const first = await runCli(argv);
  assert.equal(first.status, 0, first.stderr);
  const second = await runCli(argv);
  assert.equal(second.status, 1);
  assert.equal(second.stdout, "ERR PEFT reason=model m already imported\n");
  assert.match(second.stderr, /^cohesix peft import: model m already imported\nhint: remove /);
});

Deno.test("peft export and import show progress on a terminal only", async () => {
  await using dir = await tempDir();
  const root = ["--mock-root", `${dir.path}/mock`];
  const from = await adapter(dir.path);
  const out = `${dir.path}/export`;
  const exported = await runCli([...root, "peft", "export", "--job", "job_8932", "--out", out], {
    terminal: { stderr: true },
  });
  assert.match(exported.stderr, /peft export: job_8932: file 3\/3/);
  assert.ok(exported.stderr.endsWith(ERASE_LINE));
  const imported = await runCli(
    [
      "peft",
      "import",
      "--model",
      "m",
      "--from",
      from,
      "--job",
      "job_8932",
      "--export",
      out,
      "--registry",
      `${dir.path}/r`,
    ],
    { terminal: { stderr: true } },
  );
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stderr, /peft import: copying and hashing m \(adapter 13 B\)/);
  const piped = await runCli([...root, "peft", "export", "--job", "job_8932", "--out", out]);
  assert.equal(piped.stderr, "");
});

Deno.test("peft rollback with nothing to roll back to: coh's message, ERR PEFT", async () => {
  await using dir = await tempDir();
  const run = await runCli(["--mock", "peft", "rollback", "--registry", `${dir.path}/r`]);
  assert.equal(run.status, 1);
  assert.equal(run.stdout, "ERR PEFT reason=no previous model available for rollback\n");
});

Deno.test("peft import --publish: import, then coh's publish ack; the Queen confirms the bytes", async () => {
  await using dir = await tempDir();
  const root = ["--mock-root", `${dir.path}/mock`];
  const from = await adapter(dir.path);
  const out = `${dir.path}/export`;
  assert.equal(
    (await runCli([...root, "peft", "export", "--job", "job_8932", "--out", out])).status,
    0,
  );
  const importArgs = ["--from", from, "--job", "job_8932", "--export", out];
  const registry = ["--registry", `${dir.path}/registry`];
  const run = await runCli([
    ...root,
    "peft",
    "import",
    "--model",
    "llama3-edge-v7",
    ...importArgs,
    ...registry,
    "--publish",
  ]);
  assert.equal(run.status, 0, run.stderr);
  const [ack, line, ...rest] = run.stdout.split("\n");
  const match = /^OK ECHO path=\/gpu\/bridge\/ctl bytes=(\d+) sha256=([0-9a-f]{64})$/.exec(
    ack ?? "",
  );
  assert.ok(match, `publish ack first: ${run.stdout}`);
  assert.equal(
    line,
    `peft import model=llama3-edge-v7 manifest=${dir.path}/registry/available/llama3-edge-v7/manifest.toml`,
  );
  assert.deepEqual(rest, [""]);
  const status = await runCli([...root, "cat", "/gpu/bridge/status"]);
  assert.match(status.stdout, new RegExp(`state=ok bytes=${match[1]} sha256=${match[2]}`));
  const models = await runCli([...root, "ls", "/gpu/models/available"]);
  assert.match(models.stdout, /llama3-edge-v7/);

  const json = await runCli([
    ...root,
    "--json",
    "peft",
    "import",
    "--model",
    "llama3-edge-v6",
    ...importArgs,
    ...registry,
    "--publish",
    "--mock-inventory",
  ]);
  assert.equal(json.status, 0, json.stderr);
  const document = JSON.parse(json.stdout);
  assert.match(document.published.sha256, /^[0-9a-f]{64}$/);
  assert.ok(document.published.bytes > 0);
});

Deno.test("peft import: inventory flags without --publish are a usage error", async () => {
  const run = await runCli([
    "--mock",
    "peft",
    "import",
    "--model",
    "m",
    "--from",
    "a",
    "--job",
    "j",
    "--export",
    "e",
    "--mock-inventory",
  ]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /need --publish/);
});
