import assert from "node:assert/strict";
import { TicketError } from "../core/errors.ts";
import { parseTicketConfig, ticketSecretFor } from "./ticket_config.ts";

Deno.test("[[tickets]] entries are read from a manifest full of other TOML", () => {
  const text = [
    "[meta]",
    'author = "x" # comment',
    "[root_task.affinity]",
    "ninedoor_cores = [1]",
    "[[root_task.driver_images.images]]",
    'role = "not-a-ticket"',
    "[[tickets]]",
    'role = "queen"',
    'secret = "boot\\"strap" # trailing comment',
    "",
    "[[ tickets ]]",
    "role = 'worker-gpu'",
    "secret = 'wg'",
    "[sidecars.modbus]",
    'secret = "not this"',
  ].join("\n");
  const entries = parseTicketConfig(text, "cfg");
  assert.deepEqual(entries, [
    { role: "queen", secret: 'boot"strap' },
    { role: "worker-gpu", secret: "wg" },
  ]);
  assert.equal(ticketSecretFor(entries, "worker-gpu", "cfg"), "wg");
  assert.throws(
    () => ticketSecretFor(entries, "worker-lora", "cfg"),
    /ticket secret for role WorkerLora not found in cfg/,
  );
});

Deno.test("an entry without a string role or secret fails the whole config", () => {
  assert.throws(() => parseTicketConfig('[[tickets]]\nrole = "queen"\n', "c"), TicketError);
  assert.throws(
    () => parseTicketConfig('[[tickets]]\nrole = "queen"\nsecret = 7\n', "c"),
    /failed to parse ticket config c/,
  );
});

Deno.test("matching ignores case but not aliases: the first matching entry wins", () => {
  const entries = parseTicketConfig(
    '[[tickets]]\nrole = "worker"\nsecret = "a"\n[[tickets]]\nrole = "Worker-Heartbeat"\nsecret = "b"\n[[tickets]]\nrole = "worker-heartbeat"\nsecret = "c"\n',
    "c",
  );
  assert.equal(ticketSecretFor(entries, "worker-heartbeat", "c"), "b");
});
