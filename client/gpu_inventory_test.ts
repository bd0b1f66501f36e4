import assert from "node:assert/strict";
import { readFixture } from "../tests/fixtures.ts";
import {
  bridgeNodeOf,
  escapeJsonString,
  gpuInfoPayload,
  MOCK_GPU_INVENTORY,
} from "./gpu_inventory.ts";

Deno.test("mock inventory nodes equal gpu-bridge-host --mock --list", () => {
  const listed = JSON.parse(readFixture("live2/bridge_publish_mock.list.json")).nodes;
  assert.deepEqual(
    MOCK_GPU_INVENTORY.map(bridgeNodeOf),
    listed.map((n: Record<string, string>) => ({
      id: n.id,
      info: n.info_payload,
      ctl: n.ctl_payload,
      lease: n.lease_payload,
      status: n.status_payload,
    })),
  );
  assert.equal(gpuInfoPayload(MOCK_GPU_INVENTORY[0]!).length, 153);
});

Deno.test("strings are escaped as gpu-bridge-host does, not as JSON.stringify", () => {
  assert.equal(escapeJsonString('a"b\\c\nd\re\tf'), 'a\\"b\\\\c\\nd\\re\\tf');
  assert.equal(escapeJsonString("\u0007\b\f"), "\\u0007\\u0008\\u000c");
  assert.equal(escapeJsonString("Ünïcode ✓"), "Ünïcode ✓");
});
