import assert from "node:assert/strict";
import { ConsoleServer } from "../../server/console_server.ts";
import { recordedCohStdout, runCli, tcpFlags, tempDir } from "../../tests/cli_harness.ts";

const LEASE = [
  "gpu",
  "lease",
  "--gpu",
  "GPU-0",
  "--mem-mb",
  "4096",
  "--streams",
  "2",
  "--ttl-s",
  "120",
];

Deno.test("run over TCP after a lease: coh's live transcript (child output aside)", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  assert.equal((await runCli([...tcpFlags(server), ...LEASE])).status, 0);
  const run = await runCli([...tcpFlags(server), "run", "--gpu", "GPU-0", "--", "true"]);
  assert.equal(run.status, 0, run.stderr);
  // `true` and `echo ok` have the same breadcrumb sizes minus the command length: compare shapes.
  const expected = recordedCohStdout("run_echo_ok", ["ok"])
    .replace("bytes=86", "bytes=83").replace("bytes=94", "bytes=91");
  assert.equal(run.stdout, expected);
});

Deno.test("run: a failing command writes the EXIT breadcrumb, then coh's ERR RUN line, exit 1", async () => {
  await using dir = await tempDir();
  const root = ["--mock-root", dir.path];
  assert.equal((await runCli([...root, ...LEASE])).status, 0);
  const run = await runCli([...root, "run", "--gpu", "GPU-0", "false"]);
  assert.equal(run.status, 1);
  assert.equal(
    run.stdout,
    "OK CAT path=/gpu/GPU-0/lease\nOK ECHO path=/gpu/GPU-0/status bytes=84\n" +
      "OK ECHO path=/gpu/GPU-0/status bytes=93\nERR RUN reason=command exited with code 1\n",
  );
  assert.equal(run.stderr, "cohesix run: command exited with code 1\n");
});

Deno.test("run --json on the mock: the document names the command and exit code", async () => {
  await using dir = await tempDir();
  const root = ["--mock-root", dir.path];
  assert.equal((await runCli([...root, ...LEASE])).status, 0);
  const run = await runCli([...root, "--json", "run", "--gpu", "GPU-0", "--", "true", "-x"]);
  assert.equal(run.status, 0, run.stderr);
  const document = JSON.parse(run.stdout);
  assert.deepEqual(document.command, ["true", "-x"]);
  assert.equal(document.exit_code, 0);
  assert.equal(document.transcript.length, 3);
});

Deno.test("run without a lease on the in-memory mock fails as coh --mock does", async () => {
  const run = await runCli(["--mock", "run", "--gpu", "GPU-0", "--", "true"]);
  assert.equal(run.status, 1);
  assert.equal(
    run.stdout,
    "OK CAT path=/gpu/GPU-0/lease\nERR RUN reason=no active lease for gpu GPU-0\n",
  );
});

Deno.test("run: no command, and no --gpu, are usage errors", async () => {
  const none = await runCli(["--mock", "run", "--gpu", "GPU-0"]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no command given/);
  const noGpu = await runCli(["--mock", "run", "--", "true"]);
  assert.equal(noGpu.status, 2);
  assert.match(noGpu.stderr, /--gpu is required/);
});
