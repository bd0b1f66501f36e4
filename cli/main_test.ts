import assert from "node:assert/strict";
import { captureIo } from "../tests/cli_io.ts";
import { main } from "./main.ts";
import { backendChoiceOf, splitGlobalFlags } from "./global_flags.ts";
import { VERSION } from "./version.ts";

Deno.test("--version prints the package version from deno.json", async () => {
  const io = captureIo();
  assert.equal(await main(["--version"], io), 0);
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(VERSION, config.version);
  assert.equal(io.stdout(), `cohesix ${VERSION}\n`);
});

Deno.test("no command is a usage error (exit 2) with a hint", async () => {
  const io = captureIo();
  assert.equal(await main([], io), 2);
  assert.equal(io.stdout(), "");
  assert.match(io.stderr(), /^cohesix: no command given\nhint: run cohesix --help/);
});

Deno.test("an unknown command is a usage error; with --json it is one JSON object on stderr", async () => {
  const human = captureIo();
  assert.equal(await main(["frobnicate"], human), 2);
  assert.match(human.stderr(), /unknown command 'frobnicate'/);
  const json = captureIo();
  assert.equal(await main(["--json", "frobnicate"], json), 2);
  const error = JSON.parse(json.stderr());
  assert.equal(error.code, "usage");
  assert.equal(error.message, "unknown command 'frobnicate'");
  assert.match(error.hint, /cohesix --help/);
});

Deno.test("--help lists the global flags", async () => {
  const io = captureIo();
  assert.equal(await main(["--help"], io), 0);
  for (
    const flag of ["--mock", "--host, --tcp-host HOST", "--policy FILE", "--json", "--version"]
  ) {
    assert.ok(io.stdout().includes(flag), flag);
  }
});

Deno.test("global flags are taken from before and after the command, not after --", () => {
  const { globals, rest } = splitGlobalFlags([
    "--json",
    "gpu",
    "--tcp-host=10.0.0.9",
    "lease",
    "--port",
    "4000",
    "--gpu",
    "GPU-0",
    "--",
    "--mock",
  ]);
  assert.deepEqual(rest, ["gpu", "lease", "--gpu", "GPU-0", "--", "--mock"]);
  assert.equal(globals.json, true);
  const choice = backendChoiceOf(globals);
  assert.equal(choice.kind, "tcp");
  if (choice.kind === "tcp") {
    assert.equal(choice.host, "10.0.0.9");
    assert.equal(choice.port, 4000);
  }
});

Deno.test("a value flag without its value and a bad port are usage errors", () => {
  assert.throws(() => splitGlobalFlags(["ls", "--host"]), /--host needs a value/);
  assert.throws(() => backendChoiceOf(splitGlobalFlags(["--port", "0"]).globals), /1\.\.65535/);
  assert.throws(() => splitGlobalFlags(["--timeout-s", "-1"]), /positive number/);
});

Deno.test("the backend choice: --mock beats --fs-root beats TCP", () => {
  assert.equal(
    backendChoiceOf(splitGlobalFlags(["--mock", "--fs-root", "x"]).globals).kind,
    "mock",
  );
  assert.equal(backendChoiceOf(splitGlobalFlags(["--fs-root", "x"]).globals).kind, "filesystem");
  assert.equal(backendChoiceOf(splitGlobalFlags([]).globals).kind, "tcp");
});

Deno.test("a closed stdout (cohesix … | head) ends the command quietly, not as a bug", async () => {
  const io = captureIo();
  const closed = Object.assign(io, {
    out: () => Promise.reject(new Deno.errors.BrokenPipe("Broken pipe (os error 32)")),
  });
  assert.equal(await main(["--mock", "gpu", "list"], closed), 0);
  assert.equal(io.stderr(), "");
});
