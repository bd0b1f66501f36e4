/**
 * Helper for `run_test.ts`: runs `echo ok` through `runCommand` in a process started without
 * `--allow-run` and prints the error's class, flag and the backend calls made, as JSON.
 *
 * @module
 */

import { DEFAULTS } from "../core/defaults.ts";
import { PermissionError } from "../core/errors.ts";
import { runCommand } from "../client/run.ts";
import { FakeBackend } from "./fake_backend.ts";

if (import.meta.main) {
  const backend = new FakeBackend();
  backend.put(
    "/gpu/GPU-0/lease",
    '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"w","mem_mb":1,"streams":1,"ttl_s":1,"priority":0}',
  );
  try {
    await runCommand(backend, DEFAULTS, "GPU-0", ["echo", "ok"]);
    console.log(JSON.stringify({ name: "none", calls: backend.calls }));
  } catch (error) {
    const flag = error instanceof PermissionError ? error.flag : undefined;
    console.log(JSON.stringify({ name: (error as Error).name, flag, calls: backend.calls }));
  }
}
