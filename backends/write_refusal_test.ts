import assert from "node:assert/strict";
import { CommandError, LocalFileError, WriteRefusedError } from "../core/errors.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { mintTicketForRole } from "../wire/ticket_mint.ts";
import { FilesystemBackend } from "./filesystem.ts";
import { MockBackend } from "./mock.ts";
import { TcpBackend } from "./tcp.ts";

const encoder = new TextEncoder();
const TOKEN = "tok-Fp6Kd1Sx9Mb4Tg";
const LEASE = '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1,"streams":1,"ttl_s":60}}';

async function refusal(write: Promise<unknown>): Promise<unknown> {
  return await write.then(() => assert.fail("the write was accepted"), (error) => error);
}

for (const [command, state] of [["quiesce", "QUIESCED"], ["cordon", "DRAINING"]] as const) {
  Deno.test(`a write refused on a ${state} Queen says so and what lifts it (TCP and mock)`, async () => {
    await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
    server.namespace.echo("/queen/lifecycle/ctl", command);
    await using tcp = await TcpBackend.connect({ port: server.port, authToken: TOKEN });
    await using mock = new MockBackend();
    await mock.writeAppend("/queen/lifecycle/ctl", encoder.encode(command));
    for (const backend of [tcp, mock]) {
      const error = await refusal(backend.writeAppend("/queen/ctl", encoder.encode(LEASE)));
      assert.ok(error instanceof WriteRefusedError, `${backend.kind}: ${error}`);
      assert.equal(error.why, "lifecycle");
      assert.equal(error.lifecycleState, state);
      assert.match(error.message, new RegExp(`lifecycle state is ${state}`));
      assert.match(error.message, /lifecycle resume/);
      assert.ok(error.cause instanceof CommandError);
      assert.equal(error.cause.server.error, "EPERM");
    }
  });
}

Deno.test("an EPERM on an ONLINE Queen for a queen console is left as the Queen said it", async () => {
  await using mock = new MockBackend();
  await mock.writeAppend("/queen/lifecycle/ctl", encoder.encode("cordon"));
  await mock.writeAppend("/queen/lifecycle/ctl", encoder.encode("resume"));
  // `resume` on an ONLINE Queen is itself refused with EPERM: not a lifecycle or role matter.
  const error = await refusal(mock.writeAppend("/queen/lifecycle/ctl", encoder.encode("resume")));
  assert.ok(error instanceof CommandError && !(error instanceof WriteRefusedError), String(error));
  assert.equal(error.server.detail, "denied");
});

Deno.test("a write refused for a worker role says the role and its ticket are the reason", async () => {
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
  const ticket = mintTicketForRole("worker-heartbeat", { secret: "worker", subject: "w1" });
  await using tcp = await TcpBackend.connect({
    port: server.port,
    authToken: TOKEN,
    role: "worker-heartbeat",
    ticket,
  });
  const error = await refusal(tcp.writeAppend("/queen/ctl", encoder.encode(LEASE)));
  assert.ok(error instanceof WriteRefusedError, String(error));
  assert.equal(error.why, "role");
  assert.match(error.message, /the role worker-heartbeat and its ticket do not allow writing/);
  assert.ok(!error.message.includes(ticket));
});

Deno.test("a mount that reads empty where the Queen never does: not usable, use TCP", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (const dir of ["proc/lifecycle", "gpu/GPU-0"]) {
      await Deno.mkdir(`${root}/${dir}`, { recursive: true });
    }
    await Deno.writeTextFile(`${root}/proc/lifecycle/state`, "");
    await Deno.writeTextFile(`${root}/gpu/GPU-0/info`, "");
    await Deno.writeTextFile(`${root}/gpu/GPU-0/status`, "");
    await using fs = await FilesystemBackend.open(root);
    for (const path of ["/proc/lifecycle/state", "/gpu/GPU-0/info"]) {
      const error = await refusal(fs.readFile(path, 1024));
      assert.ok(error instanceof LocalFileError, String(error));
      assert.match(error.message, new RegExp(`is not usable to read ${path}`));
      assert.match(error.message, /use the TCP backend/);
    }
    // A file the Queen may serve empty stays an empty read.
    assert.equal((await fs.readFile("/gpu/GPU-0/status", 1024)).length, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
