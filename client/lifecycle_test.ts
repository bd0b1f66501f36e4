import assert from "node:assert/strict";
import { MockBackend } from "../backends/mock.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { OperationError, ValidationError } from "../core/errors.ts";
import { FakeBackend } from "../tests/fake_backend.ts";
import { CohesixAudit } from "./audit.ts";
import {
  lifecycleAllowed,
  lifecycleControl,
  type LifecycleState,
  parseLifecycleCommand,
  parseLifecycleState,
} from "./lifecycle.ts";

Deno.test("cohsh's transition table", () => {
  const states: LifecycleState[] = ["BOOTING", "ONLINE", "DEGRADED", "DRAINING", "QUIESCED"];
  const allowedFrom = (command: Parameters<typeof lifecycleAllowed>[0]) =>
    states.filter((state) => lifecycleAllowed(command, state));
  assert.deepEqual(allowedFrom("cordon"), ["ONLINE", "DEGRADED"]);
  assert.deepEqual(allowedFrom("drain"), ["DRAINING"]);
  assert.deepEqual(allowedFrom("resume"), ["BOOTING", "DEGRADED", "DRAINING", "QUIESCED"]);
  assert.deepEqual(allowedFrom("quiesce"), ["ONLINE", "DEGRADED", "DRAINING"]);
  assert.deepEqual(allowedFrom("reset"), ["ONLINE", "DEGRADED", "DRAINING", "QUIESCED"]);
});

Deno.test("state and command parsing", () => {
  assert.equal(parseLifecycleState("x=1\nstate=DRAINING\n"), "DRAINING");
  assert.equal(parseLifecycleState("state=SLEEPING"), undefined);
  assert.throws(() => parseLifecycleCommand("Cordon"), ValidationError);
});

Deno.test("cordon then resume on the Queen model, with coh-style audit lines", async () => {
  await using backend = new MockBackend({ seed: "queen" });
  const audit = new CohesixAudit();
  assert.equal(await lifecycleControl(backend, DEFAULTS, "cordon", { audit }), "ONLINE");
  assert.equal(backend.namespace.lifecycleState, "DRAINING");
  assert.equal(await lifecycleControl(backend, DEFAULTS, "resume", { audit }), "DRAINING");
  assert.equal(backend.namespace.lifecycleState, "ONLINE");
  assert.deepEqual(audit.lines, [
    "OK CAT path=/proc/lifecycle/state",
    "OK ECHO path=/queen/lifecycle/ctl bytes=7",
    "lifecycle cordon requested from state=ONLINE",
    "OK CAT path=/proc/lifecycle/state",
    "OK ECHO path=/queen/lifecycle/ctl bytes=7",
    "lifecycle resume requested from state=DRAINING",
  ]);
});

Deno.test("a denied transition sends nothing and says so as cohsh does", async () => {
  const backend = new FakeBackend();
  backend.put("/proc/lifecycle/state", "state=ONLINE");
  const audit = new CohesixAudit();
  await assert.rejects(
    lifecycleControl(backend, DEFAULTS, "resume", { audit }),
    (error: unknown) =>
      error instanceof OperationError &&
      error.summary === "lifecycle transition denied: state=ONLINE action=resume",
  );
  assert.deepEqual(backend.calls, ["CAT /proc/lifecycle/state"]);
  assert.deepEqual(audit.lines, [
    "OK CAT path=/proc/lifecycle/state",
    "ERR LIFECYCLE action=resume state=ONLINE reason=invalid-transition",
  ]);
});

Deno.test("no state line is an OperationError", async () => {
  const backend = new FakeBackend();
  backend.put("/proc/lifecycle/state", "hello");
  await assert.rejects(lifecycleControl(backend, DEFAULTS, "cordon"), /state not found/);
});
