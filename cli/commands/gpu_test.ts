import assert from "node:assert/strict";
import { ConsoleServer } from "../../server/console_server.ts";
import { captureIo } from "../../tests/cli_io.ts";
import { main } from "../main.ts";
import { recordedCohStdout, runCli, tcpFlags } from "../../tests/cli_harness.ts";

Deno.test("gpu list over TCP prints coh's live transcript byte for byte", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  const run = await runCli(["gpu", "list", ...tcpFlags(server)]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, recordedCohStdout("gpu_list"));
  assert.equal(run.stderr, "");
});

Deno.test("gpu list --json: one document with the GPU records under their wire keys", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  const run = await runCli(["--json", ...tcpFlags(server), "gpu", "list"]);
  assert.equal(run.status, 0, run.stderr);
  const document = JSON.parse(run.stdout);
  assert.deepEqual(document.gpus[0], {
    id: "GPU-0",
    name: "Mock 4090",
    memory_mb: 24576,
    sm_count: 144,
    driver_version: "555.0",
    runtime_version: "12.4",
  });
  assert.equal(document.gpus.length, 2);
  assert.deepEqual(document.transcript, recordedCohStdout("gpu_list").trimEnd().split("\n"));
  assert.equal(run.stdout.trimEnd().split("\n").length, 1, "exactly one line of JSON");
});

Deno.test("gpu lease then gpu status over TCP match coh's live lines", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  const status = await runCli(["gpu", "status", "--gpu", "GPU-0", ...tcpFlags(server)]);
  assert.equal(status.stdout, recordedCohStdout("gpu_status_empty"));
  const lease = await runCli([
    ...tcpFlags(server),
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
    "--priority",
    "1",
  ]);
  assert.equal(lease.status, 0, lease.stderr);
  assert.equal(lease.stdout, recordedCohStdout("gpu_lease"));
});

Deno.test("gpu on the mock: list, and lease --json with coh's default priority", async () => {
  const list = await runCli(["gpu", "list", "--mock"]);
  assert.equal(list.status, 0);
  assert.match(list.stdout, /^OK LS path=\/gpu\nOK CAT path=\/gpu\/GPU-0\/info\ngpu id=GPU-0 /);
  const lease = await runCli([
    "--mock",
    "--json",
    "gpu",
    "lease",
    "--gpu=GPU-0",
    "--mem-mb=4096",
    "--streams=1",
    "--ttl-s=60",
  ]);
  assert.equal(lease.status, 0, lease.stderr);
  const document = JSON.parse(lease.stdout);
  assert.equal(document.priority, 0);
  assert.deepEqual(document.transcript[0], "OK ECHO path=/queen/ctl bytes=93");
});

Deno.test("gpu: a failure after connecting prints the transcript, coh's ERR line, then one error line", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  const run = await runCli(["gpu", "status", "--gpu", "GPU-9", ...tcpFlags(server)]);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /^ERR GPU reason=CAT failed: ERR CAT .*path=\/gpu\/GPU-9\/status/);
  assert.equal(run.stdout.split("\n").length, 2);
  assert.match(run.stderr, /^cohesix gpu status: CAT failed: /);
  assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/, "no stack trace");
  const json = await runCli(["--json", "gpu", "status", "--gpu", "GPU-9", ...tcpFlags(server)]);
  assert.equal(json.status, 1);
  assert.equal(json.stdout, "");
  const error = JSON.parse(json.stderr);
  assert.equal(error.code, "command");
  assert.equal(error.verb, "CAT");
  assert.equal(error.reason, "policy");
});

Deno.test("gpu lease: coh's typed flags; out of range is a usage error (exit 2)", async () => {
  const run = await runCli([
    "--mock",
    "gpu",
    "lease",
    "--gpu",
    "GPU-0",
    "--mem-mb",
    "1",
    "--streams",
    "300",
    "--ttl-s",
    "1",
  ]);
  assert.equal(run.status, 2);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    /invalid value '300' for '--streams <STREAMS>': 300 is not in 0\.\.=255/,
  );
  const missing = await runCli(["--mock", "gpu", "status"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--gpu is required/);
});

Deno.test("gpu: -h at every level, and a missing or unknown subcommand", async () => {
  for (const argv of [["gpu", "--help"], ["gpu", "list", "-h"], ["help", "gpu", "lease"]]) {
    const run = await runCli(argv);
    assert.equal(run.status, 0, argv.join(" "));
    assert.match(run.stdout, /usage:\n {2}cohesix gpu list/);
  }
  const publish = await runCli(["gpu", "publish", "--help"]);
  assert.equal(publish.status, 0);
  assert.match(
    publish.stdout,
    /^usage: cohesix gpu publish --registry DIR/,
    "routed to gpu publish",
  );
  assert.equal((await runCli(["gpu"])).status, 2);
  const unknown = await runCli(["gpu", "frob"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown subcommand 'frob'/);
});

Deno.test("gpu list: --deadline-s bounds the whole operation, even when each request may wait", async () => {
  await using server = await ConsoleServer.start({
    seed: "queen",
    faults: [{ kind: "stall", verb: "CAT", times: Infinity }],
  });
  const run = await runCli([
    ...tcpFlags(server),
    "--timeout-s",
    "60",
    "--deadline-s",
    "0.3",
    "gpu",
    "list",
  ]);
  assert.equal(run.status, 1);
  assert.equal(
    run.stdout,
    "OK LS path=/gpu\nERR GPU reason=gpu list did not finish within --deadline-s 0.3\n",
  );
  assert.match(run.stderr, /\nhint: raise --deadline-s, or check that the Queen is answering\n$/);
});

Deno.test("gpu list: Ctrl-C ends it cleanly with the transcript so far", async () => {
  const { promise: catSent, resolve } = Promise.withResolvers<void>();
  await using server = await ConsoleServer.start({
    seed: "queen",
    faults: [{ kind: "stall", verb: "CAT", times: Infinity }],
    log: (line) => {
      if (line.includes("CAT")) resolve();
    },
  });
  const io = captureIo();
  const running = main([...tcpFlags(server), "--timeout-s", "60", "gpu", "list"], io);
  await catSent;
  io.interrupt();
  assert.equal(await running, 1);
  assert.match(io.stdout(), /^OK LS path=\/gpu\nERR GPU reason=/);
  assert.match(io.stderr(), /^cohesix gpu list: /);
});
