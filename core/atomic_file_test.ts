import assert from "node:assert/strict";
import { writeFileAtomic, writeFileAtomicSync, writeFileAtomicWith } from "./atomic_file.ts";
import { LocalFileError } from "./errors.ts";

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();

Deno.test("a symlink planted at the target is replaced, its target keeps its bytes", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(`${dir}/out`);
    await Deno.writeTextFile(`${dir}/victim`, "precious");
    await Deno.symlink("../victim", `${dir}/out/audit.txt`);
    await writeFileAtomic(`${dir}/out/audit.txt`, "transcript\n");
    assert.equal(await Deno.readTextFile(`${dir}/victim`), "precious");
    assert.equal((await Deno.lstat(`${dir}/out/audit.txt`)).isFile, true);
    assert.equal(await Deno.readTextFile(`${dir}/out/audit.txt`), "transcript\n");
    // The sync form (mock state) behaves the same, also for a dangling symlink.
    await Deno.symlink("../elsewhere", `${dir}/out/state.json`);
    writeFileAtomicSync(`${dir}/out/state.json`, "{}\n");
    assert.equal((await Deno.lstat(`${dir}/out/state.json`)).isFile, true);
    assert.deepEqual(names(dir), ["out", "victim"]);
    assert.deepEqual(names(`${dir}/out`), ["audit.txt", "state.json"]);
  });
});

Deno.test("a hard link to the old file keeps the old bytes (a new inode, never in place)", async () => {
  await withTemp(async (dir) => {
    await writeFileAtomic(`${dir}/f`, "old");
    await Deno.link(`${dir}/f`, `${dir}/keep`);
    await writeFileAtomic(`${dir}/f`, "new");
    assert.equal(await Deno.readTextFile(`${dir}/keep`), "old");
    assert.equal(await Deno.readTextFile(`${dir}/f`), "new");
    writeFileAtomicSync(`${dir}/f`, "newer");
    assert.equal(await Deno.readTextFile(`${dir}/keep`), "old");
    assert.equal(await Deno.readTextFile(`${dir}/f`), "newer");
  });
});

Deno.test("the temporary file is exclusive, unpredictable and removed on failure", async () => {
  await withTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/f`, "before");
    const seen: string[] = [];
    await assert.rejects(
      writeFileAtomicWith(`${dir}/f`, async (file) => {
        await file.write(new TextEncoder().encode("half"));
        seen.push(...names(dir));
        throw new LocalFileError("disk full (simulated)");
      }),
      /disk full/,
    );
    const temporary = seen.find((name) => name !== "f") ?? "";
    assert.match(temporary, /^\.f\.[0-9a-f]{32}\.partial$/);
    assert.deepEqual(names(dir), ["f"]);
    assert.equal(await Deno.readTextFile(`${dir}/f`), "before");
  });
});

Deno.test("a directory at the target is refused as a LocalFileError and left alone", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(`${dir}/f`);
    await Deno.writeTextFile(`${dir}/f/inside`, "x");
    await assert.rejects(writeFileAtomic(`${dir}/f`, "data"), LocalFileError);
    assert.deepEqual(names(dir), ["f"]);
    assert.deepEqual(names(`${dir}/f`), ["inside"]);
  });
});

Deno.test("large data (the streaming path) is atomic too: symlink replaced, hard link kept", async () => {
  await withTemp(async (dir) => {
    // Over the size written synchronously, so writeFileAtomic takes its asynchronous path.
    const big = "x".repeat(300 * 1024);
    await Deno.writeTextFile(`${dir}/victim`, "precious");
    await Deno.symlink("victim", `${dir}/pulled`);
    await writeFileAtomic(`${dir}/pulled`, big);
    assert.equal(await Deno.readTextFile(`${dir}/victim`), "precious");
    assert.equal((await Deno.lstat(`${dir}/pulled`)).isFile, true);
    await Deno.link(`${dir}/pulled`, `${dir}/keep`);
    await writeFileAtomic(`${dir}/pulled`, big.toUpperCase());
    assert.equal(await Deno.readTextFile(`${dir}/keep`), big);
    assert.equal(await Deno.readTextFile(`${dir}/pulled`), big.toUpperCase());
  });
});
