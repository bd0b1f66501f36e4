/**
 * `cli/main.ts` as a process, with the least permissions each subcommand needs: what the README's
 * permission table promises, and the refusal (exit 1, the exact flag, nothing sent) one flag short.
 */

import assert from "node:assert/strict";
import { ConsoleServer } from "../server/console_server.ts";
import { recordedCohStdout, tempDir } from "../tests/cli_harness.ts";
import { REPO_DIR, runProcess } from "../tests/examples_harness.ts";

const MAIN = `${REPO_DIR}/cli/main.ts`;

function cohesix(permissions: readonly string[], argv: readonly string[], cwd?: string) {
  return runProcess(Deno.execPath(), ["run", "--quiet", ...permissions, MAIN, ...argv], {
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" },
    ...(cwd === undefined ? {} : { cwd }),
  });
}

Deno.test("process: gpu list with only --allow-net to the console prints coh's transcript", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  const address = `${server.hostname}:${server.port}`;
  const flags = ["--tcp-port", String(server.port), "--auth-token", "changeme"];
  const ok = await cohesix([`--allow-net=${address}`], ["gpu", "list", ...flags]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, recordedCohStdout("gpu_list"));
  assert.equal(ok.stderr, "");

  const refused = await cohesix([], ["gpu", "list", ...flags]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, "");
  assert.equal(
    refused.stderr,
    `cohesix gpu list: connecting to the Queen at ${address} needs the Deno permission ` +
      `--allow-net=${address}\nhint: re-run with --allow-net=${address}\n`,
  );
  // Without --auth-token the token variables are needed too, named in the same message.
  const noEnv = await cohesix([`--allow-net=${address}`], [
    "gpu",
    "list",
    "--tcp-port",
    String(server.port),
  ]);
  assert.match(noEnv.stderr, /--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN\n$/);
});

Deno.test("process: run --json keeps stdout for the one document; the command's output goes to stderr", async () => {
  await using dir = await tempDir();
  const mock = `${dir.path}/mock`;
  const rw = [`--allow-read=${mock}`, `--allow-write=${mock}`];
  const lease = await cohesix(rw, [
    "--mock-root",
    mock,
    "gpu",
    "lease",
    "--gpu",
    "GPU-0",
    "--mem-mb",
    "1",
    "--streams",
    "1",
    "--ttl-s",
    "9",
  ]);
  assert.equal(lease.code, 0, lease.stderr);
  const run = await cohesix([...rw, "--allow-run=echo"], [
    "--mock-root",
    mock,
    "--json",
    "run",
    "--gpu",
    "GPU-0",
    "--",
    "echo",
    "hello",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).exit_code, 0);
  assert.equal(run.stderr, "hello\n");
  const human = await cohesix([...rw, "--allow-run=echo"], [
    "--mock-root",
    mock,
    "run",
    "--gpu",
    "GPU-0",
    "echo",
    "hi",
  ]);
  assert.match(human.stdout, /^hi\nOK CAT path=\/gpu\/GPU-0\/lease\n/);
  const noRun = await cohesix(rw, ["--mock-root", mock, "run", "--gpu", "GPU-0", "echo", "hi"]);
  assert.equal(noRun.code, 1);
  assert.equal(noRun.stdout, "", "refused before anything was read or written");
  assert.match(noRun.stderr, /needs the Deno permission --allow-run=echo\n/);
});

Deno.test("process: ticket mint with --secret needs no permission at all; -v shows no secret", async () => {
  const minted = await cohesix([], [
    "-v",
    "ticket",
    "mint",
    "--role",
    "queen",
    "--secret",
    "bootstrap",
    "--issued-at-ms",
    "1700000000000",
  ]);
  assert.equal(minted.code, 0, minted.stderr);
  assert.equal(
    minted.stdout,
    "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1\n",
  );
  const wrong = await cohesix([], [
    "-v",
    "ticket",
    "inspect",
    minted.stdout.trim(),
    "--secret",
    "not-the-secret",
  ]);
  assert.equal(wrong.code, 1);
  assert.doesNotMatch(wrong.stdout + wrong.stderr, /not-the-secret/);
});

Deno.test("process: --version, --help and a usage error's exit status", async () => {
  const version = await cohesix([], ["--version"]);
  assert.match(version.stdout, /^cohesix \d+\.\d+\.\d+\n$/);
  const help = await cohesix([], ["--help"]);
  for (const name of ["gpu", "run", "telemetry", "peft", "doctor", "ticket"]) {
    assert.match(help.stdout, new RegExp(`\\n  ${name} +\\S`), name);
  }
  const usage = await cohesix([], ["gpu", "lease", "--gpu"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^cohesix gpu: --gpu needs a value \(ID\)\nhint: /);
});
