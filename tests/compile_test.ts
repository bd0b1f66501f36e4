/**
 * `compile.sh`, offline: the bundles are written and run in `--mock` with the documented task
 * flags; without a denort (and with a full deno as DENORT_BIN, or one for another platform) it
 * refuses with a message saying what to provide; with a stand-in denort (any executable of this
 * platform: deno compile only appends the program to it) the module graph compiles and the
 * least permissions are baked into each executable's metadata.
 */

import assert from "node:assert/strict";
import {
  ackLines,
  peftExpectedAcks,
  type ProcessResult,
  publishAckFor,
  readAudit,
  REPO_DIR,
  runProcess,
  runTask,
  specMockAudit,
  tempCwd,
} from "./examples_harness.ts";

const BINARIES = [
  "cohesix",
  "cohesix-lease-run",
  "cohesix-peft-roundtrip",
  "cohesix-telemetry-write-pull",
];
/** The subcommand modules the CLI loads lazily; each must be inside the bundle and the binary. */
const CLI_COMMANDS = ["gpu", "gpu_publish", "run", "telemetry", "peft", "doctor", "ticket"];

/** Runs compile.sh with `args`; DENORT_BIN, DENO_DIR and COHESIX_OFFLINE only as given. */
async function compile(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  return await runProcess("bash", [`${REPO_DIR}/compile.sh`, ...args], {
    env: { NO_COLOR: "1", DENORT_BIN: "", COHESIX_OFFLINE: "", ...env },
  });
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempCwd();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The permission lists deno compile stored in an executable's metadata. */
function bakedPermissions(path: string): Record<string, unknown> {
  const text = new TextDecoder("latin1").decode(Deno.readFileSync(path));
  const baked: Record<string, unknown> = {};
  for (const kind of ["allow_read", "allow_write", "allow_net", "allow_env", "allow_run"]) {
    const match = new RegExp(`"${kind}":(null|\\[[^\\]]*\\])`).exec(text);
    baked[kind] = match ? JSON.parse(match[1] ?? "null") : undefined;
  }
  return baked;
}

Deno.test("bundles: written by compile.sh and run in --mock with the task flags", async () => {
  await withTemp(async (dir) => {
    const dist = `${dir}/dist`;
    const result = await compile(["--bundle-only", "--dist", dist]);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ["lease_run", "peft_roundtrip", "telemetry_write_pull"]) {
      assert.ok(exists(`${dist}/${name}.js`), `${name}.js missing`);
      assert.match(result.stdout, new RegExp(`deno run .* ${dist}/${name}\\.js`));
    }
    assert.ok(!BINARIES.some((binary) => exists(`${dist}/${binary}`)));

    const cwd = `${dir}/run`;
    await Deno.mkdir(cwd);
    const [lease, peft, telemetry] = await Promise.all([
      runTask("demo:lease", { cwd, script: `${dist}/lease_run.js` }),
      runTask("demo:peft", { cwd, script: `${dist}/peft_roundtrip.js` }),
      runTask("demo:telemetry", { cwd, script: `${dist}/telemetry_write_pull.js` }),
    ]);
    for (const run of [lease, peft, telemetry]) assert.equal(run?.code, 0, run?.stderr);

    // The CLI bundle holds every lazily loaded subcommand and runs with the printed flags. It
    // is code-split: the entry holds the dispatcher only, so a one-shot command never parses
    // the browser UI (or any other subcommand it does not run).
    const cliBundle = `${dist}/cohesix-bundle`;
    assert.ok(exists(`${cliBundle}/main.js`), "cohesix-bundle/main.js missing");
    assert.match(
      result.stdout,
      new RegExp(
        `bundle  ${cliBundle}/main\\.js   run: deno run --allow-net=127\\.0\\.0\\.1:31337 ` +
          "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN ",
      ),
    );
    const chunks = [...Deno.readDirSync(cliBundle)].map((entry) => entry.name);
    const holding = (text: string) =>
      chunks.filter((name) => Deno.readTextFileSync(`${cliBundle}/${name}`).includes(text));
    const uiChunks = holding("default-src 'none'");
    assert.equal(uiChunks.length, 1, "the UI's code is in one chunk");
    assert.notEqual(uiChunks[0], "main.js", "the UI is not in the entry");
    for (const name of CLI_COMMANDS) {
      const source = Deno.readTextFileSync(`${REPO_DIR}/cli/commands/${name}.ts`);
      const help = /HELP =\s*`([^`\n]+)/.exec(source)?.[1] ?? `no help text in ${name}.ts`;
      assert.equal(holding(help).length, 1, `cli/commands/${name}.ts is not in the bundle`);
    }
    const cli = (args: string[]) =>
      runProcess(Deno.execPath(), ["run", "--quiet", `${cliBundle}/main.js`, ...args], {
        cwd,
        env: { NO_COLOR: "1" },
      });
    const gpus = await cli(["--mock", "--json", "gpu", "list"]);
    assert.equal(gpus.code, 0, gpus.stderr);
    assert.equal(JSON.parse(gpus.stdout).gpus.length, 2);
    const doctor = await cli(["--mock", "doctor"]);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    const ls = await cli(["ls", "/", "--mock"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^gpu$/m);
    const ticket = await cli(["ticket", "mint", "--role", "queen", "--secret", "s"]);
    assert.match(ticket.stdout, /^cohesix-ticket-010000[0-9a-f]+\.[0-9a-f]{64}\n$/);
    assert.deepEqual(readAudit(cwd, "lease_run"), specMockAudit("lease_run"));
    // The mock run publishes its registry after the imports.
    const publishAck = await publishAckFor(`${cwd}/out/examples/peft_roundtrip/registry`);
    assert.deepEqual(ackLines(readAudit(cwd, "peft_roundtrip")), peftExpectedAcks({ publishAck }));
    assert.equal(
      readAudit(cwd, "telemetry_write_pull")[0],
      "OK ECHO path=/queen/telemetry/device-1/ctl bytes=38",
    );
  });
});

Deno.test("no denort and offline: exit 3 naming DENORT_BIN and the cached zip's path", async () => {
  await withTemp(async (dir) => {
    const denoDir = `${dir}/deno-dir`;
    const result = await compile(["--no-bundle", "--offline", "--dist", `${dir}/dist`], {
      DENO_DIR: denoDir,
    });
    assert.equal(result.code, 3, result.stderr);
    const zip = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
    assert.ok(result.stderr.includes(zip), result.stderr);
    assert.match(result.stderr, /DENORT_BIN=\/path\/to\/denort/);
    assert.ok(!BINARIES.some((binary) => exists(`${dir}/dist/${binary}`)));
  });
});

Deno.test("a full deno as DENORT_BIN is refused before anything is built", async () => {
  await withTemp(async (dir) => {
    const result = await compile(["--dist", `${dir}/dist`], { DENORT_BIN: Deno.execPath() });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /is a full deno binary, not denort/);
    assert.ok(!exists(`${dir}/dist/lease_run.js`), "nothing is written");
  });
});

Deno.test("command line: an unknown option or target is a usage error", async () => {
  const [option, target] = await Promise.all([
    compile(["--bogus"]),
    compile(["--target", "riscv64-unknown-linux-gnu"]),
  ]);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /unknown option '--bogus'/);
  assert.equal(target.code, 2);
  assert.match(target.stderr, /unsupported target 'riscv64-unknown-linux-gnu'/);
});

Deno.test({
  name: "with a denort of this platform the module graph compiles with least permissions baked",
  // The stand-in denort is this platform's `true`; deno compile just appends the program to it.
  ignore: Deno.build.os !== "linux" || !exists("/bin/true"),
  fn: async () => {
    await withTemp(async (dir) => {
      const fake = `${dir}/denort`;
      await Deno.copyFile("/bin/true", fake);
      const dist = `${dir}/dist`;
      const result = await compile(
        ["--no-bundle", "--dist", dist, "--net", "127.0.0.1:4000", "--fs-root", "mnt/coh"],
        { DENORT_BIN: fake },
      );
      assert.equal(result.code, 0, result.stderr);
      // The CLI: the console and its token variables, nothing else unless asked for.
      assert.deepEqual(bakedPermissions(`${dist}/cohesix`), {
        allow_read: null,
        allow_write: null,
        allow_net: ["127.0.0.1:4000"],
        allow_env: ["COH_AUTH_TOKEN", "COHSH_AUTH_TOKEN"],
        allow_run: null,
      });
      const binary = new TextDecoder("latin1").decode(Deno.readFileSync(`${dist}/cohesix`));
      // Each subcommand module's own help text (found nowhere else) shows it is embedded.
      for (const name of CLI_COMMANDS) {
        const source = Deno.readTextFileSync(`${REPO_DIR}/cli/commands/${name}.ts`);
        const help = /HELP =\s*`([^`\n]+)/.exec(source)?.[1];
        assert.ok(help, `no help text in cli/commands/${name}.ts`);
        assert.ok(binary.includes(help), `cli/commands/${name}.ts is not in the binary`);
      }
      const chosen = await compile([
        "--no-bundle",
        "--dist",
        `${dir}/chosen`,
        "--cli-net",
        "10.0.0.5:31337,127.0.0.1:31337",
        "--cli-data",
        "out/cohesix,mnt/coh",
        "--cli-run",
        "nvidia-smi",
      ], { DENORT_BIN: fake });
      assert.equal(chosen.code, 0, chosen.stderr);
      assert.deepEqual(bakedPermissions(`${dir}/chosen/cohesix`), {
        allow_read: ["out/cohesix", "mnt/coh"],
        allow_write: ["out/cohesix", "mnt/coh"],
        allow_net: ["10.0.0.5:31337", "127.0.0.1:31337"],
        allow_env: ["COH_AUTH_TOKEN", "COHSH_AUTH_TOKEN"],
        allow_run: ["nvidia-smi"],
      });

      const rw = ["out/examples", "mnt/coh"];
      const common = {
        allow_read: rw,
        allow_write: rw,
        allow_net: ["127.0.0.1:4000"],
        allow_env: ["COH_AUTH_TOKEN", "COHSH_AUTH_TOKEN"],
      };
      assert.deepEqual(bakedPermissions(`${dist}/cohesix-lease-run`), {
        ...common,
        allow_run: ["echo"],
      });
      for (const binary of ["cohesix-peft-roundtrip", "cohesix-telemetry-write-pull"]) {
        assert.deepEqual(bakedPermissions(`${dist}/${binary}`), { ...common, allow_run: null });
      }

      // The same stand-in cannot serve another platform.
      const cross = await compile([
        "--no-bundle",
        "--dist",
        dist,
        "--target",
        "x86_64-pc-windows-msvc",
      ], {
        DENORT_BIN: fake,
      });
      assert.equal(cross.code, 3);
      assert.match(cross.stderr, /target x86_64-pc-windows-msvc needs PE/);
    });
  },
});
