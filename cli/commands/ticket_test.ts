import assert from "node:assert/strict";
import { runCli, tempDir } from "../../tests/cli_harness.ts";

// PROTOCOL.md §8.6 vectors (cohsh --mint-ticket at issued_at_ms 1700000000000).
const WORKER_1 =
  "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16";
const QUEEN =
  "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1";
const AT = ["--issued-at-ms", "1700000000000"];

Deno.test("ticket mint: identical to cohsh's for the same issued-at (flag secret)", async () => {
  const worker = await runCli([
    "ticket",
    "mint",
    "--role",
    "worker",
    "--subject",
    " worker-1 ",
    "--secret",
    "worker",
    ...AT,
  ]);
  assert.equal(worker.status, 0, worker.stderr);
  assert.equal(worker.stdout, `${WORKER_1}\n`);
  const queen = await runCli([
    "ticket",
    "mint",
    "--role",
    "queen",
    "--subject",
    "  ",
    "--secret",
    "bootstrap",
    ...AT,
  ]);
  assert.equal(queen.stdout, `${QUEEN}\n`, "a blank subject counts as none");
});

Deno.test("ticket mint: the secret from --config, then the environment, never printed", async () => {
  await using dir = await tempDir();
  const config = `${dir.path}/root_task.toml`;
  await Deno.writeTextFile(
    config,
    '[meta]\nauthor = "x"\nflag = true\n\n[[tickets]]\nrole = "QUEEN"\nsecret = "bootstrap"\n\n' +
      "[[tickets]]\nrole = 'worker-heartbeat' # literal string\nsecret = \"worker\"\n",
  );
  const fromConfig = await runCli([
    "ticket",
    "mint",
    "--role",
    "worker",
    "--subject",
    "worker-1",
    "--config",
    config,
    ...AT,
  ]);
  assert.equal(fromConfig.stdout, `${WORKER_1}\n`);
  const queen = await runCli([
    "--json",
    "ticket",
    "mint",
    "--role",
    "queen",
    "--config",
    config,
    ...AT,
  ]);
  const document = JSON.parse(queen.stdout);
  assert.deepEqual(document, {
    ticket: QUEEN,
    role: "queen",
    subject: null,
    issued_at_ms: 1700000000000,
  });
  assert.doesNotMatch(queen.stdout + queen.stderr, /bootstrap/);

  const env = await runCli(["ticket", "mint", "--role", "queen", ...AT], {
    env: { COHSH_TICKET_SECRET: " bootstrap ", COHSH_TICKET_CONFIG: `${dir.path}/missing.toml` },
  });
  assert.equal(env.stdout, `${QUEEN}\n`, "COHSH_TICKET_SECRET (trimmed) before the config");
  const envConfig = await runCli(["ticket", "mint", "--role", "queen", ...AT], {
    env: { COHSH_TICKET_CONFIG: config },
  });
  assert.equal(envConfig.stdout, `${QUEEN}\n`);
  const flagWins = await runCli(["ticket", "mint", "--role", "queen", "--secret", "other", ...AT], {
    env: { COHSH_TICKET_SECRET: "bootstrap" },
  });
  assert.notEqual(flagWins.stdout, `${QUEEN}\n`, "the command line beats the environment");
});

Deno.test("ticket mint: cohsh's failures", async () => {
  await using dir = await tempDir();
  const config = `${dir.path}/root_task.toml`;
  await Deno.writeTextFile(config, '[[tickets]]\nrole = "worker"\nsecret = "worker"\n');
  const alias = await runCli([
    "ticket",
    "mint",
    "--role",
    "worker",
    "--subject",
    "w",
    "--config",
    config,
  ]);
  assert.equal(alias.status, 1);
  assert.match(
    alias.stderr,
    new RegExp(`ticket secret for role WorkerHeartbeat not found in ${config}`),
  );
  const noSubject = await runCli(["ticket", "mint", "--role", "worker-gpu", "--secret", "s"]);
  assert.equal(noSubject.status, 1);
  assert.match(noSubject.stderr, /worker roles require a subject identity/);
  await Deno.writeTextFile(config, '[[tickets]]\nrole = "queen"\n');
  const broken = await runCli(["ticket", "mint", "--role", "queen", "--config", config]);
  assert.match(broken.stderr, /failed to parse ticket config /);
  const missing = await runCli([
    "ticket",
    "mint",
    "--role",
    "queen",
    "--config",
    `${dir.path}/none.toml`,
  ]);
  assert.match(missing.stderr, /failed to read ticket config .*none\.toml/);
  const badRole = await runCli(["ticket", "mint", "--role", "king", "--secret", "s"]);
  assert.equal(badRole.status, 2);
  const both = await runCli([
    "ticket",
    "mint",
    "--role",
    "queen",
    "--secret",
    "s",
    "--config",
    config,
  ]);
  assert.equal(both.status, 2);
});

Deno.test("ticket inspect: the claims; the MAC checked with a secret; stdin keeps it off argv", async () => {
  const plain = await runCli(["ticket", "inspect", WORKER_1]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(
    plain.stdout,
    [
      "role=worker-heartbeat",
      'subject="worker-1"',
      "issued_at_ms=1700000000000 (2023-11-14T22:13:20.000Z)",
      "ticks=1000",
      "ops=10000",
      "ttl_s=300 (until 2023-11-14T22:18:20.000Z)",
      "mac=unchecked",
      "",
    ].join("\n"),
  );
  const verified = await runCli(["--json", "ticket", "inspect", "-", "--secret", "worker"], {
    stdin: `${WORKER_1}\n`,
  });
  assert.equal(verified.status, 0, verified.stderr);
  const claims = JSON.parse(verified.stdout);
  assert.equal(claims.mac, "verified");
  assert.equal(claims.ttl_s, 300);
  assert.equal(claims.subject, "worker-1");
  const wrong = await runCli(["ticket", "inspect", WORKER_1, "--secret", "bootstrap"]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /ticket MAC does not match the worker-heartbeat secret/);
  assert.doesNotMatch(wrong.stderr + wrong.stdout, /bootstrap/);
  const garbage = await runCli(["ticket", "inspect", "not-a-ticket"]);
  assert.equal(garbage.status, 1);
  assert.match(
    garbage.stderr,
    /not a valid ticket: ticket missing cohesix-ticket prefix\nhint: pass/,
  );
});
