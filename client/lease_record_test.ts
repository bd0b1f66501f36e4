import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { OperationError } from "../core/errors.ts";
import { parseLeaseRecord, validateActiveLease } from "./lease_record.ts";

const LIVE =
  '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}';

function lease(patch: Record<string, unknown>): string {
  return JSON.stringify({ ...JSON.parse(LIVE), ...patch });
}

function rejects(text: string, message: string): void {
  assert.throws(
    () => validateActiveLease(text, "GPU-0", DEFAULTS),
    (error: unknown) => error instanceof OperationError && error.message.startsWith(message),
    message,
  );
}

Deno.test("the live lease line parses into all eight fields", () => {
  assert.deepEqual(parseLeaseRecord(LIVE), {
    schema: "gpu-lease/v1",
    state: "ACTIVE",
    gpuId: "GPU-0",
    workerId: "worker-1",
    memMb: 4096,
    streams: 2,
    ttlS: 120,
    priority: 1,
  });
});

Deno.test("the last non-empty line is the one validated", () => {
  const released = lease({ state: "RELEASED" });
  assert.equal(
    validateActiveLease(`${released}\n${LIVE}\n\n  \n`, "GPU-0", DEFAULTS).workerId,
    "worker-1",
  );
  rejects(`${LIVE}\n${released}\n`, "no active lease for gpu GPU-0");
  // Python's MockBackend writes spaced JSON; it parses the same.
  const spaced = JSON.stringify(JSON.parse(LIVE), null, 1).replace(/\n/g, "");
  assert.equal(validateActiveLease(spaced, "GPU-0", DEFAULTS).memMb, 4096);
});

Deno.test("coh's checks run in order with coh's messages", () => {
  rejects("", "no active lease for gpu GPU-0");
  rejects("\n \n", "no active lease for gpu GPU-0");
  rejects("not json", "invalid lease JSON");
  rejects(lease({ priority: undefined }), "invalid lease JSON");
  rejects(lease({ streams: 256 }), "invalid lease JSON");
  rejects(lease({ mem_mb: "4096" }), "invalid lease JSON");
  rejects(
    lease({ schema: "gpu-lease/v0", state: "RELEASED" }),
    "lease schema mismatch: expected gpu-lease/v1 got gpu-lease/v0",
  );
  rejects(lease({ state: "RELEASED", gpu_id: "GPU-1" }), "no active lease for gpu GPU-0");
  rejects(
    lease({ gpu_id: "GPU-1", streams: 0 }),
    "lease gpu_id mismatch: expected GPU-0 got GPU-1",
  );
  rejects(lease({ streams: 0, ttl_s: 0 }), "lease streams must be >= 1");
  rejects(lease({ ttl_s: 0, mem_mb: 0 }), "lease ttl_s must be >= 1");
  rejects(lease({ mem_mb: 0, worker_id: "" }), "lease mem_mb must be >= 1");
  rejects(lease({ worker_id: "   " }), "lease worker_id must not be empty");
});
