import assert from "node:assert/strict";
import { ConsoleServer } from "../../server/console_server.ts";
import { recordedCohStdout, runCli, tcpFlags, tempDir } from "../../tests/cli_harness.ts";
import { ERASE_LINE } from "../progress.ts";

const DEMO = "telemetry demo line 1\ntelemetry demo line 2\n";

Deno.test("telemetry push then pull over TCP: cohsh's push line, coh's live pull transcript", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  await using dir = await tempDir();
  const file = `${dir.path}/demo.txt`;
  await Deno.writeTextFile(file, DEMO);
  for (const seg of ["seg-000001", "seg-000002"]) {
    const push = await runCli([
      ...tcpFlags(server),
      "telemetry",
      "push",
      file,
      "--device",
      "device-1",
    ]);
    assert.equal(push.status, 0, push.stderr);
    assert.equal(
      push.stdout,
      `OK TELEMETRY action=push device=device-1 seg_id=${seg} records=1 bytes=124\n`,
    );
  }
  const out = `${dir.path}/pulled`;
  const pull = await runCli([...tcpFlags(server), "telemetry", "pull", "--out", out]);
  assert.equal(pull.status, 0, pull.stderr);
  assert.equal(pull.stdout, recordedCohStdout("telemetry_pull"));
  const saved = await Deno.readTextFile(`${out}/device-1/seg/seg-000002`);
  assert.equal(JSON.parse(saved).payload, DEMO);

  const json = await runCli(["--json", ...tcpFlags(server), "telemetry", "pull", "--out", out]);
  const document = JSON.parse(json.stdout);
  assert.deepEqual(
    [document.devices, document.segments, document.bytes, document.out],
    [1, 2, 246, out],
  );
});

Deno.test("telemetry push: cohsh's file checks and its ERR TELEMETRY line", async () => {
  await using dir = await tempDir();
  const cases: [string, string | Uint8Array, RegExp][] = [
    ["data.bin", "x\n", /extension 'bin' is not allowed \(allowed: txt, log, json, ndjson, csv\)/],
    ["empty.txt", "", /telemetry push source is empty/],
    ["big.txt", "x".repeat(32769), /source exceeds max_bytes_per_segment 32768 bytes/],
    ["latin1.txt", new Uint8Array([0xe9, 0x0a]), /source must be UTF-8 text/],
    ["noext", "x\n", /telemetry push requires a file extension/],
  ];
  for (const [name, content, reason] of cases) {
    const path = `${dir.path}/${name}`;
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
    const run = await runCli(["--mock", "telemetry", "push", path, "--device", "dev"]);
    assert.equal(run.status, 1, name);
    assert.match(run.stdout, /^ERR TELEMETRY action=push device=dev reason=/, name);
    assert.match(run.stdout, reason, name);
  }
  const missing = await runCli([
    "--mock",
    "telemetry",
    "push",
    `${dir.path}/nope.txt`,
    "--device",
    "d",
  ]);
  assert.match(missing.stdout, /reason=telemetry push source not found: .*nope\.txt\n$/);
  const slash = await runCli([
    "--mock",
    "telemetry",
    "push",
    `${dir.path}/nope.txt`,
    "--device",
    "a/b",
  ]);
  assert.match(slash.stdout, /reason=telemetry device id must not contain '\/'/);
});

Deno.test("telemetry push: the mime type follows the extension", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/rows.ndjson`;
  await Deno.writeTextFile(path, '{"a":1}\n');
  const run = await runCli(["--mock", "--json", "telemetry", "push", path, "--device", "d"]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).mime, "application/x-ndjson");
});

Deno.test("telemetry push: usage errors (no file, no device) exit 2 without an ERR line", async () => {
  const noFile = await runCli(["--mock", "telemetry", "push", "--device", "d"]);
  assert.equal(noFile.status, 2);
  assert.equal(noFile.stdout, "");
  assert.match(noFile.stderr, /telemetry push requires <src_file>/);
  const noDevice = await runCli(["--mock", "telemetry", "push", "f.txt"]);
  assert.equal(noDevice.status, 2);
  assert.match(noDevice.stderr, /telemetry push requires --device <id>/);
});

async function pushedMockRoot(root: string, file: string, devices: number): Promise<void> {
  for (let i = 1; i <= devices; i++) {
    const run = await runCli(["--mock-root", root, "telemetry", "push", file, "--device", `d${i}`]);
    assert.equal(run.status, 0, run.stderr);
  }
}

Deno.test("telemetry pull: a progress line on a terminal, erased before the transcript", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/demo.txt`;
  await Deno.writeTextFile(file, DEMO);
  const root = `${dir.path}/mock`;
  await pushedMockRoot(root, file, 3);
  const argv = ["--mock-root", root, "telemetry", "pull", "--out", `${dir.path}/out`];
  const tty = await runCli(argv, { terminal: { stderr: true } });
  assert.equal(tty.status, 0);
  assert.match(tty.stderr, /telemetry pull: 1 segment\(s\), /);
  assert.match(tty.stderr, /telemetry pull: \d+ segment\(s\), [\d.]+ (B|KiB) \(device d3\)/);
  assert.ok(tty.stderr.endsWith(ERASE_LINE), "the progress line is erased at the end");
  const piped = await runCli(argv);
  assert.equal(piped.stderr, "", "nothing extra when stderr is piped");
  assert.equal(tty.stdout, piped.stdout, "stdout is the same either way");
});

Deno.test("telemetry push: record progress on a terminal only", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/many.log`;
  await Deno.writeTextFile(file, "line of telemetry\n".repeat(400));
  const argv = ["--mock", "telemetry", "push", file, "--device", "big"];
  const tty = await runCli(argv, { terminal: { stderr: true } });
  assert.equal(tty.status, 0, tty.stderr);
  const total = /telemetry push: record 1\/(\d+) \(7\.0 KiB\)/.exec(tty.stderr)?.[1];
  assert.ok(total !== undefined && Number(total) > 1, tty.stderr.slice(0, 200));
  assert.ok(tty.stderr.endsWith(`record ${total}/${total} (7.0 KiB)${ERASE_LINE}`));
  assert.match(
    tty.stdout,
    new RegExp(
      `^OK TELEMETRY action=push device=big seg_id=seg-000001 records=${total} bytes=\\d+\\n$`,
    ),
  );
  assert.equal((await runCli(argv)).stderr, "");
});
