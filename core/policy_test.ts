import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { fixturePath, readFixture } from "../tests/fixtures.ts";
import { COH_POLICY_SHA256, COHSH_POLICY_SHA256, DEFAULTS, MANIFEST_SHA256 } from "./defaults.ts";
import { PermissionError, PolicyError } from "./errors.ts";
import {
  type CohPolicyOptions,
  loadCohPolicy,
  loadCohshPolicy,
  parseCohPolicy,
  parseCohshPolicy,
} from "./policy.ts";

const COH_TEXT = readFixture("policy/coh_policy.toml");
const COHSH_TEXT = readFixture("policy/cohsh_policy.toml");

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Replaces exactly one occurrence of `from` in the release coh policy. */
function edit(from: string | RegExp, to: string, text = COH_TEXT): string {
  const count = typeof from === "string"
    ? text.split(from).length - 1
    : (text.match(new RegExp(from, "g"))?.length ?? 0);
  assert.equal(count, 1, `expected one match of ${from}`);
  return text.replace(from, to);
}

/** Parses an edited policy, pinned to its own hash so the content rules are what is tested. */
function parseEdited(text: string, options: CohPolicyOptions = {}) {
  return parseCohPolicy(text, { pinnedSha256: sha256(text), ...options });
}

function refuses(text: string, message: string, options: CohPolicyOptions = {}): void {
  assert.throws(() => parseEdited(text, options), (error: unknown) => {
    assert.ok(error instanceof PolicyError, `expected PolicyError, got ${error}`);
    assert.ok(error.message.includes(message), `"${error.message}" lacks "${message}"`);
    return true;
  });
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "coh-policy-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the release coh policy matches its pinned hash and yields the defaults", async () => {
  assert.equal(sha256(COH_TEXT), COH_POLICY_SHA256);
  const loaded = await loadCohPolicy(fixturePath("policy/coh_policy.toml"));
  assert.deepEqual(loaded, DEFAULTS);
  assert.notEqual(loaded, DEFAULTS);
  assert.ok(Object.isFrozen(loaded) && Object.isFrozen(loaded.coh.mount.allowlist));
  assert.ok(Object.isFrozen(loaded.retry) && Object.isFrozen(loaded.coh.peft.import));
  assert.deepEqual(parseCohPolicy(new TextEncoder().encode(COH_TEXT)), DEFAULTS);
});

Deno.test("policy values replace the base's coh.* and retry values, and nothing else", () => {
  let text = edit("max_devices = 32", "max_devices = 16");
  text = edit("timeout_ms = 5000", "timeout_ms = 9000", text);
  text = edit('"/host"\n', '"/host",\n  "/extra"\n', text);
  text = edit('registry_root = "out/model_registry"', 'registry_root = "/srv/registry"', text);
  const base = {
    ...DEFAULTS,
    console: { ...DEFAULTS.console, maxEchoLen: 64 },
  };
  const result = parseEdited(text, { base });
  assert.equal(result.coh.telemetry.maxDevices, 16);
  assert.equal(result.retry.timeoutMs, 9000);
  assert.deepEqual(result.coh.mount.allowlist, [...DEFAULTS.coh.mount.allowlist, "/extra"]);
  assert.equal(result.coh.peft.import.registryRoot, "/srv/registry");
  assert.equal(result.console.maxEchoLen, 64);
  assert.equal(result.cohPolicySha256, sha256(text));
  assert.equal(DEFAULTS.coh.telemetry.maxDevices, 32);
});

Deno.test("a tampered file fails the pinned hash with coh's message", async () => {
  const tampered = edit("max_devices = 32", "max_devices = 33");
  assert.throws(() => parseCohPolicy(tampered), (error: unknown) => {
    assert.ok(error instanceof PolicyError);
    assert.ok(
      error.message.startsWith(
        `coh policy hash mismatch: expected ${COH_POLICY_SHA256} got ${sha256(tampered)}`,
      ),
      error.message,
    );
    return true;
  });
  // A trailing newline is a different file, too.
  assert.throws(() => parseCohPolicy(`${COH_TEXT}\n`), /coh policy hash mismatch/);
  await withTempDir(async (dir) => {
    const path = `${dir}/coh_policy.toml`;
    await Deno.writeTextFile(path, tampered);
    await assert.rejects(loadCohPolicy(path), /coh policy hash mismatch/);
    assert.equal(
      (await loadCohPolicy(path, { pinnedSha256: sha256(tampered) })).coh.telemetry.maxDevices,
      33,
    );
    assert.equal(
      (await loadCohPolicy(path, { pinnedSha256: sha256(tampered).toUpperCase() })).coh.telemetry
        .maxDevices,
      33,
    );
  });
});

Deno.test("the manifest hash must match the base's", () => {
  const other = "a".repeat(64);
  const text = edit(MANIFEST_SHA256, other);
  refuses(text, `coh policy manifest hash mismatch: expected ${MANIFEST_SHA256} got ${other}`);
  const base = { ...DEFAULTS, manifestSha256: other };
  assert.equal(parseEdited(text, { base }).manifestSha256, other);
  assert.throws(
    () => parseCohPolicy(COH_TEXT, { base }),
    /coh policy manifest hash mismatch/,
  );
});

Deno.test("unknown, missing and mistyped entries are refused by name", () => {
  refuses(
    edit("max_bytes = 1024", "max_bytes = 1024\nextra = 1"),
    "unknown key coh.run.lease.extra",
  );
  refuses(edit("[retry]", "[coh.gpu]\nx = 1\n\n[retry]"), "unknown table [coh.gpu]");
  refuses(`top = 1\n${COH_TEXT}`, "unknown key top");
  refuses(edit("max_devices = 32\n", ""), "missing key coh.telemetry.max_devices");
  refuses(edit(/\[coh\.peft\.activate\][^[]*/, ""), "missing table [coh.peft.activate]");
  refuses(
    edit("max_devices = 32", "max_devices = 32\nmax_devices = 32"),
    "duplicate key coh.telemetry.max_devices",
  );
  refuses(edit('root = "/queen/telemetry"', "root = 5"), "coh.telemetry.root must be a string");
  refuses(edit("max_devices = 32", 'max_devices = "32"'), "must be an integer");
  refuses(edit("max_devices = 32", "max_devices = -1"), "must be an integer");
  refuses(
    edit("max_devices = 32", "max_devices = 4294967296"),
    "must be an integer in 0..4294967295",
  );
  refuses(
    edit("max_attempts = 3", "max_attempts = 256"),
    "retry.max_attempts must be an integer in 0..255",
  );
  refuses(edit('"/host"', "5"), "array mixes value types");
  refuses(
    edit(/allowlist = \[[^\]]*\]/, "allowlist = [1, 2]"),
    "coh.mount.allowlist must be an array of strings",
  );
  refuses(edit(/allowlist = \[[^\]]*\]/, 'allowlist = "/proc"'), "must be an array of strings");
  // Parent tables spelled out are fine while empty.
  assert.equal(
    parseEdited(edit("[coh.mount]", "[coh]\n[coh.run]\n[coh.mount]")).coh.mount.root,
    "/",
  );
  refuses(edit("[coh.mount]", "[coh]\nx = 1\n[coh.mount]"), "unknown key coh.x");
});

Deno.test("every numeric bound must be >= 1, with coh's messages", () => {
  const keys: Array<[string, string, string]> = [
    ["coh.telemetry", "max_devices = 32", "coh.telemetry.max_devices must be >= 1"],
    [
      "coh.telemetry",
      "max_segments_per_device = 4",
      "coh.telemetry.max_segments_per_device must be >= 1",
    ],
    [
      "coh.telemetry",
      "max_bytes_per_segment = 32768",
      "coh.telemetry.max_bytes_per_segment must be >= 1",
    ],
    ["coh.run.lease", "max_bytes = 1024", "coh.run.lease.max_bytes must be >= 1"],
    [
      "coh.run.breadcrumb",
      "max_line_bytes = 512",
      "coh.run.breadcrumb.max_line_bytes must be >= 1",
    ],
    [
      "coh.run.breadcrumb",
      "max_command_bytes = 256",
      "coh.run.breadcrumb.max_command_bytes must be >= 1",
    ],
    [
      "coh.peft.export",
      "max_policy_bytes = 8192\nmax_base",
      "coh.peft.export.max_policy_bytes must be >= 1",
    ],
    [
      "coh.peft.export",
      "max_base_model_bytes = 1024",
      "coh.peft.export.max_base_model_bytes must be >= 1",
    ],
    [
      "coh.peft.import",
      "max_adapter_bytes = 67108864",
      "coh.peft.import.max_adapter_bytes must be >= 1",
    ],
    ["coh.peft.import", "max_lora_bytes = 65536", "coh.peft.import.max_lora_bytes must be >= 1"],
    [
      "coh.peft.import",
      "max_metrics_bytes = 65536",
      "coh.peft.import.max_metrics_bytes must be >= 1",
    ],
    [
      "coh.peft.import",
      "max_manifest_bytes = 8192",
      "coh.peft.import.max_manifest_bytes must be >= 1",
    ],
    [
      "coh.peft.activate",
      "max_model_id_bytes = 128",
      "coh.peft.activate.max_model_id_bytes must be >= 1",
    ],
    [
      "coh.peft.activate",
      "max_state_bytes = 4096",
      "coh.peft.activate.max_state_bytes must be >= 1",
    ],
    ["retry", "max_attempts = 3", "coh retry max_attempts must be >= 1"],
    ["retry", "timeout_ms = 5000", "coh retry timeout_ms must be >= 1"],
  ];
  for (const [, line, message] of keys) {
    const zeroed = edit(line, line.replace(/= \d+/, "= 0"));
    refuses(zeroed, message);
    // One above the bound is accepted (where no cross-field rule applies).
    if (!line.startsWith("max_command_bytes") && !line.startsWith("max_line_bytes")) {
      assert.doesNotThrow(() => parseEdited(edit(line, line.replace(/= \d+/, "= 1"))), line);
    }
  }
  // backoff_ms 0 trips the >= 1 rule before the ceiling rule.
  refuses(edit("backoff_ms = 200", "backoff_ms = 0"), "coh retry backoff_ms must be >= 1");
  // max_total_bytes_per_device 0 is refused (directly or through the export cap).
  refuses(
    edit("max_total_bytes_per_device = 131072", "max_total_bytes_per_device = 0"),
    "coh.telemetry.max_total_bytes_per_device must be >= 1",
  );
  refuses(
    edit("max_telemetry_bytes = 131072", "max_telemetry_bytes = 0"),
    "coh.peft.export.max_telemetry_bytes must be >= 1",
  );
});

Deno.test("cross-field rules: command ≤ line, export ≤ device total, ceiling ≥ backoff", () => {
  refuses(
    edit("max_command_bytes = 256", "max_command_bytes = 513"),
    "coh.run.breadcrumb.max_command_bytes 513 exceeds max_line_bytes 512",
  );
  assert.equal(
    parseEdited(edit("max_command_bytes = 256", "max_command_bytes = 512")).coh.run.breadcrumb
      .maxCommandBytes,
    512,
  );
  refuses(
    edit("max_telemetry_bytes = 131072", "max_telemetry_bytes = 131073"),
    "coh.peft.export.max_telemetry_bytes 131073 exceeds coh.telemetry.max_total_bytes_per_device 131072",
  );
  refuses(
    edit("ceiling_ms = 2000", "ceiling_ms = 199"),
    "coh retry ceiling_ms 199 must be >= backoff_ms 200",
  );
  assert.equal(parseEdited(edit("ceiling_ms = 2000", "ceiling_ms = 200")).retry.ceilingMs, 200);
});

Deno.test("path rules: absolute, not '/', ≤ 8 components, no '.', '..' or NUL", () => {
  const telemetry = 'root = "/queen/telemetry"';
  const withTelemetryRoot = (root: string) => edit(telemetry, `root = "${root}"`);
  refuses(withTelemetryRoot("/"), "coh.telemetry.root must not be '/'");
  refuses(withTelemetryRoot("queen/telemetry"), "coh.telemetry.root must be absolute");
  refuses(withTelemetryRoot("/queen/../etc"), "coh.telemetry.root contains invalid component '..'");
  refuses(withTelemetryRoot("/queen/./t"), "coh.telemetry.root contains invalid component '.'");
  refuses(withTelemetryRoot("/queen/t\\u0000x"), "coh.telemetry.root contains NUL byte");
  refuses(withTelemetryRoot("/1/2/3/4/5/6/7/8/9"), "coh.telemetry.root exceeds max depth 8");
  assert.equal(
    parseEdited(withTelemetryRoot("/1/2/3/4/5/6/7/8")).coh.telemetry.root,
    "/1/2/3/4/5/6/7/8",
  );
  refuses(
    edit('root = "/queen/export/lora_jobs"', 'root = "/"'),
    "coh.peft.export.root must not be '/'",
  );
  refuses(
    edit(/allowlist = \[[^\]]*\]/, "allowlist = []"),
    "coh.mount.allowlist must not be empty",
  );
  refuses(edit('"/host"', '"host"'), "coh.mount.allowlist must be absolute");
  refuses(edit('"/host"', '"/"'), "coh.mount.allowlist must not be '/'");
  refuses(edit('root = "/"\n', 'root = "mnt"\n'), "coh.mount.root must be absolute");
  const registry = 'registry_root = "out/model_registry"';
  refuses(
    edit(registry, 'registry_root = "  "'),
    "coh.peft.import.registry_root must not be empty",
  );
  refuses(
    edit(registry, 'registry_root = "../x"'),
    "coh.peft.import.registry_root contains invalid component '..'",
  );
  refuses(
    edit(registry, 'registry_root = "a/b/c/d/e/f/g/h/i"'),
    "coh.peft.import.registry_root exceeds max depth 8",
  );
  refuses(
    edit('schema = "gpu-lease/v1"', 'schema = " "'),
    "coh.run.lease.schema must not be empty",
  );
  refuses(
    edit('active_state = "ACTIVE"', 'active_state = ""'),
    "coh.run.lease.active_state must not be empty",
  );
  refuses(
    edit('schema = "gpu-breadcrumb/v1"', 'schema = ""'),
    "coh.run.breadcrumb.schema must not be empty",
  );
});

Deno.test("the walk depth comes from the base defaults", () => {
  const base = { ...DEFAULTS, secure9p: { ...DEFAULTS.secure9p, walkDepth: 1 } };
  refuses(COH_TEXT, "coh.telemetry.root exceeds max depth 1", { base });
});

Deno.test("loadCohPolicy: missing file, directory, oversized file, bad UTF-8", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(loadCohPolicy(`${dir}/absent.toml`), (error: unknown) => {
      assert.ok(error instanceof PolicyError);
      assert.ok(error.message.startsWith(`coh policy ${dir}/absent.toml not found`), error.message);
      assert.ok(error.hint !== undefined);
      return true;
    });
    await assert.rejects(loadCohPolicy(dir), PolicyError);
    const big = `${dir}/big.toml`;
    await Deno.writeTextFile(big, `${COH_TEXT}${"#".repeat(20000)}\n`);
    await assert.rejects(loadCohPolicy(big), /exceeds 16384 bytes/);
    const small = `${dir}/small.toml`;
    await Deno.writeTextFile(small, COH_TEXT);
    await assert.rejects(loadCohPolicy(small, { maxBytes: 1066 }), /exceeds 1066 bytes/);
    assert.deepEqual(await loadCohPolicy(small, { maxBytes: 1067 }), DEFAULTS);
    const latin = new Uint8Array([...new TextEncoder().encode(COH_TEXT), 0x23, 0xe9, 0x0a]);
    await Deno.writeFile(`${dir}/latin.toml`, latin);
    await assert.rejects(
      loadCohPolicy(`${dir}/latin.toml`, { pinnedSha256: sha256(latin) }),
      /invalid UTF-8 in coh policy/,
    );
  });
});

Deno.test({
  name: "loadCohPolicy: a missing read permission names the flag to add",
  permissions: { read: false },
  fn: async () => {
    const path = "/nonexistent-dir/coh_policy.toml";
    await assert.rejects(loadCohPolicy(path), (error: unknown) => {
      assert.ok(error instanceof PermissionError, `expected PermissionError, got ${error}`);
      assert.equal(error.flag, `--allow-read=${path}`);
      assert.ok(error.message.includes(`--allow-read=${path}`));
      return true;
    });
  },
});

Deno.test("the release cohsh policy loads with cohsh's values", async () => {
  assert.equal(sha256(COHSH_TEXT), COHSH_POLICY_SHA256);
  const policy = await loadCohshPolicy(fixturePath("policy/cohsh_policy.toml"));
  assert.deepEqual(policy, {
    manifestSha256: MANIFEST_SHA256,
    pool: { controlSessions: 2, telemetrySessions: 4 },
    tail: { pollMsDefault: 1000, pollMsMin: 250, pollMsMax: 10000 },
    hostTelemetry: { nvidiaPollMs: 1000, systemdPollMs: 2000, dockerPollMs: 2000, k8sPollMs: 5000 },
    retry: DEFAULTS.retry,
    heartbeatIntervalMs: DEFAULTS.heartbeatIntervalMs,
    traceMaxBytes: 1048576,
  });
  assert.ok(Object.isFrozen(policy.tail));
});

Deno.test("cohsh policy: pinned hash, strict keys and cohsh's rules", () => {
  const cohsh = (from: string, to: string) => edit(from, to, COHSH_TEXT);
  const parse = (text: string) => parseCohshPolicy(text, { pinnedSha256: sha256(text) });
  const tampered = cohsh("interval_ms = 15000", "interval_ms = 15001");
  assert.throws(() => parseCohshPolicy(tampered), (error: unknown) => {
    assert.ok(error instanceof PolicyError);
    assert.ok(error.message.startsWith(
      `cohsh policy hash mismatch: expected ${COHSH_POLICY_SHA256} got ${sha256(tampered)}`,
    ));
    return true;
  });
  assert.equal(parse(tampered).heartbeatIntervalMs, 15001);
  assert.throws(
    () => parseCohPolicy(COHSH_TEXT, { pinnedSha256: COHSH_POLICY_SHA256 }),
    /missing table \[coh\.mount\]|unknown table/,
  );
  assert.throws(
    () => parse(cohsh("max_bytes = 1048576", "max_bytes = 0")),
    /cohsh trace max_bytes must be > 0/,
  );
  assert.throws(
    () => parse(cohsh("interval_ms = 15000", "interval_ms = 0")),
    /cohsh heartbeat interval_ms must be >= 1/,
  );
  assert.throws(
    () => parse(cohsh("control_sessions = 2", "control_sessions = 0")),
    /cohsh pool control_sessions must be >= 1/,
  );
  assert.throws(
    () => parse(cohsh("ceiling_ms = 2000", "ceiling_ms = 100")),
    /cohsh retry ceiling_ms 100 must be >= backoff_ms 200/,
  );
  assert.throws(
    () => parse(cohsh("poll_ms_default = 1000", "poll_ms_default = 100")),
    /poll_ms_default 100 must be within/,
  );
  assert.throws(
    () => parse(cohsh("k8s_poll_ms = 5000", "k8s_poll_ms = 0")),
    /cohsh host_telemetry k8s_poll_ms must be >= 1/,
  );
  assert.throws(() => parse(cohsh("[trace]", "[trace]\nlevel = 1")), /unknown key trace.level/);
});
