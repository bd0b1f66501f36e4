import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { LimitError, OperationError } from "../core/errors.ts";
import { loadState, parseState, renderState, writeState } from "./registry_state.ts";

Deno.test("coh's convention: previous is omitted when there is none", () => {
  assert.equal(renderState({ current: "prev-model" }), 'current = "prev-model"\n');
  assert.equal(
    renderState({ current: "llama3-edge-v6", previous: "llama3-edge-v7" }),
    'current = "llama3-edge-v6"\nprevious = "llama3-edge-v7"\n',
  );
});

Deno.test("both coh's and Python's state files parse", () => {
  assert.deepEqual(parseState('current = "a"\n', "s"), { current: "a" });
  assert.deepEqual(parseState('current = "a"\nprevious = ""\n', "s"), { current: "a" });
  assert.deepEqual(parseState('# c\ncurrent="a"\n\nprevious = "b"  # note\n', "s"), {
    current: "a",
    previous: "b",
  });
  assert.deepEqual(parseState('current = "a\\"b"\n', "s"), { current: 'a"b' });
  const py = 'current = "llama3-edge-v6"\nprevious = "llama3-edge-v7"\n';
  assert.equal(py.length, 55);
  assert.deepEqual(parseState(py, "s"), { current: "llama3-edge-v6", previous: "llama3-edge-v7" });
});

Deno.test("invalid state files fail with invalid state TOML in <path>", () => {
  for (
    const text of [
      'previous = "b"\n',
      "current = a\n",
      'other = "x"\ncurrent = "a"\n',
      "junk\n",
      'current = "a"\ncurrent = "b"\n',
    ]
  ) {
    assert.throws(
      () => parseState(text, "/r/active_state.toml"),
      (e: unknown) =>
        e instanceof OperationError &&
        e.message.startsWith("invalid state TOML in /r/active_state.toml"),
      text,
    );
  }
});

Deno.test("loadState falls back to active, then to empty; writeState writes both files", async () => {
  const root = await Deno.makeTempDir();
  try {
    assert.deepEqual(await loadState(root, DEFAULTS), { current: "" });
    await Deno.writeTextFile(`${root}/active`, "\n  demo-model \n");
    assert.deepEqual(await loadState(root, DEFAULTS), { current: "demo-model" });
    await writeState(root, { current: "b", previous: "a" }, DEFAULTS);
    assert.equal(await Deno.readTextFile(`${root}/active`), "b\n");
    assert.equal(
      await Deno.readTextFile(`${root}/active_state.toml`),
      'current = "b"\nprevious = "a"\n',
    );
    assert.deepEqual(await loadState(root, DEFAULTS), { current: "b", previous: "a" });
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), [
      "active",
      "active_state.toml",
    ]);
    await Deno.writeTextFile(`${root}/active_state.toml`, "#".repeat(4097));
    await assert.rejects(loadState(root, DEFAULTS), LimitError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a state above max_state_bytes is refused before writing", async () => {
  const root = await Deno.makeTempDir();
  try {
    const small = {
      ...DEFAULTS,
      coh: {
        ...DEFAULTS.coh,
        peft: {
          ...DEFAULTS.coh.peft,
          activate: { ...DEFAULTS.coh.peft.activate, maxStateBytes: 20 },
        },
      },
    };
    await assert.rejects(
      writeState(root, { current: "llama3-edge-v7" }, small),
      (e: unknown) =>
        e instanceof LimitError && e.message === "state bytes 27 exceeds max_state_bytes 20",
    );
    assert.deepEqual([...Deno.readDirSync(root)], []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
