import assert from "node:assert/strict";
import { LimitError, LocalFileError, ValidationError } from "../core/errors.ts";
import { FilesystemBackend } from "./filesystem.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A temp dir holding `mnt` (the mount root) and `mnt-evil` (a sibling sharing its prefix). */
async function withTree(body: (base: string, fs: FilesystemBackend) => Promise<void>) {
  const base = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${base}/mnt/gpu/GPU-0`, { recursive: true });
    await Deno.mkdir(`${base}/mnt/gpu/GPU-1`);
    await Deno.mkdir(`${base}/mnt/gpu/bridge`);
    await Deno.writeTextFile(`${base}/mnt/gpu/GPU-0/info`, '{"id":"GPU-0"}\n');
    await Deno.mkdir(`${base}/mnt-evil`);
    await Deno.writeTextFile(`${base}/mnt-evil/secret`, "secret");
    await using fs = await FilesystemBackend.open(`${base}/mnt`);
    await body(base, fs);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("listDir is sorted by code point; readFile returns raw bytes", async () => {
  await withTree(async (base, fs) => {
    assert.equal(fs.kind, "filesystem");
    assert.equal(fs.root, `${base}/mnt`);
    await Deno.writeTextFile(`${base}/mnt/gpu/\u{1F600}`, "");
    await Deno.writeTextFile(`${base}/mnt/gpu/\uFF21`, "");
    assert.deepEqual(await fs.listDir("/gpu"), ["GPU-0", "GPU-1", "bridge", "\uFF21", "\u{1F600}"]);
    assert.equal(decoder.decode(await fs.readFile("/gpu/GPU-0/info", 100)), '{"id":"GPU-0"}\n');
    assert.deepEqual(await fs.listDir("/"), ["gpu"]);
  });
});

Deno.test("readFile cap: exactly maxBytes passes, one past fails; kinds are checked", async () => {
  await withTree(async (base, fs) => {
    await Deno.writeFile(`${base}/mnt/big`, new Uint8Array(200_000).fill(0x61));
    assert.equal((await fs.readFile("/big", 200_000)).length, 200_000);
    await assert.rejects(
      () => fs.readFile("/big", 199_999),
      (e: unknown) => e instanceof LimitError && e.message === "read /big exceeds max bytes 199999",
    );
    await assert.rejects(
      () => fs.readFile("/gpu", 10),
      (e: unknown) => e instanceof LocalFileError && e.message === "/gpu is not a file",
    );
    await assert.rejects(
      () => fs.listDir("/gpu/GPU-0/info"),
      (e: unknown) =>
        e instanceof LocalFileError && e.message === "/gpu/GPU-0/info is not a directory",
    );
    await assert.rejects(() => fs.readFile("/missing", 10), LocalFileError);
  });
});

Deno.test("writeAppend appends bytes as given, creates parents, refuses multi-line", async () => {
  await withTree(async (base, fs) => {
    assert.equal(await fs.writeAppend("/queen/telemetry/d/seg/s1", encoder.encode("one\n")), 4);
    assert.equal(await fs.writeAppend("/queen/telemetry/d/seg/s1", encoder.encode("two")), 3);
    assert.equal(
      await Deno.readTextFile(`${base}/mnt/queen/telemetry/d/seg/s1`),
      "one\ntwo",
    );
    await assert.rejects(() => fs.writeAppend("/x", encoder.encode("a\nb")), ValidationError);
    await assert.rejects(() => fs.writeAppend("/x", encoder.encode("a\r\n")), ValidationError);
    await assert.rejects(() => fs.writeAppend("/gpu", encoder.encode("a")), LocalFileError);
  });
});

Deno.test("escapes are refused: .., a symlink anywhere below the root, a dangling one", async () => {
  await withTree(async (base, fs) => {
    const escape = (e: unknown) =>
      e instanceof ValidationError && e.message.startsWith("path escapes mount root");
    await assert.rejects(() => fs.readFile("/../mnt-evil/secret", 100), escape);
    await assert.rejects(() => fs.listDir("/gpu/../.."), escape);
    await assert.rejects(() => fs.writeAppend("/../mnt-evil/secret", encoder.encode("x")), escape);

    await Deno.symlink(`${base}/mnt-evil`, `${base}/mnt/sibling`);
    await assert.rejects(() => fs.listDir("/sibling"), escape);
    await assert.rejects(() => fs.readFile("/sibling/secret", 100), escape);
    await assert.rejects(() => fs.writeAppend("/sibling/new", encoder.encode("x")), escape);
    await assert.rejects(() => fs.writeAppend("/sibling/secret", encoder.encode("x")), escape);

    await Deno.symlink(`${base}/mnt-evil/secret`, `${base}/mnt/out-file`);
    await assert.rejects(() => fs.readFile("/out-file", 100), escape);
    await assert.rejects(() => fs.writeAppend("/out-file", encoder.encode("x")), escape);
    assert.equal(await Deno.readTextFile(`${base}/mnt-evil/secret`), "secret");
    assert.deepEqual([...Deno.readDirSync(`${base}/mnt-evil`)].map((e) => e.name), ["secret"]);

    // A namespace has no symlinks: even one pointing inside is refused, for reads and writes.
    await Deno.symlink(`${base}/mnt/gpu/GPU-0`, `${base}/mnt/alias`);
    await assert.rejects(() => fs.readFile("/alias/info", 100), escape);
    await assert.rejects(() => fs.writeAppend("/alias/new", encoder.encode("ok")), escape);
    // A dangling symlink is never created through, wherever it points.
    await Deno.symlink(`${base}/mnt-evil/created`, `${base}/mnt/dangling`);
    await assert.rejects(() => fs.writeAppend("/dangling", encoder.encode("x")), escape);
    await Deno.symlink(`${base}/mnt-evil/newdir`, `${base}/mnt/dangling-dir`);
    await assert.rejects(() => fs.writeAppend("/dangling-dir/f", encoder.encode("x")), escape);
    assert.deepEqual([...Deno.readDirSync(`${base}/mnt-evil`)].map((e) => e.name), ["secret"]);
    assert.equal(await Deno.readTextFile(`${base}/mnt-evil/secret`), "secret");
  });
});

/**
 * A worker thread (real concurrency) swapping `mnt/d` for a symlink to `outside` and back, in a
 * tight loop, until told to stop; it reports how many swaps it made.
 */
function startSwapper(base: string): { stop: () => Promise<number> } {
  const code = `
const D = ${JSON.stringify(`${base}/mnt/d`)}, T = ${JSON.stringify(`${base}/mnt/d.tmp`)};
const OUT = ${JSON.stringify(`${base}/outside`)};
let swaps = 0, stop = false;
self.onmessage = () => { stop = true; };
const quiet = (f) => { try { f(); } catch { /* raced with the backend */ } };
while (!stop) {
  for (let i = 0; i < 50; i++) {
    quiet(() => Deno.renameSync(D, T));
    quiet(() => Deno.symlinkSync(OUT, D));
    quiet(() => Deno.removeSync(D, { recursive: true }));
    quiet(() => Deno.renameSync(T, D));
    swaps++;
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
}
self.postMessage(swaps);
`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  return {
    stop: () =>
      new Promise<number>((resolve) => {
        worker.onmessage = (event) => {
          worker.terminate();
          URL.revokeObjectURL(url);
          resolve(event.data as number);
        };
        worker.postMessage("stop");
      }),
  };
}

Deno.test("swap race: a directory swapped for an outside symlink is never read or written through", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${base}/mnt/d`, { recursive: true });
    await Deno.writeTextFile(`${base}/mnt/d/f`, "inside");
    await Deno.writeTextFile(`${base}/mnt/d/w`, "");
    await Deno.mkdir(`${base}/outside`);
    await Deno.writeTextFile(`${base}/outside/f`, "OUTSIDE");
    await Deno.writeTextFile(`${base}/outside/w`, "");
    await using fs = await FilesystemBackend.open(`${base}/mnt`);
    const swapper = startSwapper(base);
    const seen = new Set<string>();
    let reads = 0;
    let writes = 0;
    try {
      for (let i = 0; i < 1500; i++) {
        try {
          seen.add(decoder.decode(await fs.readFile("/d/f", 100)));
          reads++;
        } catch (error) {
          if (!(error instanceof LocalFileError || error instanceof ValidationError)) throw error;
        }
        try {
          await fs.writeAppend("/d/w", encoder.encode("x"));
          writes++;
        } catch (error) {
          if (!(error instanceof LocalFileError || error instanceof ValidationError)) throw error;
        }
      }
    } finally {
      const swaps = await swapper.stop();
      assert.ok(swaps > 0, "the swapper never ran");
    }
    // Both paths ran under the race (not all refused), and none ever went outside.
    assert.ok(reads > 0 && writes > 0, `reads ${reads}, writes ${writes}`);
    assert.deepEqual([...seen], ["inside"]);
    assert.equal(await Deno.readTextFile(`${base}/outside/w`), "");
    assert.equal(await Deno.readTextFile(`${base}/outside/f`), "OUTSIDE");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Queen path rules apply (absolute, depth, length)", async () => {
  await withTree(async (_base, fs) => {
    await assert.rejects(() => fs.listDir("gpu"), ValidationError);
    await assert.rejects(() => fs.readFile("/a/b/c/d/e/f/g/h/i", 10), LimitError);
  });
});

Deno.test("open of a missing root or a file fails with LocalFileError", async () => {
  const base = await Deno.makeTempDir();
  try {
    await assert.rejects(() => FilesystemBackend.open(`${base}/none`), LocalFileError);
    await Deno.writeTextFile(`${base}/file`, "");
    await assert.rejects(() => FilesystemBackend.open(`${base}/file`), /not a directory/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("missing permission names the exact flag with the root path", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${base}/mnt`);
    await Deno.mkdir(`${base}/other`);
    const script = `${base}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { FilesystemBackend } from ${
        JSON.stringify(new URL("./filesystem.ts", import.meta.url).href)
      };
const root = ${JSON.stringify(`${base}/mnt`)};
try {
  const fs = await FilesystemBackend.open(root);
  await fs.writeAppend("/x", new TextEncoder().encode("y"));
  console.log("wrote");
} catch (e) { console.log(e.constructor.name + ": " + e.message); }`,
    );
    const run = async (flags: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", ...flags, script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return decoder.decode(out.stdout);
    };
    assert.match(
      await run([`--allow-read=${base}/other`]),
      new RegExp(`^PermissionError: .*--allow-read=${base}/mnt`),
    );
    assert.match(
      await run([`--allow-read=${base}/mnt`]),
      new RegExp(`^PermissionError: .*--allow-write=${base}/mnt`),
    );
    assert.equal(await run([`--allow-read=${base}/mnt`, `--allow-write=${base}/mnt`]), "wrote\n");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
