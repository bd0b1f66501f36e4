import assert from "node:assert/strict";
import { readChunk, SYNC_IO_MAX_BYTES, syncFileData, writeChunk } from "./sync_io.ts";

async function withFile(
  size: number,
  fn: (file: Deno.FsFile, path: string) => void | Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/f`;
  Deno.writeFileSync(path, new Uint8Array(size).fill(7));
  const file = Deno.openSync(path, { read: true, write: true });
  try {
    await fn(file, path);
  } finally {
    file.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("readChunk is synchronous within the first SYNC_IO_MAX_BYTES and never reads past them", async () => {
  await withFile(SYNC_IO_MAX_BYTES + 100, async (file) => {
    const buffer = new Uint8Array(8192);
    file.seekSync(SYNC_IO_MAX_BYTES - 10, Deno.SeekMode.Start);
    const first = readChunk(file, buffer, SYNC_IO_MAX_BYTES - 10);
    assert.equal(first, 10, "a synchronous read stops at the boundary");
    const rest = readChunk(file, buffer, SYNC_IO_MAX_BYTES);
    assert.ok(rest instanceof Promise, "beyond the boundary the read is asynchronous");
    assert.equal(await rest, 100);
    assert.equal(await readChunk(file, buffer, SYNC_IO_MAX_BYTES + 100), null);
  });
});

Deno.test("writeChunk is synchronous within the first SYNC_IO_MAX_BYTES and never writes past them", async () => {
  await withFile(0, async (file, path) => {
    const data = new Uint8Array(8192).fill(1);
    file.seekSync(SYNC_IO_MAX_BYTES - 10, Deno.SeekMode.Start);
    assert.equal(writeChunk(file, data, SYNC_IO_MAX_BYTES - 10), 10);
    const rest = writeChunk(file, data.subarray(10), SYNC_IO_MAX_BYTES);
    assert.ok(rest instanceof Promise);
    assert.equal(await rest, 8182);
    assert.equal(Deno.statSync(path).size, SYNC_IO_MAX_BYTES + 8182);
  });
});

Deno.test("syncFileData syncs a small file synchronously and a large one asynchronously", async () => {
  await withFile(SYNC_IO_MAX_BYTES, (file) => {
    assert.equal(syncFileData(file), undefined);
  });
  await withFile(SYNC_IO_MAX_BYTES + 1, async (file) => {
    const pending = syncFileData(file);
    assert.ok(pending instanceof Promise);
    await pending;
  });
});
