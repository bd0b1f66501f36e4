import assert from "node:assert/strict";
import { runCli, tempDir } from "../tests/cli_harness.ts";
import { fixturePath } from "../tests/fixtures.ts";

Deno.test("--policy: the release coh policy is accepted by coh's verbs", async () => {
  const run = await runCli([
    "--policy",
    fixturePath("policy/coh_policy.toml"),
    "gpu",
    "list",
    "--mock",
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^OK LS path=\/gpu\n/);
});

Deno.test("--policy: a tampered file stops before anything runs, with coh's message and no ERR line", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/coh_policy.toml`;
  await Deno.writeTextFile(
    path,
    (await Deno.readTextFile(fixturePath("policy/coh_policy.toml"))).replace(
      "max_devices = 32",
      "max_devices = 33",
    ),
  );
  const run = await runCli(["gpu", "list", "--mock", "--policy", path]);
  assert.equal(run.status, 1);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    /^cohesix gpu list: coh policy hash mismatch: expected 73da6cb6\S+ got [0-9a-f]{64}\nhint: /,
  );
});

Deno.test("--policy: cohsh's file given to a coh verb says which file it is", async () => {
  const run = await runCli([
    "--json",
    "--policy",
    fixturePath("policy/cohsh_policy.toml"),
    "gpu",
    "list",
    "--mock",
  ]);
  assert.equal(run.status, 1);
  const error = JSON.parse(run.stderr);
  assert.equal(error.code, "policy");
  assert.equal(
    error.hint,
    "that file is the release's cohsh_policy.toml; this command takes coh_policy.toml",
  );
});

Deno.test("--policy: a missing file is a policy error naming it", async () => {
  const run = await runCli(["gpu", "list", "--mock", "--policy", "/nonexistent/coh_policy.toml"]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /coh policy \/nonexistent\/coh_policy\.toml not found/);
});
