import assert from "node:assert/strict";
import { writeFileAtomic } from "./atomic_file.ts";
import { LocalFileError, PermissionError } from "./errors.ts";
import { fileError, isNotImplemented, toPermissionError } from "./permissions.ts";

/**
 * A real refusal by the operating system under every Deno flag: opening a mode-000 file for an
 * ordinary user; root bypasses modes, so there a hard link to a directory (EPERM for everyone)
 * stands in for it. Both arrive as `Deno.errors.PermissionDenied`.
 */
async function osRefusal(dir: string): Promise<{ path: string; error: unknown }> {
  const locked = `${dir}/locked`;
  await Deno.writeTextFile(locked, "x");
  await Deno.chmod(locked, 0o000);
  try {
    (await Deno.open(locked, { write: true })).close();
  } catch (error) {
    return { path: locked, error };
  }
  await Deno.mkdir(`${dir}/folder`);
  try {
    await Deno.link(`${dir}/folder`, `${dir}/link`);
  } catch (error) {
    return { path: `${dir}/folder`, error };
  }
  throw new Error("the operating system refused nothing");
}

Deno.test("an OS refusal (mode 000) is a LocalFileError, never a missing Deno flag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { path, error: raw } = await osRefusal(dir);
    assert.ok(raw instanceof Deno.errors.PermissionDenied);
    const wrapped = fileError("write", path, raw, { access: "write" });
    assert.ok(wrapped instanceof LocalFileError);
    assert.ok(!(wrapped instanceof PermissionError));
    assert.match(wrapped.message, /permission denied by the operating system/);
    assert.match(wrapped.message, /no Deno flag lifts this/);
    assert.doesNotMatch(wrapped.message, /--allow-/);
    const generic = toPermissionError(raw);
    assert.ok(generic instanceof LocalFileError);
    assert.doesNotMatch((generic as Error).message, /--allow-/);
  } finally {
    await Deno.chmod(`${dir}/locked`, 0o600).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

const dir = Deno.makeTempDirSync();
Deno.test({
  name: "Deno's own refusal (no --allow-write) names the exact flag",
  permissions: { read: true, write: false },
  fn: async () => {
    const error = await writeFileAtomic(`${dir}/f`, "x").then(() => undefined, (e) => e);
    assert.ok(error instanceof PermissionError, String(error));
    assert.equal(error.flag, `--allow-write=${dir}/f`);
    let raw: unknown;
    try {
      Deno.writeTextFileSync(`${dir}/g`, "x");
    } catch (caught) {
      raw = caught;
    }
    assert.ok(raw instanceof Deno.errors.NotCapable);
    const generic = toPermissionError(raw);
    assert.ok(generic instanceof PermissionError);
    assert.equal(generic.flag, `--allow-write=${dir}/g`);
  },
});
Deno.test("cleanup", () => Deno.removeSync(dir, { recursive: true }));

const renameDir = Deno.makeTempDirSync();
Deno.test({
  name: "an atomic write without read access names --allow-read (a rename needs it)",
  permissions: { read: false, write: true },
  fn: async () => {
    const error = await writeFileAtomic(`${renameDir}/f`, "x").then(() => undefined, (e) => e);
    assert.ok(error instanceof PermissionError, String(error));
    assert.equal(error.flag, `--allow-read=${renameDir}/f`);
  },
});
Deno.test("cleanup after the rename case", () => Deno.removeSync(renameDir, { recursive: true }));

Deno.test("ENOSYS (a FUSE mount without the call) is recognised by code or OS message", () => {
  const fuse = new Error("Function not implemented (os error 38): mkdir 'mnt/coh/queen/x'");
  assert.ok(isNotImplemented(fuse));
  assert.ok(isNotImplemented(Object.assign(new Error("nope"), { code: "ENOSYS" })));
  assert.ok(!isNotImplemented(new Error("No such file or directory (os error 2)")));
  assert.ok(!isNotImplemented("Function not implemented (os error 38)"));
});
