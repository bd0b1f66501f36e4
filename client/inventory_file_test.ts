import assert from "node:assert/strict";
import { InventoryError } from "../core/errors.ts";
import { fixturePath } from "../tests/fixtures.ts";
import { bridgeNodeOf, MOCK_GPU_INVENTORY } from "./gpu_inventory.ts";
import { loadInventoryFile, parseInventoryJson } from "./inventory_file.ts";

Deno.test("a gpu-bridge-host --list file gives its nodes verbatim", async () => {
  const nodes = await loadInventoryFile(fixturePath("live2/bridge_publish_mock.list.json"));
  assert.deepEqual(nodes, MOCK_GPU_INVENTORY.map(bridgeNodeOf));
});

Deno.test("a file that is not the --list shape is an InventoryError saying why", () => {
  const cases: [string, RegExp][] = [
    ["not json", /is not JSON/],
    ["[]", /has no "nodes" array/],
    ['{"nodes":[]}', /lists no GPUs/],
    [
      '{"nodes":[{"id":"GPU-0","info_payload":"{}","ctl_payload":"","lease_payload":""}]}',
      /node 0: "status_payload" must be a string/,
    ],
    ['{"nodes":[{"id":7}]}', /node 0: "id" must be a string/],
  ];
  for (const [text, why] of cases) {
    assert.throws(() => parseInventoryJson(text, "inv.json"), (e: unknown) => {
      assert.ok(e instanceof InventoryError);
      assert.match(e.message, why);
      assert.match(e.message, /gpu-bridge-host --list/);
      return true;
    });
  }
});
