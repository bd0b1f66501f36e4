import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { telemetryPull } from "./telemetry_pull.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

const ROOT = "/queen/telemetry";

function seeded(): FakeBackend {
  const backend = new FakeBackend();
  backend.dirs.set(ROOT, ["device-2", "device-1"]);
  backend.dirs.set(`${ROOT}/device-2/seg`, ["seg-000002", "seg-000001"]);
  backend.dirs.set(`${ROOT}/device-1/seg`, []);
  backend.put(`${ROOT}/device-2/seg/seg-000001`, "R1");
  backend.put(`${ROOT}/device-2/seg/seg-000002`, "R1\nR2");
  return backend;
}

Deno.test("pull keeps LS order, saves <out>/<dev>/seg/<seg>, prints coh's lines", async () => {
  const out = await Deno.makeTempDir();
  try {
    const backend = seeded();
    const audit = new CohesixAudit();
    const result = await telemetryPull(backend, DEFAULTS, `${out}/pulled`, { audit });
    assert.deepEqual(result, { devices: 2, segments: 2, bytes: 7 });
    assert.deepEqual(audit.lines, [
      "OK LS path=/queen/telemetry",
      "OK LS path=/queen/telemetry/device-2/seg",
      "OK CAT path=/queen/telemetry/device-2/seg/seg-000002",
      "telemetry device=device-2 segment=seg-000002 bytes=5 saved=device-2/seg/seg-000002",
      "OK CAT path=/queen/telemetry/device-2/seg/seg-000001",
      "telemetry device=device-2 segment=seg-000001 bytes=2 saved=device-2/seg/seg-000001",
      "OK LS path=/queen/telemetry/device-1/seg",
    ]);
    assert.equal(await Deno.readTextFile(`${out}/pulled/device-2/seg/seg-000002`), "R1\nR2");
    assert.equal(await Deno.readTextFile(`${out}/pulled/device-2/seg/seg-000001`), "R1");
    const names = [...Deno.readDirSync(`${out}/pulled/device-2/seg`)].map((e) => e.name).sort();
    assert.deepEqual(names, ["seg-000001", "seg-000002"], "no temp files left behind");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("existing local segments are never overwritten; re-runs report remote bytes", async () => {
  const out = await Deno.makeTempDir();
  try {
    const backend = seeded();
    await Deno.mkdir(`${out}/device-2/seg`, { recursive: true });
    await Deno.writeTextFile(`${out}/device-2/seg/seg-000002`, "stale");
    const audit = new CohesixAudit();
    await telemetryPull(backend, DEFAULTS, out, { audit });
    assert.equal(await Deno.readTextFile(`${out}/device-2/seg/seg-000002`), "stale");
    assert.ok(audit.lines.includes(
      "telemetry device=device-2 segment=seg-000002 bytes=5 saved=device-2/seg/seg-000002",
    ));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("no devices: telemetry: none", async () => {
  const out = await Deno.makeTempDir();
  try {
    const backend = new FakeBackend();
    backend.dirs.set(ROOT, []);
    const audit = new CohesixAudit();
    assert.deepEqual(await telemetryPull(backend, DEFAULTS, out, { audit }), {
      devices: 0,
      segments: 0,
      bytes: 0,
    });
    assert.deepEqual(audit.lines, ["OK LS path=/queen/telemetry", "telemetry: none"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("coh's pull limits are enforced with LimitErrors naming them", async () => {
  const out = await Deno.makeTempDir();
  try {
    const many = new FakeBackend();
    many.dirs.set(ROOT, ["d"]);
    many.dirs.set(`${ROOT}/d/seg`, ["s1", "s2", "s3", "s4", "s5"]);
    await assert.rejects(
      telemetryPull(many, DEFAULTS, out),
      (e: unknown) =>
        e instanceof LimitError && e.limit === "coh.telemetry.max_segments_per_device" &&
        e.message === "telemetry segments 5 exceeds max_segments_per_device 4 for device d",
    );
    const devices = new FakeBackend();
    devices.dirs.set(ROOT, Array.from({ length: 33 }, (_, i) => `d${i}`));
    await assert.rejects(telemetryPull(devices, DEFAULTS, out), /exceeds max_devices 32/);
    const big = new FakeBackend();
    big.dirs.set(ROOT, ["d"]);
    big.dirs.set(`${ROOT}/d/seg`, ["s1", "s2", "s3", "s4", "s5"].slice(0, 4));
    for (const s of ["s1", "s2", "s3", "s4"]) big.put(`${ROOT}/d/seg/${s}`, "x".repeat(32768));
    const small = {
      ...DEFAULTS,
      coh: {
        ...DEFAULTS.coh,
        telemetry: { ...DEFAULTS.coh.telemetry, maxTotalBytesPerDevice: 65536 },
      },
    };
    await assert.rejects(
      telemetryPull(big, small, `${out}/big`),
      (e: unknown) =>
        e instanceof LimitError && e.limit === "coh.telemetry.max_total_bytes_per_device",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
