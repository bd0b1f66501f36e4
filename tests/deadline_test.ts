/**
 * A slow-drip Queen against the whole-operation deadline: every reply comes just under the
 * per-request timeout, so no request ever times out, and only the operation's deadline can end
 * the call. It must end, with the deadline error naming the operation and what was in progress.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TcpBackend } from "../backends/tcp.ts";
import { CohesixClient } from "../client/client.ts";
import { OperationDeadlineError } from "../core/errors.ts";
import { ConsoleServer } from "../server/console_server.ts";

const PER_REQUEST_TIMEOUT_MS = 400;
const DRIP_MS = 300;
const DEVICES = ["dev-a", "dev-b", "dev-c"];
const SEGMENTS_PER_DEVICE = 3;

Deno.test({
  name: "a Queen dripping every reply under the request timeout cannot outlive the deadline",
  permissions: { net: ["127.0.0.1"], read: true, write: true },
  async fn() {
    // The pushes below do one CAT each (`latest`); every later CAT drips.
    const pushes = DEVICES.length * SEGMENTS_PER_DEVICE;
    await using server = await ConsoleServer.start({
      faults: [{ kind: "delay", ms: DRIP_MS, verb: "CAT", nth: pushes + 1, times: Infinity }],
    });
    await using backend = await TcpBackend.connect({
      host: server.hostname,
      port: server.port,
      authToken: "changeme",
      timeoutMs: PER_REQUEST_TIMEOUT_MS,
    });
    const client = new CohesixClient(backend);
    for (const device of DEVICES) {
      for (let i = 0; i < SEGMENTS_PER_DEVICE; i++) await client.telemetryPush(device, `r${i}`);
    }
    const out = await Deno.makeTempDir({ prefix: "cohesix-drip-" });
    try {
      // Nine dripping reads need about 9 × DRIP_MS; the deadline is a fraction of that.
      const error = await client.telemetryPull(out, { deadlineMs: 2 * DRIP_MS }).catch((e) => e);
      assert.ok(error instanceof OperationDeadlineError, String(error));
      assert.match(
        error.summary,
        /^telemetry pull: deadline of 0\.6 s passed while (reading|listing) \/queen\/telemetry\/dev-[abc]\S* \(\d+ requests done\)$/,
      );
      assert.ok(error.progress.requestsDone < 1 + DEVICES.length * (1 + SEGMENTS_PER_DEVICE));
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
