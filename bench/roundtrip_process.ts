/**
 * One client process for `bench/whole_process.sh`: connects to a console server on 127.0.0.1,
 * does `--ops` round trips of `CAT <path>` through `TcpBackend` (`--client tcp`) or the bare
 * `Deno.connect` loop (`--client bare`), then quits. Prints one summary line to stdout.
 *
 * `deno run --allow-net=127.0.0.1 bench/roundtrip_process.ts --port N --client tcp --ops 1000`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { TcpBackend } from "../backends/tcp.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { BareClient, streamCommand } from "./bare_client.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string" },
    client: { type: "string", default: "tcp" },
    ops: { type: "string", default: "1000" },
    path: { type: "string", default: "/proc/boot" },
    token: { type: "string", default: "changeme" },
  },
  strict: true,
});
const port = Number(values.port);
const ops = Number(values.ops);
if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(ops) || ops < 0) {
  console.error("usage: roundtrip_process.ts --port N [--client tcp|bare] [--ops N] [--path P]");
  Deno.exit(2);
}

const started = performance.now();
if (values.client === "bare") {
  const client = await BareClient.connect(port, values.token);
  const command = streamCommand(`CAT ${values.path}`);
  for (let i = 0; i < ops; i++) await client.roundTrip(command);
  await client.quit();
} else if (values.client === "tcp") {
  const backend = await TcpBackend.connect({ port, authToken: values.token });
  const max = DEFAULTS.readCaps.maxDirListBytes;
  for (let i = 0; i < ops; i++) await backend.readFile(values.path, max);
  await backend.close();
} else {
  console.error(`--client must be tcp or bare, got ${values.client}`);
  Deno.exit(2);
}
const ms = performance.now() - started;
console.log(
  `client=${values.client} ops=${ops} in-process_ms=${ms.toFixed(1)} ` +
    `per_op_us=${ops > 0 ? (ms * 1000 / ops).toFixed(1) : "-"}`,
);
