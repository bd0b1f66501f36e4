import assert from "node:assert/strict";
import { renderAudit, renderSortedJson } from "./artifacts.ts";
import {
  backendChoice,
  backendNeeds,
  type ExampleCli,
  integerFlag,
  outputRoot,
  parseExampleArgs,
  UsageError,
} from "./common.ts";
import { LEASE_RUN_CLI } from "./lease_run.ts";
import { payloadSource } from "./telemetry_write_pull.ts";

Deno.test("backend choice: mock > fs-root (or mount-root) > TCP, with TCP defaults", () => {
  const parse = (...argv: string[]) => backendChoice(parseExampleArgs(LEASE_RUN_CLI, argv).values);
  assert.equal(parse("--mock", "--fs-root", "x").kind, "mock");
  assert.deepEqual(parse("--mock-root", "m"), { kind: "mock", root: "m", includeMig: false });
  assert.deepEqual(parse("--mount-root", "mnt"), { kind: "filesystem", root: "mnt" });
  assert.deepEqual(parse("--role", "queen", "--timeout-s", "0.5"), {
    kind: "tcp",
    host: "127.0.0.1",
    port: 31337,
    authToken: undefined,
    role: "queen",
    ticket: undefined,
    timeoutMs: 500,
    maxAttempts: 3,
  });
  assert.throws(() => parse("--tcp-port", "70000"), UsageError);
  assert.throws(() => parse("--timeout-s", "0"), UsageError);
});

Deno.test("permission needs: the token variables only when --auth-token is absent", () => {
  const flags = (...argv: string[]) =>
    backendNeeds(backendChoice(parseExampleArgs(LEASE_RUN_CLI, argv).values)).map((n) => n.flag);
  assert.deepEqual(flags("--tcp-port", "4000", "--auth-token", "t"), [
    "--allow-net=127.0.0.1:4000",
  ]);
  assert.deepEqual(flags(), [
    "--allow-net=127.0.0.1:31337",
    "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN",
    "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN",
  ]);
  assert.deepEqual(flags("--mock"), []);
});

Deno.test("strict parsing: unknown flags, stray arguments, and the command after --", () => {
  const cli: ExampleCli = { name: "x", summary: "", flags: {} };
  assert.throws(() => parseExampleArgs(cli, ["--nope"]), UsageError);
  assert.throws(() => parseExampleArgs(cli, ["stray"]), UsageError);
  assert.throws(() => parseExampleArgs(cli, ["--", "echo"]), UsageError);
  const parsed = parseExampleArgs(LEASE_RUN_CLI, ["--mock", "--", "echo", "--mock", "hi"]);
  assert.deepEqual(parsed.command, ["echo", "--mock", "hi"]);
  assert.throws(() => integerFlag({ n: "-1" }, "n", 0), /--n must be a non-negative integer/);
  assert.equal(integerFlag({}, "n", 7), 7);
  assert.equal(outputRoot({ out: "dir/" }), "dir");
});

Deno.test("payload: --payload lines joined without a trailing newline; file and lines exclude", () => {
  assert.deepEqual(payloadSource({ payload: ["a", "b"] }), { kind: "text", text: "a\nb" });
  assert.deepEqual(payloadSource({ "payload-file": "f" }), { kind: "file", path: "f" });
  assert.throws(() => payloadSource({ payload: ["a"], "payload-file": "f" }), UsageError);
});

Deno.test("artifacts: sorted two-space JSON without newline, audit with a final newline", () => {
  assert.equal(
    renderSortedJson([{ b: 1, a: { d: 2, c: 3 } }]),
    '[\n  {\n    "a": {\n      "c": 3,\n      "d": 2\n    },\n    "b": 1\n  }\n]',
  );
  assert.equal(renderAudit(["OK LS path=/gpu", "x"]), "OK LS path=/gpu\nx\n");
});
