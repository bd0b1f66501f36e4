import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { CommandError, OperationError, ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { peftActivate, peftRollback } from "./peft_activate.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

async function registry(models: string[]): Promise<string> {
  const root = await Deno.makeTempDir();
  for (const model of models) {
    await Deno.mkdir(`${root}/available/${model}`, { recursive: true });
    await Deno.writeTextFile(`${root}/available/${model}/manifest.toml`, "[model]\n");
  }
  return root;
}

const state = (root: string) => Deno.readTextFile(`${root}/active_state.toml`);

Deno.test("activate, activate, rollback: files, ECHOes and lines (golden 15-byte writes)", async () => {
  const root = await registry(["llama3-edge-v6", "llama3-edge-v7"]);
  try {
    const backend = new FakeBackend();
    const audit = new CohesixAudit();
    assert.deepEqual(await peftActivate(backend, DEFAULTS, "llama3-edge-v6", root, { audit }), {
      current: "llama3-edge-v6",
    });
    assert.equal(await state(root), 'current = "llama3-edge-v6"\n');
    await peftActivate(backend, DEFAULTS, "llama3-edge-v7", root, { audit });
    assert.equal(await state(root), 'current = "llama3-edge-v7"\nprevious = "llama3-edge-v6"\n');
    assert.deepEqual(await peftRollback(backend, DEFAULTS, root, { audit }), {
      current: "llama3-edge-v6",
      previous: "llama3-edge-v7",
    });
    assert.equal(await Deno.readTextFile(`${root}/active`), "llama3-edge-v6\n");
    assert.deepEqual(backend.calls, [
      "ECHO /gpu/models/active llama3-edge-v6",
      "ECHO /gpu/models/active llama3-edge-v7",
      "ECHO /gpu/models/active llama3-edge-v6",
    ]);
    assert.deepEqual(audit.lines, [
      "OK ECHO path=/gpu/models/active bytes=15",
      "peft activated model=llama3-edge-v6",
      "OK ECHO path=/gpu/models/active bytes=15",
      "peft activated model=llama3-edge-v7",
      "OK ECHO path=/gpu/models/active bytes=15",
      "peft rollback from=llama3-edge-v7 to=llama3-edge-v6",
    ]);
    // Rolling back again toggles.
    await peftRollback(backend, DEFAULTS, root);
    assert.equal(await Deno.readTextFile(`${root}/active`), "llama3-edge-v7\n");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test('rollback reads Python\'s previous = "" as no previous', async () => {
  const root = await registry(["a"]);
  try {
    await Deno.writeTextFile(`${root}/active_state.toml`, 'current = "a"\nprevious = ""\n');
    const backend = new FakeBackend();
    await assert.rejects(
      peftRollback(backend, DEFAULTS, root),
      (e: unknown) =>
        e instanceof OperationError && e.message === "no previous model available for rollback",
    );
    assert.deepEqual(backend.calls, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("unavailable models are refused before any write", async () => {
  const root = await registry(["a"]);
  try {
    const backend = new FakeBackend();
    await assert.rejects(peftActivate(backend, DEFAULTS, "b", root), /model b is not available/);
    await Deno.writeTextFile(`${root}/active_state.toml`, 'current = "a"\nprevious = "gone"\n');
    await assert.rejects(peftRollback(backend, DEFAULTS, root), /model gone is not available/);
    await assert.rejects(peftActivate(backend, DEFAULTS, "../a", root), ValidationError);
    assert.deepEqual(backend.calls, []);
    assert.equal(await state(root), 'current = "a"\nprevious = "gone"\n');
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("local files are written first; a failing ECHO leaves them updated (as coh)", async () => {
  const root = await registry(["demo-model"]);
  try {
    const backend = new FakeBackend();
    backend.failWhen = (call) => call.startsWith("ECHO /gpu/models/active");
    const audit = new CohesixAudit();
    await assert.rejects(
      peftActivate(backend, DEFAULTS, "demo-model", root, { audit }),
      CommandError,
    );
    assert.equal(await Deno.readTextFile(`${root}/active`), "demo-model\n");
    assert.equal(await state(root), 'current = "demo-model"\n');
    assert.deepEqual(audit.lines, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
