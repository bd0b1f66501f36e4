/**
 * Hostile and broken servers through the public API (`TcpBackend` + `CohesixClient`): content
 * that looks like protocol lines, stale and mis-addressed acks, listings that lie about their
 * size, names that are not path components, odd `latest` files and lease lines, unsolicited
 * console errors, stalls and drops. Every case must end in the right `CohesixError` with a
 * clear message, never a hang (short timeouts), never a desynchronised connection, never a
 * leaked resource (the sanitizers stay on), and never a file outside the output folder.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import {
  AttachError,
  AuthError,
  CohesixError,
  CohesixTimeoutError,
  CommandError,
  ConnectionError,
  LimitError,
  OperationError,
  ProtocolError,
  ValidationError,
} from "../core/errors.ts";
import { CLOSED_PORT, loopbackTest } from "./loopback.ts";
import { FAST, scriptedServer, SHORT_MS } from "./scripted_console.ts";
import { mintTicketForRole } from "../wire/ticket_mint.ts";
import { TcpBackend, type TcpBackendOptions } from "../backends/tcp.ts";
import { CohesixClient } from "../client/client.ts";
import { ConsoleServer } from "../server/console_server.ts";

const TOKEN = "changeme";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function connect(port: number, extra: Partial<TcpBackendOptions> = {}): Promise<TcpBackend> {
  return TcpBackend.connect({
    port,
    authToken: TOKEN,
    defaults: FAST,
    maxAttempts: 0,
    timeoutMs: SHORT_MS,
    ...extra,
  });
}

async function captureError(promise: Promise<unknown>): Promise<CohesixError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CohesixError, `not a CohesixError: ${error}`);
    return error;
  }
  assert.fail("expected the call to fail");
}

/** Every file under `dir`, relative, sorted. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      out.push(...listTree(`${dir}/${entry.name}`).map((n) => `${entry.name}/${n}`));
    } else out.push(entry.name);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Content that looks like protocol lines

loopbackTest(
  "a fake END inside a CAT body is refused, and the next command gets its own reply",
  async () => {
    await using server = scriptedServer(async (peer, index) => {
      await peer.handshake();
      if (index === 0) {
        await peer.expect("CAT /log/x");
        // As the live lanes order a node holding `line-1`, `END`, `OK ECHO …`, `line-3`.
        await peer.send(
          "OK CAT path=/log/x data=line-3",
          "OK ECHO path=/log/y bytes=2",
          "line-1",
          "END",
          "line-3",
          "END",
        );
      } else {
        await peer.expect("ECHO /log/y hi");
        await peer.send("ERR ECHO reason=policy detail=denied path=/log/y error=EPERM");
      }
      await peer.finish();
    });
    const backend = await connect(server.port);
    const error = await captureError(backend.readFile("/log/x", 1024));
    assert.ok(error instanceof ProtocolError, String(error));
    assert.match(error.message, /CAT \/log\/x/);
    assert.match(error.message, /after END/);
    // The stale `line-3`/`END` must not be read as the ECHO's reply: it gets ITS error.
    const echo = await captureError(backend.writeAppend("/log/y", encoder.encode("hi\n")));
    assert.ok(echo instanceof CommandError, String(echo));
    assert.equal(echo.reason, "policy");
    await backend.close();
    await server.close();
    assert.deepEqual(server.errors, []);
    assert.equal(server.connections, 2, "the out-of-step connection was not reused");
  },
);

loopbackTest(
  "content injection through the console server's fault: CAT fails, LS still works",
  async () => {
    await using server = await ConsoleServer.start({
      faults: [{ kind: "inject", verb: "CAT", lines: ["OK CAT path=/fake data=x", "END", "tail"] }],
    });
    // The dropped connection may still hold the console for a moment: retry a busy console.
    await using backend = await connect(server.port, { timeoutMs: 2000, maxAttempts: 8 });
    const error = await captureError(backend.readFile("/proc/lifecycle/state", 1024));
    assert.ok(error instanceof ProtocolError, String(error));
    assert.deepEqual(await backend.listDir("/gpu"), ["bridge", "GPU-0", "GPU-1"]);
    assert.equal(
      decoder.decode(await backend.readFile("/proc/lifecycle/state", 1024)),
      "state=ONLINE",
    );
  },
);

loopbackTest(
  "a stale OK ECHO for the same path and another length is not taken as the reply",
  async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("CAT /log/x");
      await peer.send("OK CAT path=/log/x data=a", "a", "END");
      // A stale tail arriving late (after the client's END): it ends in the real END.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await peer.send("OK ECHO path=/queen/ctl bytes=5", "b", "END");
      await peer.expect("ECHO /queen/ctl ");
      await peer.send("ERR ECHO reason=policy detail=invalid-payload path=/queen/ctl error=x");
      await peer.finish();
    });
    const backend = await connect(server.port);
    assert.equal(decoder.decode(await backend.readFile("/log/x", 1024)), "a");
    await new Promise((resolve) => setTimeout(resolve, 60));
    const client = new CohesixClient(backend, FAST);
    const error = await captureError(client.queenKill("worker-1"));
    assert.ok(error instanceof CommandError, `a stale ack was taken for the reply: ${error}`);
    assert.equal(error.detail, "invalid-payload");
    await backend.close();
    await server.close();
    assert.deepEqual(server.errors, []);
  },
);

loopbackTest(
  "an ECHO acked for another path times out as may-or-may-not-applied, never resent",
  async () => {
    let echoes = 0;
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("ECHO /log/queen.log");
      echoes++;
      await peer.send("OK ECHO path=/log/other bytes=2");
      await peer.finish();
    });
    const backend = await connect(server.port, { maxAttempts: 2 });
    const error = await captureError(backend.writeAppend("/log/queen.log", encoder.encode("hi")));
    assert.ok(error instanceof CohesixTimeoutError, String(error));
    assert.match(error.message, /may or may not have been applied/);
    await backend.close();
    await server.close();
    assert.equal(echoes, 1);
    assert.deepEqual(server.errors, []);
  },
);

loopbackTest(
  "extra lines right after an ECHO ack: the write is reported as uncertain",
  async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("ECHO /log/queen.log hi");
      await peer.send("OK ECHO path=/log/queen.log bytes=2", "END", "OK ECHO path=/log/queen.log");
      await peer.finish();
    });
    const backend = await connect(server.port);
    const error = await captureError(backend.writeAppend("/log/queen.log", encoder.encode("hi")));
    assert.ok(error instanceof ProtocolError, String(error));
    assert.match(error.message, /may or may not have been applied/);
    await backend.close();
    await server.close();
    assert.deepEqual(server.errors, []);
  },
);

// ---------------------------------------------------------------------------------------------
// Listings

loopbackTest(
  "LS honours entries=: an entry named END is listed, not taken as the end",
  async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("LS /queen/telemetry");
      await peer.send("OK LS path=/queen/telemetry entries=3", "a", "END", "b", "END");
      await peer.expect("LS /gpu");
      await peer.send("OK LS path=/gpu entries=1", "GPU-0", "END");
      await peer.finish();
    });
    const backend = await connect(server.port);
    assert.deepEqual(await backend.listDir("/queen/telemetry"), ["a", "END", "b"]);
    assert.deepEqual(await backend.listDir("/gpu"), ["GPU-0"]);
    await backend.close();
    await server.close();
    assert.deepEqual(server.errors, []);
  },
);

loopbackTest(
  "LS with more lines than entries= is a ProtocolError; the connection is dropped",
  async () => {
    await using server = scriptedServer(async (peer, index) => {
      await peer.handshake();
      if (index === 0) {
        await peer.expect("LS /gpu");
        await peer.send("OK LS path=/gpu entries=1", "GPU-0", "GPU-1", "END");
      } else {
        await peer.expect("LS /gpu");
        await peer.send("OK LS path=/gpu entries=2", "GPU-0", "GPU-1", "END");
      }
      await peer.finish();
    });
    const backend = await connect(server.port);
    const error = await captureError(backend.listDir("/gpu"));
    assert.ok(error instanceof ProtocolError, String(error));
    assert.match(error.message, /entries=1/);
    assert.deepEqual(await backend.listDir("/gpu"), ["GPU-0", "GPU-1"]);
    await backend.close();
    await server.close();
    assert.equal(server.connections, 2);
    assert.deepEqual(server.errors, []);
  },
);

loopbackTest(
  "LS with fewer lines than entries= times out with a message that says so",
  async () => {
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("LS /gpu");
      await peer.send("OK LS path=/gpu entries=3", "GPU-0", "END");
      await peer.finish();
    });
    const backend = await connect(server.port);
    const error = await captureError(backend.listDir("/gpu"));
    assert.ok(error instanceof CohesixTimeoutError, String(error));
    assert.match(error.message, /entries=3/);
    await backend.close();
    await server.close();
    assert.deepEqual(server.errors, []);
  },
);

/** A Queen whose `/gpu` lists `names`; each GPU's info is valid JSON. */
function gpuServer(names: string[]) {
  const info = (id: string) =>
    JSON.stringify({
      id,
      name: "g",
      memory_mb: 1,
      sm_count: 1,
      driver_version: "d",
      runtime_version: "r",
    });
  return scriptedServer(async (peer) => {
    await peer.handshake();
    for (let line = await peer.next(); line !== undefined; line = await peer.next()) {
      if (line === "quit") return void (await peer.send("OK QUIT"));
      if (line === "LS /gpu") {
        await peer.send(`OK LS path=/gpu entries=${names.length}`, ...names, "END");
      } else if (line.startsWith("CAT /gpu/")) {
        const id = line.split("/")[2]!;
        await peer.send(`OK CAT path=${line.slice(4)} data=x`, info(id), "END");
      } else {
        await peer.send(`ERR PARSE reason=policy detail=unsupported`);
      }
    }
  });
}

for (const name of ["..", ".", "a\\b", "x y", "tab\there", "n".repeat(120)]) {
  loopbackTest(
    `gpuList refuses a listed name ${JSON.stringify(name.slice(0, 12))} with a clear error`,
    async () => {
      await using server = gpuServer(["GPU-0", name]);
      await using backend = await connect(server.port);
      const error = await captureError(new CohesixClient(backend, FAST).gpuList());
      assert.ok(error instanceof OperationError || error instanceof LimitError, String(error));
      if (error instanceof OperationError) {
        assert.match(error.message, /the Queen listed .* under \/gpu/);
      } else {
        assert.equal(error.limit, "console.max_path_len");
      }
    },
  );
}

loopbackTest(
  "gpuList with a non-ASCII name: refused before sending (the console cannot carry it)",
  async () => {
    await using server = gpuServer(["GPU-é"]);
    await using backend = await connect(server.port);
    const error = await captureError(new CohesixClient(backend, FAST).gpuList());
    assert.ok(error instanceof ValidationError, String(error));
    assert.match(error.message, /non-ASCII/);
  },
);

// ---------------------------------------------------------------------------------------------
// Telemetry pull: local files

/** A Queen with one device `device` whose segments are `segments` (each holds `R`). */
function telemetryServer(device: string, segments: string[], failOn?: string) {
  return scriptedServer(async (peer) => {
    await peer.handshake();
    for (let line = await peer.next(); line !== undefined; line = await peer.next()) {
      if (line === "quit") return void (await peer.send("OK QUIT"));
      const path = line.slice(line.indexOf(" ") + 1);
      if (line === "LS /queen/telemetry") {
        await peer.send("OK LS path=/queen/telemetry entries=1", device, "END");
      } else if (line.startsWith("LS ")) {
        await peer.send(`OK LS path=${path} entries=${segments.length}`, ...segments, "END");
      } else if (failOn !== undefined && path.endsWith(failOn)) {
        await peer.send(`ERR CAT reason=quota detail=buffer-full path=${path} error=buffer full`);
      } else {
        await peer.send(`OK CAT path=${path} data=R`, "R", "END");
      }
    }
  });
}

for (
  const [device, segments] of [
    ["..", ["seg-1"]],
    ["d", ["../../evil"]],
    ["d", [".."]],
    ["d", ["a/b"]],
  ] as const
) {
  loopbackTest(
    `telemetryPull never writes outside its folder (device ${device}, segment ${segments[0]})`,
    async () => {
      const root = await Deno.makeTempDir();
      try {
        await using server = telemetryServer(device, [...segments]);
        await using backend = await connect(server.port);
        const out = `${root}/out/pull`;
        const error = await captureError(new CohesixClient(backend, FAST).telemetryPull(out));
        assert.ok(error instanceof OperationError, String(error));
        assert.match(error.message, /the Queen listed/);
        assert.deepEqual(listTree(root), [], "nothing was written anywhere");
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    },
  );
}

loopbackTest(
  "telemetryPull interrupted by an ERR mid-device keeps saved files, leaves no .partial",
  async () => {
    const root = await Deno.makeTempDir();
    try {
      await using server = telemetryServer("d", ["seg-1", "seg-2", "seg-3"], "seg-2");
      await using backend = await connect(server.port);
      const error = await captureError(new CohesixClient(backend, FAST).telemetryPull(root));
      assert.ok(error instanceof CommandError, String(error));
      assert.deepEqual(listTree(root), ["d/seg/seg-1"]);
      assert.equal(await Deno.readTextFile(`${root}/d/seg/seg-1`), "R");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

loopbackTest(
  "a server that stalls mid-body: timeout, connection dropped, next read reconnects",
  async () => {
    await using server = scriptedServer(async (peer, index) => {
      await peer.handshake();
      const line = await peer.expect("CAT ");
      const path = line.slice(4);
      if (index === 0) {
        await peer.send(`OK CAT path=${path} data=R`, "R");
        await peer.finish(); // never sends END
        return;
      }
      await peer.send(`OK CAT path=${path} data=R`, "R", "END");
      await peer.finish();
    });
    const backend = await connect(server.port);
    const error = await captureError(backend.readFile("/log/x", 64));
    assert.ok(error instanceof CohesixTimeoutError, String(error));
    assert.match(error.message, /CAT/);
    assert.equal(decoder.decode(await backend.readFile("/log/x", 64)), "R");
    await backend.close();
    await server.close();
    assert.equal(server.connections, 2);
    assert.deepEqual(server.errors, []);
  },
);

loopbackTest(
  "a drop between commands: the next read reconnects, a write is not resent",
  async () => {
    const seen: string[] = [];
    await using server = scriptedServer(async (peer, index) => {
      await peer.handshake();
      if (index === 0) {
        await peer.expect("LS /gpu");
        await peer.send("OK LS path=/gpu entries=0", "END");
        return; // drop after a complete reply
      }
      if (index === 1) {
        await peer.expect("LS /gpu");
        await peer.send("OK LS path=/gpu entries=0", "END");
        return; // and again
      }
      for (let line = await peer.next(); line !== undefined; line = await peer.next()) {
        seen.push(line);
        if (line === "quit") return void (await peer.send("OK QUIT"));
      }
    });
    const backend = await connect(server.port, { maxAttempts: 2 });
    assert.deepEqual(await backend.listDir("/gpu"), []);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(await backend.listDir("/gpu"), []);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const error = await captureError(backend.writeAppend("/log/queen.log", encoder.encode("hi")));
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, /ECHO to \/log\/queen.log/);
    await backend.close();
    await server.close();
    assert.ok(!seen.some((line) => line.startsWith("ECHO")), "the write was not resent");
    assert.deepEqual(server.errors, []);
  },
);

loopbackTest(
  "an unsolicited ERR CONSOLE then close: ConnectionError, read retried elsewhere",
  async () => {
    await using server = scriptedServer(async (peer, index) => {
      await peer.handshake();
      const line = await peer.expect("CAT ");
      if (index === 0) {
        await peer.send("ERR CONSOLE reason=timeout");
        return;
      }
      await peer.send(`OK CAT path=${line.slice(4)} data=ok`, "ok", "END");
      await peer.finish();
    });
    {
      await using backend = await connect(server.port);
      const error = await captureError(backend.readFile("/log/x", 64));
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, /ERR CONSOLE reason=timeout/);
    }
    await using backend = await connect(server.port, { maxAttempts: 1 });
    assert.equal(decoder.decode(await backend.readFile("/log/x", 64)), "ok");
  },
);

loopbackTest("an ERR CONSOLE that quotes the token is reported with the token masked", async () => {
  const token = "s3cret-console-token";
  await using server = scriptedServer(async (peer) => {
    await peer.handshake();
    await peer.expect("CAT ");
    await peer.send(`ERR CONSOLE reason=timeout detail=${token} cut=${token.slice(3, 15)}`);
  });
  await using backend = await connect(server.port, { authToken: token });
  const error = await captureError(backend.readFile("/log/x", 64));
  assert.ok(error instanceof ConnectionError, String(error));
  assert.match(error.message, /the Queen ended the console session: ERR CONSOLE reason=timeout/);
  assert.ok(!error.message.includes(token.slice(3, 15)), error.message);
  assert.ok(!error.message.includes(token.slice(0, 8)), error.message);
});

// ---------------------------------------------------------------------------------------------
// telemetry push: the `latest` file

for (const latest of ["../../evil", "", "seg 1", "x".repeat(90)]) {
  loopbackTest(
    `telemetryPush with latest ${JSON.stringify(latest.slice(0, 12))}: no record sent`,
    async () => {
      const sent: string[] = [];
      await using server = scriptedServer(async (peer) => {
        await peer.handshake();
        for (let line = await peer.next(); line !== undefined; line = await peer.next()) {
          sent.push(line);
          if (line === "quit") return void (await peer.send("OK QUIT"));
          const path = line.split(" ")[1]!;
          if (line.startsWith("ECHO ")) {
            const payload = line.slice(6 + path.length);
            await peer.send(`OK ECHO path=${path} bytes=${payload.length}`);
          } else if (latest === "") {
            await peer.send(`OK CAT path=${path} data=`, "END");
          } else {
            await peer.send(`OK CAT path=${path} data=x`, latest, "END");
          }
        }
      });
      await using backend = await connect(server.port);
      const error = await captureError(
        new CohesixClient(backend, FAST).telemetryPush("device-1", "hello"),
      );
      assert.ok(error instanceof OperationError || error instanceof LimitError, String(error));
      assert.match(error.message, /latest/);
      await backend.close();
      assert.deepEqual(sent.filter((line) => line.includes("/seg/")), []);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Lease lines and GPU info

/** A Queen whose `/gpu/GPU-0/lease` holds `lease` and whose `/gpu/GPU-0/info` holds `info`. */
function leaseServer(lease: string, info = "{}") {
  const sent: string[] = [];
  const server = scriptedServer(async (peer) => {
    await peer.handshake();
    for (let line = await peer.next(); line !== undefined; line = await peer.next()) {
      sent.push(line);
      if (line === "quit") return void (await peer.send("OK QUIT"));
      const path = line.split(" ")[1]!;
      if (line === "LS /gpu") {
        await peer.send("OK LS path=/gpu entries=1", "GPU-0", "END");
      } else if (path.endsWith("/info")) {
        await peer.send(`OK CAT path=${path} data=x`, info, "END");
      } else if (line.startsWith("CAT ")) {
        await peer.send(`OK CAT path=${path} data=x`, lease, "END");
      } else {
        await peer.send(`OK ECHO path=${path} bytes=${line.length - 6 - path.length}`);
      }
    }
  });
  return Object.assign(server, { sent });
}

const GOOD_LEASE = {
  schema: "gpu-lease/v1",
  state: "ACTIVE",
  gpu_id: "GPU-0",
  worker_id: "worker-1",
  mem_mb: 1,
  streams: 1,
  ttl_s: 1,
  priority: 0,
};

for (
  const [label, lease] of [
    ["a huge mem_mb", JSON.stringify({ ...GOOD_LEASE, mem_mb: 1e300 })],
    ["a string streams", JSON.stringify({ ...GOOD_LEASE, streams: "1" })],
    ["a nested state", JSON.stringify({ ...GOOD_LEASE, state: { v: "ACTIVE" } })],
    [
      "a duplicate state key",
      JSON.stringify(GOOD_LEASE).replace('"state":"ACTIVE"', '"state":"RELEASED","state":"ACTIVE"'),
    ],
    ["more than lease.max_bytes", JSON.stringify({ ...GOOD_LEASE, pad: "p".repeat(1024) })],
  ] as const
) {
  loopbackTest(
    `runCommand refuses a lease line with ${label}; nothing is written or run`,
    async () => {
      const server = leaseServer(lease);
      try {
        await using backend = await connect(server.port);
        const client = new CohesixClient(backend, FAST);
        const error = await captureError(client.runCommand("GPU-0", ["true"]));
        assert.ok(error instanceof OperationError || error instanceof LimitError, String(error));
        assert.match(error.message, /lease/);
        if (error instanceof LimitError) {
          assert.equal(error.limit, "coh.run.lease.max_bytes");
          assert.equal(error.max, DEFAULTS.coh.run.lease.maxBytes);
        }
      } finally {
        await server.close();
      }
      assert.deepEqual(server.sent.filter((line) => line.startsWith("ECHO")), []);
      assert.deepEqual(server.errors, []);
    },
  );
}

loopbackTest("a __proto__ key in a lease line is an ordinary ignored key", async () => {
  const lease = JSON.stringify(GOOD_LEASE).replace("{", '{"__proto__":{"state":"X"},');
  const server = leaseServer(lease);
  try {
    await using backend = await connect(server.port);
    await new CohesixClient(backend, FAST).runCommand("GPU-0", ["true"]);
  } finally {
    await server.close();
  }
  assert.equal(server.sent.filter((line) => line.startsWith("ECHO /gpu/GPU-0/status")).length, 2);
  assert.equal(({} as Record<string, unknown>).state, undefined, "no prototype was polluted");
});

const GOOD_INFO = {
  id: "GPU-0",
  name: "g",
  memory_mb: 1,
  sm_count: 1,
  driver_version: "d",
  runtime_version: "r",
};

for (
  const [label, info] of [
    ["an extra key", JSON.stringify({ ...GOOD_INFO, extra: 1 })],
    ["a nested name", JSON.stringify({ ...GOOD_INFO, name: { deep: [[[["x"]]]] } })],
    ["deep nesting", "[".repeat(2000) + "]".repeat(2000)],
    ["a duplicate id", JSON.stringify(GOOD_INFO).replace('"id":"GPU-0"', '"id":"GPU-0","id":"X"')],
    ["a __proto__ key", JSON.stringify(GOOD_INFO).replace("{", '{"__proto__":{}, ')],
    ["a negative memory_mb", JSON.stringify({ ...GOOD_INFO, memory_mb: -1 })],
  ] as const
) {
  loopbackTest(`gpuList refuses info JSON with ${label}`, async () => {
    await using server = leaseServer("", info);
    await using backend = await connect(server.port);
    const error = await captureError(new CohesixClient(backend, FAST).gpuList());
    assert.ok(error instanceof OperationError, String(error));
    assert.match(error.message, /invalid gpu info JSON in \/gpu\/GPU-0\/info/);
  });
}

loopbackTest(
  "gpuList refuses info JSON above read_caps.max_gpu_info_bytes, naming the bound",
  async () => {
    const max = DEFAULTS.readCaps.maxGpuInfoBytes;
    // 60 lines of 250 bytes plus one more: above 16 KiB, within the console's line rules.
    const info = ["{", ...Array.from({ length: 66 }, () => " ".repeat(250)), "}"];
    await using server = scriptedServer(async (peer) => {
      await peer.handshake();
      await peer.expect("LS /gpu");
      await peer.send("OK LS path=/gpu entries=1", "GPU-0", "END");
      await peer.expect("CAT /gpu/GPU-0/info");
      await peer.send("OK CAT path=/gpu/GPU-0/info data=x", ...info, "END");
      await peer.finish();
    });
    await using backend = await connect(server.port);
    const error = await captureError(new CohesixClient(backend, FAST).gpuList());
    assert.ok(error instanceof LimitError, String(error));
    assert.equal(error.limit, "read_caps.max_gpu_info_bytes");
    assert.equal(error.max, max);
    assert.match(error.message, new RegExp(`exceeds max bytes ${max}`));
  },
);

// ---------------------------------------------------------------------------------------------
// Secrets never leak, even when a hostile server echoes them back

const SECRET_TOKEN = "tok-Zq8Xv3Lk9Wp2Rm7Ne4";

function leaks(error: unknown, secrets: readonly string[]): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && !seen.has(current);) {
    seen.add(current);
    const texts = [String(current)];
    if (current instanceof Error) texts.push(current.message, current.stack ?? "");
    if (current instanceof CommandError) texts.push(JSON.stringify(current.server));
    for (const secret of secrets) {
      for (const text of texts) {
        // Any 8-character piece of a secret counts as a leak.
        for (let i = 0; i + 8 <= secret.length; i++) {
          if (text.includes(secret.slice(i, i + 8))) {
            found.push(`${secret.slice(0, 4)}… in ${text.slice(0, 80)}`);
            break;
          }
        }
      }
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return found;
}

loopbackTest("a refused AUTH that echoes the token: the error never contains it", async () => {
  await using server = scriptedServer(async (peer) => {
    const auth = await peer.expect("AUTH ");
    await peer.send(`ERR AUTH reason=${auth.slice(5)} detail=${auth.slice(5, 20)}`);
  });
  const error = await captureError(
    TcpBackend.connect({ port: server.port, authToken: SECRET_TOKEN, maxAttempts: 0 }),
  );
  assert.ok(error instanceof AuthError, String(error));
  assert.deepEqual(leaks(error, [SECRET_TOKEN]), []);
});

loopbackTest(
  "a refused ATTACH that echoes the ticket (whole or cut): never in the error",
  async () => {
    const ticket = mintTicketForRole("worker-heartbeat", { secret: "worker", subject: "w-123456" });
    for (const echo of [ticket, ticket.slice(0, 100), ticket.slice(40, 90)]) {
      await using server = scriptedServer(async (peer) => {
        const auth = await peer.expect("AUTH ");
        await peer.send("OK AUTH");
        await peer.expect("ATTACH ");
        await peer.send(`ERR ATTACH reason=policy detail=bad-ticket ticket=${echo} token=${auth}`);
        await peer.finish();
      });
      const error = await captureError(
        TcpBackend.connect({
          port: server.port,
          authToken: SECRET_TOKEN,
          role: "worker-heartbeat",
          ticket,
          maxAttempts: 0,
        }),
      );
      assert.ok(error instanceof AttachError, String(error));
      assert.equal(error.reason, "policy");
      assert.deepEqual(leaks(error, [SECRET_TOKEN, ticket.slice(ticket.indexOf(".") - 16)]), []);
    }
  },
);

loopbackTest("failing connects never mention the token or ticket", async () => {
  const ticket = mintTicketForRole("worker-heartbeat", { secret: "worker", subject: "w-1" });
  const port = CLOSED_PORT;
  const errors = [
    await captureError(TcpBackend.connect({ port, authToken: SECRET_TOKEN, maxAttempts: 0 })),
    await captureError(
      TcpBackend.connect({
        port,
        authToken: SECRET_TOKEN,
        role: "worker-heartbeat",
        ticket,
        maxAttempts: 0,
      }),
    ),
    await captureError(
      TcpBackend.connect({ port, authToken: SECRET_TOKEN, role: "worker-gpu", ticket }),
    ),
    await captureError(
      TcpBackend.connect({ port, authToken: `${SECRET_TOKEN} x`, maxAttempts: 0 }),
    ),
    await captureError(
      TcpBackend.connect({ port, authToken: SECRET_TOKEN, ticket: `${ticket}zz`, maxAttempts: 0 }),
    ),
  ];
  for (const error of errors) {
    assert.deepEqual(leaks(error, [SECRET_TOKEN, ticket.slice(ticket.indexOf(".") - 16)]), []);
  }
});
