import assert from "node:assert/strict";
import { InventoryError } from "../core/errors.ts";
import { gpuInfoPayload } from "./gpu_inventory.ts";
import {
  NVIDIA_SMI_QUERY_ARGS,
  nvidiaSmiInventory,
  parseCudaVersion,
  parseNvidiaSmiCsv,
} from "./nvidia_smi_inventory.ts";

/** A fake `nvidia-smi` in a fresh directory: answers the query with `csv`, plain runs with `header`. */
async function fakeNvidiaSmi(
  csv: string,
  options: { header?: string; exitCode?: number; stderr?: string } = {},
): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "cohesix-fake-smi-" });
  const path = `${dir}/nvidia-smi`;
  const script = [
    "#!/bin/sh",
    `if [ "$1" = "${NVIDIA_SMI_QUERY_ARGS[0]}" ] && [ "$2" = "${NVIDIA_SMI_QUERY_ARGS[1]}" ]; then`,
    `  printf '%s' '${csv}'`,
    `  printf '%s' '${options.stderr ?? ""}' >&2`,
    `  exit ${options.exitCode ?? 0}`,
    "fi",
    `if [ "$#" = 0 ]; then printf '%s\\n' '${options.header ?? ""}'; exit 0; fi`,
    "echo unexpected arguments >&2; exit 9",
  ].join("\n");
  await Deno.writeTextFile(path, `${script}\n`, { mode: 0o755 });
  return { dir, path };
}

Deno.test("nvidia-smi's GPUs become gpu-bridge-host inventory entries", async () => {
  const fake = await fakeNvidiaSmi(
    "0, NVIDIA GeForce RTX 4090, 24564, 550.54.15\n1, NVIDIA A100-SXM4-80GB, 81920, 550.54.15\n",
    { header: "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |" },
  );
  try {
    const gpus = await nvidiaSmiInventory({ command: fake.path });
    assert.deepEqual(gpus, [
      {
        id: "GPU-0",
        name: "NVIDIA GeForce RTX 4090",
        memoryMb: 24564,
        smCount: 0,
        driverVersion: "550.54.15",
        runtimeVersion: "12.4",
      },
      {
        id: "GPU-1",
        name: "NVIDIA A100-SXM4-80GB",
        memoryMb: 81920,
        smCount: 0,
        driverVersion: "550.54.15",
        runtimeVersion: "12.4",
      },
    ]);
    assert.match(gpuInfoPayload(gpus[0]!), /"sm_count": 0,\n/);
  } finally {
    await Deno.remove(fake.dir, { recursive: true });
  }
});

Deno.test("nvidia-smi is found on PATH", async () => {
  const fake = await fakeNvidiaSmi("3, Tesla T4, 15360, 535.1\n");
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${fake.dir}:${path}`);
  try {
    const gpus = await nvidiaSmiInventory();
    assert.deepEqual(gpus.map((g) => [g.id, g.name, g.runtimeVersion]), [
      ["GPU-3", "Tesla T4", "unknown"],
    ]);
  } finally {
    Deno.env.set("PATH", path);
    await Deno.remove(fake.dir, { recursive: true });
  }
});

Deno.test("a missing nvidia-smi names the two other inventories", async () => {
  const error = await nvidiaSmiInventory({ command: "/nonexistent/nvidia-smi" })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof InventoryError, String(error));
  assert.match(error.message, /was not found on PATH/);
  assert.match(error.message, /--mock-inventory/);
  assert.match(error.message, /--inventory FILE/);
});

Deno.test("a failing nvidia-smi is an InventoryError quoting its stderr", async () => {
  const fake = await fakeNvidiaSmi("", {
    exitCode: 9,
    stderr: "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.",
  });
  try {
    const error = await nvidiaSmiInventory({ command: fake.path })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof InventoryError, String(error));
    assert.match(error.message, /failed with exit code 9: NVIDIA-SMI has failed/);
    assert.match(error.message, /--mock-inventory/);
  } finally {
    await Deno.remove(fake.dir, { recursive: true });
  }
});

Deno.test("unexpected nvidia-smi output is refused", () => {
  assert.throws(() => parseNvidiaSmiCsv(""), /reported no GPUs/);
  assert.throws(() => parseNvidiaSmiCsv("0, name, [N/A], 550\n"), /unexpected line/);
  assert.throws(() => parseNvidiaSmiCsv("x, name, 1, 550\n"), InventoryError);
  assert.throws(() => parseNvidiaSmiCsv("0, name, 1\n"), InventoryError);
  assert.deepEqual(parseNvidiaSmiCsv("0, Odd, Name, 7, 1.0\r\n").map((g) => g.name), ["Odd, Name"]);
  assert.equal(parseCudaVersion("CUDA Version: 12.4"), "12.4");
  assert.equal(parseCudaVersion("no cuda here"), undefined);
});
