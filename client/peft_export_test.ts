import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { CommandError, OperationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { peftExport } from "./peft_export.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

const ROOT = "/queen/export/lora_jobs";

function seeded(files = ["telemetry.cbor", "base_model.ref", "policy.toml"]): FakeBackend {
  const backend = new FakeBackend();
  backend.dirs.set(ROOT, ["job_1", "job_8932"]);
  backend.dirs.set(`${ROOT}/job_8932`, files);
  backend.put(`${ROOT}/job_8932/telemetry.cbor`, "telemetry-v1\n");
  backend.put(`${ROOT}/job_8932/base_model.ref`, "vision-base-v1\n");
  backend.put(`${ROOT}/job_8932/policy.toml`, '[policy]\nname = "default"\n');
  return backend;
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("export reads the three files in order and saves them (golden lines 1–5)", async () => {
  await withTemp(async (out) => {
    const backend = seeded(["policy.toml", "telemetry.cbor", "base_model.ref"]);
    const audit = new CohesixAudit();
    const result = await peftExport(backend, DEFAULTS, "job_8932", out, { audit });
    assert.deepEqual(audit.lines, [
      "OK LS path=/queen/export/lora_jobs",
      "OK LS path=/queen/export/lora_jobs/job_8932",
      "OK CAT path=/queen/export/lora_jobs/job_8932/telemetry.cbor",
      "OK CAT path=/queen/export/lora_jobs/job_8932/base_model.ref",
      "OK CAT path=/queen/export/lora_jobs/job_8932/policy.toml",
    ]);
    assert.deepEqual(result, {
      jobDir: `${out}/job_8932`,
      written: ["telemetry.cbor", "base_model.ref", "policy.toml"],
    });
    assert.equal(await Deno.readTextFile(`${out}/job_8932/base_model.ref`), "vision-base-v1\n");
    assert.equal(
      await Deno.readTextFile(`${out}/job_8932/policy.toml`),
      '[policy]\nname = "default"\n',
    );
    // Re-running is idempotent: same lines, nothing rewritten.
    await Deno.writeTextFile(`${out}/job_8932/policy.toml`, "local edit");
    const again = new CohesixAudit();
    const second = await peftExport(backend, DEFAULTS, "job_8932", out, { audit: again });
    assert.deepEqual(again.lines, audit.lines);
    assert.deepEqual(second.written, []);
    assert.equal(await Deno.readTextFile(`${out}/job_8932/policy.toml`), "local edit");
  });
});

Deno.test("export checks: unknown job, exact file set, empty files", async () => {
  await withTemp(async (out) => {
    await assert.rejects(
      peftExport(seeded(), DEFAULTS, "job_2", out),
      (e: unknown) =>
        e instanceof OperationError && e.message.startsWith("export job job_2 not found"),
    );
    await assert.rejects(
      peftExport(seeded(["telemetry.cbor", "policy.toml"]), DEFAULTS, "job_8932", out),
      /export missing required file base_model.ref/,
    );
    await assert.rejects(
      peftExport(
        seeded(["telemetry.cbor", "base_model.ref", "policy.toml", "x"]),
        DEFAULTS,
        "job_8932",
        out,
      ),
      /export unexpected file x/,
    );
    const empty = seeded();
    empty.put(`${ROOT}/job_8932/base_model.ref`, "");
    await assert.rejects(
      peftExport(empty, DEFAULTS, "job_8932", `${out}/e`),
      /export file \/queen\/export\/lora_jobs\/job_8932\/base_model.ref is empty/,
    );
    await assert.rejects(peftExport(seeded(), DEFAULTS, "../x", out), /not permitted|contains/);
    await assert.rejects(
      peftExport(seeded(), DEFAULTS, "j".repeat(129), out),
      /id length 129 exceeds max 128/,
    );
  });
});

Deno.test("a missing export root surfaces the LS error after creating the output dir", async () => {
  await withTemp(async (out) => {
    const backend = new FakeBackend();
    await assert.rejects(peftExport(backend, DEFAULTS, "job_8932", `${out}/made`), CommandError);
    assert.ok((await Deno.stat(`${out}/made`)).isDirectory);
  });
});
