import assert from "node:assert/strict";
import { parseMainArgs } from "./main.ts";
import { RawConsoleClient } from "../tests/raw_console_client.ts";
import { mintTicketForRole } from "../wire/ticket_mint.ts";

Deno.test("main: defaults and flags", () => {
  assert.deepEqual(parseMainArgs([]), {
    host: "127.0.0.1",
    port: 31337,
    token: "changeme",
    seed: "queen",
    timeScale: 1,
    authErrors: false,
  });
  const parsed = parseMainArgs([
    "--port",
    "0",
    "--seed",
    "demo",
    "--token",
    "t",
    "--host",
    "127.0.0.1",
  ]);
  assert.ok(parsed !== "help");
  assert.equal(parsed.port, 0);
  assert.equal(parsed.seed, "demo");
  assert.equal(parseMainArgs(["--help"]), "help");
  assert.throws(() => parseMainArgs(["--seed", "other"]), /--seed/);
  assert.throws(() => parseMainArgs(["--port", "70000"]), /--port/);
  assert.throws(() => parseMainArgs(["--bogus"]));
});

Deno.test("main: serves, logs commands without the token, stops on SIGTERM", async () => {
  const ticket = mintTicketForRole("worker-gpu", {
    secret: "worker-gpu",
    subject: "gpu-1",
    issuedAtMs: Date.now(),
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      new URL("./main.ts", import.meta.url).pathname,
      // Port 0: the server binds a free port itself and logs it (no close-then-reuse race).
      "--port",
      "0",
      "--token",
      "tok-123",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  while (!log.includes("listening on")) {
    const { value, done } = await stderr.read();
    if (done) break;
    log += value;
  }
  const port = Number(/listening on 127\.0\.0\.1:(\d+) /.exec(log)?.[1]);
  assert.ok(port > 0, log);
  {
    await using client = await RawConsoleClient.authed("127.0.0.1", port, "tok-123");
    await client.send("PING");
    assert.deepEqual(await client.texts(2), ["OK PING reply=pong", "PONG"]);
    await client.send(`ATTACH worker-gpu ${ticket}`);
    assert.equal(await client.nextText(), "OK ATTACH role=worker-gpu");
    assert.equal((await client.stream("LS /gpu")).at(-1), "END");
  }
  child.kill("SIGTERM");
  while (true) {
    const { value, done } = await stderr.read();
    if (done) break;
    log += value;
  }
  const status = await child.status;
  assert.equal(status.code, 0);
  assert.match(log, /PING -> /);
  assert.match(log, /SIGTERM: shutting down/);
  assert.ok(!log.includes("tok-123"));
  assert.ok(!log.includes(ticket));
  assert.match(
    log,
    /\[mock-queen\] conn=1 ATTACH worker-gpu <ticket> -> OK ATTACH role=worker-gpu\n/,
  );
  // A stream logs its ack and body size, not END.
  assert.match(
    log,
    /\[mock-queen\] conn=1 LS \/gpu -> OK LS path=\/gpu entries=(\d+) \(\1 lines?\)\n/,
  );
});
