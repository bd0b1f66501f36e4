import assert from "node:assert/strict";
import { mintTicket, mintTicketForRole } from "../wire/ticket_mint.ts";
import { CLAIMS_VERSION } from "../wire/ticket.ts";
import { ConsoleServer, type ConsoleServerOptions } from "./console_server.ts";
import { RawConsoleClient } from "../tests/raw_console_client.ts";

const enc = new TextEncoder();

async function withServer(
  options: ConsoleServerOptions,
  body: (server: ConsoleServer) => Promise<void>,
): Promise<void> {
  await using server = await ConsoleServer.start(options);
  await body(server);
}

async function queenClient(server: ConsoleServer): Promise<RawConsoleClient> {
  const client = await RawConsoleClient.authed(server.hostname, server.port);
  await client.send("ATTACH queen");
  assert.equal(await client.nextText(), "OK ATTACH role=queen");
  return client;
}

function workerTicket(issuedAtMs: number | bigint = Date.now()): string {
  return mintTicketForRole("worker-heartbeat", { secret: "worker", subject: "w1", issuedAtMs });
}

// ---------------------------------------------------------------------------------------------
// AUTH

Deno.test("AUTH: no banner, exact token gives OK AUTH and nothing else", async () => {
  await withServer({}, async (server) => {
    await using client = await RawConsoleClient.connect(server.hostname, server.port);
    await client.send("AUTH changeme", "PING");
    assert.deepEqual(await client.texts(3), ["OK AUTH", "OK PING reply=pong", "PONG"]);
  });
});

Deno.test("AUTH failures close the connection without a line", async () => {
  const bad = [
    "AUTH wrong-tk",
    "AUTH changeme\n",
    "AUTH  changeme",
    "auth changeme",
    "ATTACH queen",
  ];
  await withServer({}, async (server) => {
    for (const payload of bad) {
      await server.idle();
      await using client = await RawConsoleClient.connect(server.hostname, server.port);
      await client.send(payload);
      assert.equal(await client.nextText(), "<eof>", JSON.stringify(payload));
    }
  });
});

Deno.test("AUTH failures can send ERR AUTH first (source behaviour)", async () => {
  await withServer({ authErrors: true }, async (server) => {
    const cases: [string, string][] = [
      ["AUTH wrong-tk", "ERR AUTH reason=invalid-token"],
      ["auth changeme", "ERR AUTH reason=expected-token"],
      ["AUTH x", "ERR AUTH reason=invalid-length"],
    ];
    for (const [payload, reply] of cases) {
      await server.idle();
      await using client = await RawConsoleClient.connect(server.hostname, server.port);
      await client.send(payload);
      assert.deepEqual(await client.texts(2), [reply, "<eof>"]);
    }
  });
});

Deno.test("AUTH deadline: a silent client is closed (server time scaled)", async () => {
  // 5000 server ms at 100000× is 0.05 wall ms.
  await withServer({ timeScale: 100_000 }, async (server) => {
    await using client = await RawConsoleClient.connect(server.hostname, server.port);
    assert.equal(await client.nextText(), "<eof>");
  });
});

Deno.test("log lines never contain the token or a ticket", async () => {
  const lines: string[] = [];
  const ticket = workerTicket();
  await withServer({ token: "s3cret-token", log: (l) => lines.push(l) }, async (server) => {
    await using client = await RawConsoleClient.authed(
      server.hostname,
      server.port,
      "s3cret-token",
    );
    await client.send(`ATTACH worker ${ticket}`);
    assert.equal(await client.nextText(), "OK ATTACH role=worker-heartbeat");
    await client.send("PING");
    await client.texts(2);
  });
  assert.ok(lines.length >= 3);
  assert.ok(
    lines.every((l) => !l.includes("s3cret-token") && !l.includes(ticket)),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => l.includes("PING")));
});

Deno.test("log lines show a stream's ack and line count, and ATTACH without its ticket", async () => {
  const lines: string[] = [];
  const ticket = mintTicketForRole("worker-gpu", {
    secret: "worker-gpu",
    subject: "gpu-1",
    issuedAtMs: Date.now(),
  });
  await withServer({ log: (l) => lines.push(l) }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send(`ATTACH worker-gpu ${ticket}`);
    assert.equal(await client.nextText(), "OK ATTACH role=worker-gpu");
    const listing = await client.stream("LS /gpu");
    assert.equal(listing.at(-1), "END");
    await client.send("PING");
    await client.texts(2);
  });
  assert.ok(lines.every((l) => !l.includes(ticket)), lines.join("\n"));
  assert.ok(lines.includes("conn=1 ATTACH worker-gpu <ticket> -> OK ATTACH role=worker-gpu"));
  const ls = lines.find((l) => l.startsWith("conn=1 LS /gpu -> "));
  assert.match(ls ?? "", /^conn=1 LS \/gpu -> OK LS path=\/gpu entries=(\d+) \(\1 lines?\)$/);
  assert.ok(lines.includes("conn=1 PING -> OK PING reply=pong (1 line)"), lines.join("\n"));
});

// ---------------------------------------------------------------------------------------------
// One client at a time

Deno.test("a second client connects, then reads ECONNRESET (a real RST, not EOF)", async () => {
  await withServer({}, async (server) => {
    await using first = await RawConsoleClient.authed(server.hostname, server.port);
    {
      // A client that sends AUTH at once, as every console client does.
      await using second = await RawConsoleClient.connect(server.hostname, server.port);
      await second.send("AUTH changeme");
      assert.equal(await second.nextText(), "<reset>");
    }
    {
      // A silent client is reset as well.
      await using silent = await RawConsoleClient.connect(server.hostname, server.port);
      assert.equal(await silent.nextText(), "<reset>");
    }
    await first.send("PING");
    assert.deepEqual(await first.texts(2), ["OK PING reply=pong", "PONG"]);
  });
});

Deno.test("a second connection is refused at once; the first is unaffected", async () => {
  await withServer({}, async (server) => {
    await using first = await RawConsoleClient.authed(server.hostname, server.port);
    await using second = await RawConsoleClient.connect(server.hostname, server.port);
    try {
      await second.send("AUTH changeme");
    } catch { /* already reset */ }
    assert.match(await second.nextText(), /^<(reset|eof)>$/);
    await first.send("PING");
    assert.deepEqual(await first.texts(2), ["OK PING reply=pong", "PONG"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Frames

Deno.test("frame limits after AUTH: 257 bytes and 9000 declared give ERR FRAME and skip", async () => {
  await withServer({}, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send(`ECHO /log/queen.log ${"x".repeat(256 - 20)}`);
    assert.equal(
      await client.nextText(),
      "ERR PARSE reason=policy detail=argument payload exceeds allowed length",
    );
    await client.send("X".repeat(257));
    assert.equal(await client.nextText(), "ERR FRAME reason=invalid-length");
    const big = new Uint8Array(9000);
    new DataView(big.buffer).setUint32(0, 9000, true);
    big.fill(0x41, 4);
    await client.sendRaw(big);
    assert.equal(await client.nextText(), "ERR FRAME reason=invalid-length");
    await client.send("PING");
    assert.deepEqual(await client.texts(2), ["OK PING reply=pong", "PONG"]);
    await client.send("");
    assert.equal(await client.nextText(), "ERR PARSE reason=policy detail=empty command");
  });
});

Deno.test("declared length below 4 or a non-UTF-8 payload closes the connection", async () => {
  await withServer({}, async (server) => {
    {
      await using client = await RawConsoleClient.authed(server.hostname, server.port);
      await client.sendRaw(new Uint8Array([2, 0, 0, 0]));
      assert.equal(await client.nextText(), "<eof>");
    }
    await server.idle();
    {
      await using client = await RawConsoleClient.authed(server.hostname, server.port);
      await client.send(new Uint8Array([...enc.encode("CAT /proc/"), 0xff, 0xfe]));
      assert.equal(await client.nextText(), "<eof>");
    }
    await server.idle();
    {
      await using client = await RawConsoleClient.connect(server.hostname, server.port);
      await client.sendRaw(new Uint8Array([3, 0, 0, 0]));
      assert.equal(await client.nextText(), "<eof>");
    }
  });
});

Deno.test("frames split across writes are reassembled", async () => {
  await withServer({}, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    const frame = new Uint8Array([8, 0, 0, 0, ...enc.encode("PING")]);
    await client.sendRaw(frame.subarray(0, 2));
    await client.sendRaw(frame.subarray(2, 7));
    await client.sendRaw(frame.subarray(7));
    assert.deepEqual(await client.texts(2), ["OK PING reply=pong", "PONG"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Verbs, lanes, truncation

Deno.test("unattached: namespace verbs are unauthenticated; PING, TEST, QUIT work", async () => {
  await withServer({}, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    for (
      const verb of [
        "LS /",
        "CAT /proc/boot",
        "TAIL /log/queen.log",
        "ECHO /log/queen.log x",
        "LOG",
        "KILL worker-1",
      ]
    ) {
      await client.send(verb);
      const label = verb.split(" ")[0];
      assert.equal(await client.nextText(), `ERR ${label} reason=policy detail=unauthenticated`);
    }
    await client.send("TEST");
    assert.equal(await client.nextText(), "ERR TEST reason=policy detail=host-only");
    await client.send("FOO bar");
    assert.equal(
      await client.nextText(),
      "ERR PARSE reason=policy detail=unsupported console command",
    );
    await client.send("QUIT", "PING");
    assert.deepEqual(await client.texts(2), ["OK QUIT", "<eof>"]);
  });
});

Deno.test("shape C: HELP acks first and loses the lines past the data cap", async () => {
  await withServer({}, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send("HELP", "BI");
    const lines = await client.texts(11);
    assert.equal(lines[0], "OK HELP");
    assert.equal(lines[1], "Commands:");
    assert.equal(lines[9], "OK BOOTINFO");
    assert.match(lines[10]!, /^\[bi\] /);
    await client.send("CACHELOG 3");
    const cache = await client.texts(4);
    assert.equal(cache[0], "OK CACHELOG");
    assert.ok(cache.slice(1).every((l) => l.startsWith("[cache] seq=")));
  });
});

Deno.test("stream content that looks like protocol lines is reordered as live", async () => {
  await withServer({}, async (server) => {
    await using client = await queenClient(server);
    await client.send('ECHO /queen/telemetry/dev/ctl {"new":"segment"}');
    assert.match(await client.nextText(), /^OK ECHO /);
    for (const line of ["line-1", "OK FAKE ack", "line-3", "END", "line-5", "ERR X y"]) {
      await client.send(`ECHO /queen/telemetry/dev/seg/seg-000001 ${line}`);
      assert.match(await client.nextText(), /^OK ECHO /);
    }
    await client.send("CAT /queen/telemetry/dev/seg/seg-000001");
    const got = await client.texts(8);
    assert.match(got[0]!, /^OK CAT path=\/queen\/telemetry\/dev\/seg\/seg-000001 data=/);
    assert.deepEqual(got.slice(1), [
      "OK FAKE ack",
      "line-1",
      "line-3",
      "END",
      "ERR X y",
      "line-5",
      "END",
    ]);
  });
});

Deno.test("ack details are truncated piece by piece at 128 bytes", async () => {
  await withServer({}, async (server) => {
    await using client = await queenClient(server);
    await client.send(`LS /${"a".repeat(90)}`);
    assert.equal(await client.nextText(), "ERR LS reason=policy ");
    await client.send(`SPAWN {"spawn":"bogus","x":"${"y".repeat(120)}"}`);
    assert.deepEqual(await client.texts(2), [
      "OK SPAWN payload=",
      "ERR SPAWN reason=policy detail=invalid-payload error=invalid payload",
    ]);
  });
});

Deno.test("SPAWN and KILL: OK first, then a late ERR on rejection", async () => {
  await withServer({}, async (server) => {
    await using client = await queenClient(server);
    await client.send('SPAWN {"spawn":"heartbeat","ticks":1}');
    assert.equal(await client.nextText(), 'OK SPAWN payload={"spawn":"heartbeat","ticks":1}');
    assert.deepEqual(await client.stream("LS /worker"), [
      "OK LS path=/worker entries=1",
      "worker-1",
      "END",
    ]);
    await client.send("KILL worker-1");
    assert.equal(await client.nextText(), "OK KILL id=worker-1");
    await client.send("KILL worker-1");
    assert.deepEqual(await client.texts(2), [
      "OK KILL id=worker-1",
      "ERR KILL reason=policy detail=invalid-path error=invalid path",
    ]);
  });
});

Deno.test("more than 8 commands in one write: the oldest are dropped", async () => {
  await withServer({}, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send(...Array.from({ length: 12 }, () => "PING"));
    const replies = await client.texts(16);
    assert.deepEqual(
      replies,
      Array.from({ length: 8 }, () => ["OK PING reply=pong", "PONG"]).flat(),
    );
    await client.send("TEST");
    assert.equal(await client.nextText(), "ERR TEST reason=policy detail=host-only");
  });
});

// ---------------------------------------------------------------------------------------------
// ATTACH

Deno.test("ATTACH: roles, denied, throttled back-off and the rate limiter", async () => {
  let clock = 1_000_000;
  await withServer({ now: () => clock }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send("ATTACH bogus");
    assert.equal(await client.nextText(), "ERR ATTACH reason=policy detail=invalid-role");
    await client.send("ATTACH worker-heartbeat", "ATTACH queen");
    assert.deepEqual(await client.texts(2), [
      "ERR ATTACH reason=policy detail=denied",
      "ERR ATTACH reason=quota detail=throttled delay_ms=250",
    ]);
    clock += 1000;
    await client.send("ATTACH worker garbage-ticket");
    assert.equal(await client.nextText(), "ERR ATTACH reason=policy detail=denied");
    clock += 1000;
    await client.send("ATTACH worker-gpu");
    assert.equal(
      await client.nextText(),
      "ERR ATTACH reason=quota detail=rate-limited delay_ms=90000",
    );
    clock += 3390;
    await client.send("ATTACH worker-gpu");
    assert.equal(
      await client.nextText(),
      "ERR ATTACH reason=quota detail=rate-limited delay_ms=86610",
    );
    // Successful attempts pass the rate limiter once the back-off is over, and reset it.
    clock += 200_000;
    await client.send(`ATTACH WORKER ${workerTicket()}`);
    assert.equal(await client.nextText(), "OK ATTACH role=worker-heartbeat");
    await client.send("ATTACH worker-gpu");
    assert.equal(await client.nextText(), "ERR ATTACH reason=policy detail=denied");
  });
});

Deno.test("ATTACH: ticket MAC, role binding, expiry, claim limits, lifecycle", async () => {
  let clock = 10_000_000;
  await withServer({ now: () => clock }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    const step = () => clock += 1_000_000;
    const wrongKey = mintTicketForRole("worker", { secret: "not-worker", subject: "w1" });
    await client.send(`ATTACH worker ${wrongKey}`);
    assert.equal(await client.nextText(), "ERR ATTACH reason=policy detail=denied");
    step();
    // A worker ticket presented for another role is checked with that role's secret.
    await client.send(`ATTACH worker-gpu ${workerTicket()}`);
    assert.equal(await client.nextText(), "ERR ATTACH reason=policy detail=denied");
    step();
    await client.send(`ATTACH worker ${workerTicket(0)}`);
    assert.equal(await client.nextText(), "ERR ATTACH reason=quota detail=expired");
    step();
    const greedy = mintTicket({
      version: CLAIMS_VERSION,
      role: "worker-heartbeat",
      issuedAtMs: 0n,
      mountService: "",
      mountAt: "",
      scopes: [{ path: "/proc", verb: "read", ratePerS: 1000 }],
    }, "worker");
    await client.send(`ATTACH worker ${greedy}`);
    assert.equal(await client.nextText(), "ERR ATTACH reason=quota detail=invalid-claims");
    const queenTicket = mintTicketForRole("queen", { secret: "bootstrap" });
    await client.send(`ATTACH queen ${queenTicket}`);
    assert.equal(await client.nextText(), "OK ATTACH role=queen");
    await client.send("ECHO /queen/lifecycle/ctl quiesce");
    assert.match(await client.nextText(), /^OK ECHO /);
    await client.send(`ATTACH worker ${workerTicket()}`);
    assert.equal(
      await client.nextText(),
      "ERR ATTACH reason=policy detail=lifecycle-denied state=QUIESCED",
    );
  });
});

Deno.test("worker sessions: role checks, ticket scopes, and the root cut", async () => {
  await withServer({}, async (server) => {
    {
      await using client = await RawConsoleClient.authed(server.hostname, server.port);
      await client.send(`ATTACH worker ${workerTicket()}`);
      assert.equal(await client.nextText(), "OK ATTACH role=worker-heartbeat");
      assert.deepEqual(await client.stream("CAT /proc/lifecycle/state"), [
        "OK CAT path=/proc/lifecycle/state data=state=ONLINE",
        "state=ONLINE",
        "END",
      ]);
      for (const verb of ["LOG", 'SPAWN {"spawn":"heartbeat"}', "KILL worker-1"]) {
        await client.send(verb);
        assert.equal(
          await client.nextText(),
          `ERR ${verb.split(" ")[0]} reason=policy detail=unauthenticated`,
        );
      }
      await client.send("ECHO /log/queen.log hi");
      assert.equal(await client.nextText(), "ERR ECHO reason=policy detail=denied");
      const scoped = mintTicket({
        version: CLAIMS_VERSION,
        role: "worker-heartbeat",
        subject: "worker-1",
        issuedAtMs: BigInt(Date.now()),
        mountService: "",
        mountAt: "",
        scopes: [{ path: "/proc", verb: "read", ratePerS: 0 }],
      }, "worker");
      await client.send(`ATTACH worker ${scoped}`);
      assert.equal(await client.nextText(), "OK ATTACH role=worker-heartbeat");
      await client.send("LS /log");
      assert.equal(await client.nextText(), "ERR LS reason=policy path=/log error=EPERM");
      assert.equal((await client.stream("LS /proc"))[0], "OK LS path=/proc entries=7");
      await client.send("QUIT");
      assert.equal(await client.nextText(), "OK QUIT");
    }
    // A queen that QUITs leaves root reachable; one that drops cuts it.
    await server.idle();
    {
      await using queen = await queenClient(server);
      await queen.send("QUIT");
      assert.equal(await queen.nextText(), "OK QUIT");
    }
    await server.idle();
    assert.equal(server.namespace.rootReachable, true);
    {
      await using _queen = await queenClient(server);
    }
    await server.idle();
    {
      await using client = await RawConsoleClient.authed(server.hostname, server.port);
      await client.send(`ATTACH worker ${workerTicket()}`);
      assert.equal(await client.nextText(), "OK ATTACH role=worker-heartbeat");
      await client.send("LS /proc");
      assert.equal(await client.nextText(), "ERR LS reason=cut detail=root-unreachable");
      assert.deepEqual(await client.stream("CAT /proc/root/reachable"), [
        "ERR CAT reason=cut detail=root-unreachable",
      ]);
      await client.send("ATTACH queen");
      assert.equal(await client.nextText(), "OK ATTACH role=queen");
      await client.send(`ATTACH worker ${workerTicket()}`);
      assert.equal(await client.nextText(), "OK ATTACH role=worker-heartbeat");
      assert.deepEqual(await client.stream("CAT /proc/root/reachable"), [
        "OK CAT path=/proc/root/reachable data=reachable=yes",
        "reachable=yes",
        "END",
      ]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Faults

Deno.test("fault: bad frame lengths (3 and 9000)", async () => {
  await withServer({
    faults: [{ kind: "bad-length", length: 3, verb: "PING" }, {
      kind: "bad-length",
      length: 9000,
      verb: "LS",
    }],
  }, async (server) => {
    {
      await using client = await RawConsoleClient.authed(server.hostname, server.port);
      await client.send("PING");
      assert.equal(await client.nextText(), "<invalid-length>");
    }
    await server.idle();
    {
      await using client = await queenClient(server);
      await client.send("LS /");
      assert.equal(await client.nextText(), "<invalid-length>");
    }
  });
});

Deno.test("fault: truncated frame then close; close between OK and END; drop", async () => {
  const faults = [
    { kind: "truncate", verb: "PING" } as const,
    { kind: "close-after-ack", verb: "LS" } as const,
    { kind: "drop", verb: "TEST" } as const,
  ];
  await withServer({ faults }, async (server) => {
    for (
      const [command, expected] of [["PING", ["<eof>"]], ["LS /", [
        "OK LS path=/ entries=10",
        "<eof>",
      ]], ["TEST", ["<eof>"]]] as const
    ) {
      await server.idle();
      await using client = await queenClient(server);
      await client.send(command);
      assert.deepEqual(await client.texts(expected.length), expected, command);
    }
  });
});

Deno.test("fault: close after a complete reply (drop between commands)", async () => {
  await withServer({ faults: [{ kind: "close-after-reply", verb: "PING" }] }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send("PING");
    assert.deepEqual(await client.texts(3), ["OK PING reply=pong", "PONG", "<eof>"]);
  });
});

Deno.test("fault: stall answers nothing; the next command is answered", async () => {
  await withServer({ faults: [{ kind: "stall", verb: "PING", nth: 2 }] }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send("PING");
    assert.deepEqual(await client.texts(2), ["OK PING reply=pong", "PONG"]);
    await client.send("PING");
    assert.equal(await client.nextText(200), "<timeout>");
    await client.send("TEST");
    assert.equal(await client.nextText(), "ERR TEST reason=policy detail=host-only");
  });
});

Deno.test("fault: non-UTF-8 reply payload", async () => {
  await withServer({ faults: [{ kind: "non-utf8", verb: "PING" }] }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    await client.send("PING");
    const read = await client.next();
    assert.equal(read.kind, "frame");
    if (read.kind !== "frame") return;
    assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(read.payload));
  });
});

Deno.test("fault: throttled ATTACH for the first k attempts", async () => {
  await withServer({
    faults: [{ kind: "throttle-attach", verb: "ATTACH", times: 2, delayMs: 500 }],
  }, async (server) => {
    await using client = await RawConsoleClient.authed(server.hostname, server.port);
    for (let i = 0; i < 2; i++) {
      await client.send("ATTACH queen");
      assert.equal(
        await client.nextText(),
        "ERR ATTACH reason=quota detail=throttled delay_ms=500",
      );
    }
    await client.send("ATTACH queen");
    assert.equal(await client.nextText(), "OK ATTACH role=queen");
  });
});

Deno.test("fault: content injection into a stream", async () => {
  await withServer({
    faults: [{ kind: "inject", verb: "CAT", lines: ["OK CAT path=/fake data=x", "END", "tail"] }],
  }, async (server) => {
    await using client = await queenClient(server);
    await client.send("CAT /proc/lifecycle/state");
    assert.deepEqual(await client.texts(6), [
      "OK CAT path=/proc/lifecycle/state data=state=ONLINE",
      "OK CAT path=/fake data=x",
      "state=ONLINE",
      "END",
      "tail",
      "END",
    ]);
  });
});

Deno.test("binds are per connection and honoured only for host, CAS and telemetry", async () => {
  await withServer({}, async (server) => {
    {
      await using client = await queenClient(server);
      await client.send('ECHO /queen/ctl {"bind":{"from":"/host","to":"/pph"}}');
      assert.equal(await client.nextText(), "OK ECHO path=/queen/ctl bytes=37");
      assert.deepEqual(await client.stream("LS /pph"), [
        "OK LS path=/pph entries=4",
        "systemd",
        "k8s",
        "docker",
        "nvidia",
        "END",
      ]);
      await client.send('ECHO /queen/ctl {"mount":{"service":"logs","at":"/pplogs"}}');
      assert.match(await client.nextText(), /^OK ECHO path=\/queen\/ctl /);
      await client.send("LS /pplogs");
      assert.equal(
        await client.nextText(),
        "ERR LS reason=policy detail=invalid-path path=/pplogs error=invalid path",
      );
      await client.send('ECHO /queen/ctl {"bind":{"from":"/proc","to":"/pproc"}}');
      assert.match(await client.nextText(), /^OK ECHO /);
      await client.send("LS /pproc");
      assert.match(await client.nextText(), /^ERR LS reason=policy detail=invalid-path/);
      await client.send('ECHO /queen/ctl {"bind":{"from":"host","to":"/x"}}');
      assert.equal(
        await client.nextText(),
        "ERR ECHO reason=policy detail=invalid-payload path=/queen/ctl error=invalid payload",
      );
    }
    await server.idle();
    await using again = await queenClient(server);
    await again.send("LS /pph");
    assert.match(await again.nextText(), /^ERR LS reason=policy detail=invalid-path path=\/pph/);
  });
});
