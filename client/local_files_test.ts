import assert from "node:assert/strict";
import { LimitError, LocalFileError, OperationError } from "../core/errors.ts";
import { sha256Hex } from "../core/sha256.ts";
import { SYNC_IO_MAX_BYTES } from "../core/sync_io.ts";
import {
  copyFileWithHash,
  hashFileBounded,
  joinLocal,
  readFileBounded,
  writeFileAtomic,
  writeFileIfAbsent,
} from "./local_files.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("joinLocal never doubles separators", () => {
  assert.equal(joinLocal("out/reg", "available", "m"), "out/reg/available/m");
  assert.equal(joinLocal("/", "a"), "/a");
  assert.equal(joinLocal("out/", "a"), "out/a");
});

Deno.test("writeFileAtomic replaces the file and leaves no temp file", async () => {
  await withTemp(async (dir) => {
    await writeFileAtomic(`${dir}/f`, enc("one"));
    await writeFileAtomic(`${dir}/f`, enc("two"));
    assert.equal(await Deno.readTextFile(`${dir}/f`), "two");
    assert.deepEqual(names(dir), ["f"]);
  });
});

Deno.test("a failed atomic write leaves neither a temp file nor a changed target", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(`${dir}/target`); // renaming a file over a directory fails
    await Deno.writeTextFile(`${dir}/target/keep`, "x");
    await assert.rejects(writeFileAtomic(`${dir}/target`, enc("data")), LocalFileError);
    assert.deepEqual(names(dir), ["target"]);
    await assert.rejects(writeFileAtomic(`${dir}/missing/f`, enc("data")), LocalFileError);
  });
});

Deno.test("writeFileIfAbsent creates parents and never overwrites", async () => {
  await withTemp(async (dir) => {
    assert.equal(await writeFileIfAbsent(`${dir}/a/b/c`, enc("first")), true);
    assert.equal(await writeFileIfAbsent(`${dir}/a/b/c`, enc("second")), false);
    assert.equal(await Deno.readTextFile(`${dir}/a/b/c`), "first");
    assert.deepEqual(names(`${dir}/a/b`), ["c"]);
  });
});

Deno.test("bounded reads and hashes refuse files above the cap, naming it", async () => {
  await withTemp(async (dir) => {
    await Deno.writeFile(`${dir}/f`, new Uint8Array(20000).fill(1));
    assert.equal((await readFileBounded(`${dir}/f`, 20000, "x.cap")).length, 20000);
    await assert.rejects(
      readFileBounded(`${dir}/f`, 19999, "x.cap"),
      (e: unknown) => e instanceof LimitError && e.limit === "x.cap" && e.max === 19999,
    );
    const digest = await hashFileBounded(`${dir}/f`, 20000, "x.cap");
    assert.deepEqual(digest, { sha256: sha256Hex(new Uint8Array(20000).fill(1)), bytes: 20000 });
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    await assert.rejects(hashFileBounded(`${dir}/empty`, 10, "x.cap"), OperationError);
    await assert.rejects(readFileBounded(`${dir}/none`, 10, "x.cap"), /open .*none/);
  });
});

Deno.test("copyFileWithHash copies in chunks; over the cap it leaves nothing behind", async () => {
  await withTemp(async (dir) => {
    const data = new Uint8Array(50000).map((_, i) => i % 251);
    await Deno.writeFile(`${dir}/src`, data);
    await Deno.mkdir(`${dir}/out`);
    const digest = await copyFileWithHash(`${dir}/src`, `${dir}/out/dst`, 50000, "x.cap");
    assert.deepEqual(digest, { sha256: sha256Hex(data), bytes: 50000 });
    assert.deepEqual(await Deno.readFile(`${dir}/out/dst`), data);
    await assert.rejects(
      copyFileWithHash(`${dir}/src`, `${dir}/out/big`, 40000, "x.cap"),
      LimitError,
    );
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    await assert.rejects(copyFileWithHash(`${dir}/empty`, `${dir}/out/e`, 10, "x.cap"), /is empty/);
    assert.deepEqual(names(`${dir}/out`), ["dst"]);
  });
});

Deno.test("writeFileAtomic replaces the file, never writes into it: a hard link keeps the old bytes", async () => {
  await withTemp(async (dir) => {
    const target = `${dir}/state.json`;
    await Deno.writeTextFile(target, "old contents");
    await Deno.link(target, `${dir}/witness`);
    const before = (await Deno.stat(target)).ino;
    await writeFileAtomic(target, enc("new"));
    assert.equal(await Deno.readTextFile(target), "new");
    // An in-place write would have changed the shared inode, and so the witness too.
    assert.equal(await Deno.readTextFile(`${dir}/witness`), "old contents");
    assert.notEqual((await Deno.stat(target)).ino, before);
    assert.deepEqual(names(dir), ["state.json", "witness"]);
  });
});

Deno.test("a file larger than the synchronous slice is read, hashed and copied whole", async () => {
  await withTemp(async (dir) => {
    // Crosses SYNC_IO_MAX_BYTES in the middle of a chunk: the rest is read asynchronously.
    const size = SYNC_IO_MAX_BYTES + 12_345;
    const data = new Uint8Array(size).map((_, i) => (i * 7) % 253);
    await Deno.writeFile(`${dir}/src`, data);
    assert.deepEqual(await readFileBounded(`${dir}/src`, size, "x.cap"), data);
    const expected = { sha256: sha256Hex(data), bytes: size };
    assert.deepEqual(await hashFileBounded(`${dir}/src`, size, "x.cap"), expected);
    assert.deepEqual(await copyFileWithHash(`${dir}/src`, `${dir}/dst`, size, "x.cap"), expected);
    assert.deepEqual(await Deno.readFile(`${dir}/dst`), data);
    await assert.rejects(
      copyFileWithHash(`${dir}/src`, `${dir}/no`, size - 1, "x.cap"),
      LimitError,
    );
    assert.deepEqual(names(dir), ["dst", "src"]);
  });
});

Deno.test("copying a large file moves at most SYNC_IO_MAX_BYTES synchronously each way", async () => {
  await withTemp(async (dir) => {
    const size = 4 * SYNC_IO_MAX_BYTES + 1;
    const data = new Uint8Array(size).map((_, i) => i % 249);
    await Deno.writeFile(`${dir}/src`, data);
    const proto = Deno.FsFile.prototype;
    const { readSync, writeSync } = proto;
    let readBytes = 0;
    let writtenBytes = 0;
    proto.readSync = function (buffer) {
      const n = readSync.call(this, buffer);
      readBytes += n ?? 0;
      return n;
    };
    proto.writeSync = function (chunk) {
      const n = writeSync.call(this, chunk);
      writtenBytes += n;
      return n;
    };
    try {
      const digest = await copyFileWithHash(`${dir}/src`, `${dir}/dst`, size, "x.cap");
      assert.deepEqual(digest, { sha256: sha256Hex(data), bytes: size });
    } finally {
      proto.readSync = readSync;
      proto.writeSync = writeSync;
    }
    assert.equal(readBytes, SYNC_IO_MAX_BYTES, "the rest of the source is read asynchronously");
    assert.equal(writtenBytes, SYNC_IO_MAX_BYTES, "the rest of the copy is written asynchronously");
    assert.deepEqual(await Deno.readFile(`${dir}/dst`), data);
  });
});
