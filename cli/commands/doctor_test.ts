import assert from "node:assert/strict";
import { ConsoleServer } from "../../server/console_server.ts";
import { runCli, tcpFlags, tempDir } from "../../tests/cli_harness.ts";
import { fixturePath } from "../../tests/fixtures.ts";

const COH_POLICY = fixturePath("policy/coh_policy.toml");

Deno.test("doctor against the console server: every check passes, exit 0", async () => {
  await using server = await ConsoleServer.start({ seed: "queen" });
  const run = await runCli(["doctor", "--policy", COH_POLICY, ...tcpFlags(server)]);
  assert.equal(run.status, 0, run.stdout);
  const checks = run.stdout.trimEnd().split("\n").map((line) => /check=(\S+)/.exec(line)?.[1]);
  assert.deepEqual(checks, [
    "policy",
    "ticket",
    "runtime",
    "permission",
    "console",
    "auth",
    "attach",
  ]);
  assert.match(
    run.stdout,
    new RegExp(
      `^OK DOCTOR check=policy path=${COH_POLICY} manifest_sha256=3a20adc5\\S+ ` +
        "policy_sha256=73da6cb6898868e55463f995498c8c2fc349a55b7cdd937795171c4f06c517bb\n",
    ),
  );
  assert.match(run.stdout, /\nOK DOCTOR check=attach role=queen\n$/);
});

Deno.test("doctor: a refused token fails AUTH; failures are counted as coh does", async () => {
  await using server = await ConsoleServer.start({ seed: "queen", token: "secret-token" });
  const run = await runCli(["doctor", ...tcpFlags(server), "--role", "worker-gpu"]);
  assert.equal(run.status, 1);
  assert.match(
    run.stdout,
    /ERR DOCTOR check=ticket role=worker-gpu reason=ticket payload is required\n/,
  );
  assert.match(run.stdout, /OK DOCTOR check=console host=127\.0\.0\.1 port=\d+\n/);
  assert.match(run.stdout, /ERR DOCTOR check=auth reason=/);
  assert.match(run.stdout, /OK DOCTOR check=attach status=skip reason=auth-failed\n/);
  assert.match(run.stdout, /ERR DOCTOR reason=doctor failed: 2 check\(s\) failed\n$/);
  assert.doesNotMatch(run.stdout + run.stderr, /secret-token|changeme/);
});

Deno.test("doctor: nothing listening is a console failure; a tampered policy a policy failure", async () => {
  await using dir = await tempDir();
  const tampered = `${dir.path}/coh_policy.toml`;
  await Deno.writeTextFile(tampered, (await Deno.readTextFile(COH_POLICY)) + "\n");
  const port = freePort();
  const run = await runCli([
    "doctor",
    "--policy",
    tampered,
    "--tcp-port",
    String(port),
    "--auth-token",
    "x",
    "--max-retries",
    "1",
  ]);
  assert.equal(run.status, 1);
  assert.match(
    run.stdout,
    /^ERR DOCTOR check=policy path=\S+ reason=coh policy hash mismatch: expected 73da/,
  );
  assert.match(
    run.stdout,
    new RegExp(`ERR DOCTOR check=console host=127.0.0.1 port=${port} reason=`),
  );
  assert.match(run.stdout, /OK DOCTOR check=auth status=skip reason=no-console/);
  assert.match(run.stdout, /doctor failed: 2 check\(s\) failed\n$/);
});

Deno.test("doctor --mock --json: skips the console checks, one document", async () => {
  const run = await runCli(["--json", "doctor", "--mock"]);
  assert.equal(run.status, 0);
  const document = JSON.parse(run.stdout);
  assert.equal(document.ok, true);
  assert.equal(document.failed, 0);
  assert.deepEqual(
    document.checks.filter((check: { status: string }) => check.status === "skip").map((
      check: { check: string },
    ) => check.check),
    ["console", "auth", "attach"],
  );
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
