/**
 * The three examples as a user runs them: subprocesses with exactly the permissions of their
 * documented tasks (examples/TASKS.md), in a temporary working directory. Mock runs are checked
 * line by line against the mock audits of OPERATIONS.md §7.3 and the golden transcripts; TCP runs
 * go to the in-repo console server on a free port; fs runs use a temporary namespace folder.
 */

import assert from "node:assert/strict";
import { QueenNamespace } from "../queen/queen_namespace.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { RawConsoleClient } from "./raw_console_client.ts";
import {
  ackLines,
  peftExpectedAcks,
  type ProcessResult,
  publishAckFor,
  readAudit,
  runTask,
  specMockAudit,
  tempCwd,
} from "./examples_harness.ts";

// Random-looking, as real tokens are: output shares no 8-character piece with it, so none is masked.
const TOKEN = "tok-Rw4Jm9Qz2Lx7Vb";

/** The record of the default payload (OPERATIONS.md §4.6): 124 bytes with its newline. */
const RECORD_124 =
  '{"schema":"cohsh-telemetry-push/v1","seq":1,"mime":"text/plain","payload":"telemetry demo line 1\\ntelemetry demo line 2\\n"}';

async function withCwd(fn: (cwd: string) => Promise<void>): Promise<void> {
  const cwd = tempCwd();
  try {
    await fn(cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

/** An expected failure: exit 1, at most two lines on stderr, no stack trace. */
function assertCleanFailure(result: ProcessResult): string {
  assert.equal(result.code, 1, `expected exit 1\n${result.stdout}\n${result.stderr}`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.ok(
    lines.length >= 1 && lines.length <= 2,
    `stderr has ${lines.length} lines:\n${result.stderr}`,
  );
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
  return result.stderr;
}

function assertOk(result: ProcessResult): void {
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
}

function readText(path: string): string {
  return Deno.readTextFileSync(path);
}

function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The GPUs of a demo namespace, as Python's gpu_list.json holds them. */
function demoGpuListJson(): string {
  const ns = new QueenNamespace({ seed: "demo" });
  const gpus = ns.ls("/gpu").filter((entry) => !["bridge", "models", "telemetry"].includes(entry));
  const infos = gpus.map((id) =>
    sortedKeys(JSON.parse(ns.cat(`/gpu/${id}/info`).lines.join("\n")) as Record<string, unknown>)
  );
  return JSON.stringify(infos, null, 2);
}

async function assertPeftAudit(
  cwd: string,
  options: { publish: boolean; exported?: boolean },
): Promise<void> {
  const lines = readAudit(cwd, "peft_roundtrip");
  const publishAck = options.publish
    ? await publishAckFor(`${cwd}/out/examples/peft_roundtrip/registry`)
    : undefined;
  assert.deepEqual(
    ackLines(lines),
    peftExpectedAcks({
      ...(publishAck === undefined ? {} : { publishAck }),
      ...(options.exported === undefined ? {} : { exported: options.exported }),
    }),
  );
  const human = lines.filter((line) => !line.startsWith("OK "));
  assert.equal(human.length, 5, human.join("\n"));
  assert.match(human[0] ?? "", /^peft import model=llama3-edge-v7 /);
  assert.match(human[1] ?? "", /^peft import model=llama3-edge-v6 /);
  assert.deepEqual(human.slice(2), [
    "peft activated model=llama3-edge-v6",
    "peft activated model=llama3-edge-v7",
    "peft rollback from=llama3-edge-v7 to=llama3-edge-v6",
  ]);
}

Deno.test("lease_run --mock: audit.txt, gpu_list.json and lease.json as the Python example", async () => {
  await withCwd(async (cwd) => {
    const result = await runTask("demo:lease", { cwd });
    assertOk(result);
    assert.deepEqual(readAudit(cwd, "lease_run"), specMockAudit("lease_run"));
    const dir = `${cwd}/out/examples/lease_run`;
    const gpuList = readText(`${dir}/gpu_list.json`);
    assert.equal(gpuList, demoGpuListJson());
    assert.ok(!gpuList.endsWith("\n"));
    const lease = readText(`${dir}/lease.json`);
    assert.ok(lease.endsWith("}\n") && lease.indexOf("\n") === lease.length - 1);
    assert.deepEqual(JSON.parse(lease), {
      schema: "gpu-lease/v1",
      state: "ACTIVE",
      gpu_id: "GPU-0",
      worker_id: "worker-1",
      mem_mb: 4096,
      streams: 1,
      ttl_s: 120,
      priority: 1,
    });
    // The child's output comes first, then the transcript, as coh prints it.
    assert.match(result.stdout, /^ok\nOK LS path=\/gpu\n/);
  });
});

Deno.test("lease_run --mock: an unknown GPU fails cleanly and keeps the partial audit", async () => {
  await withCwd(async (cwd) => {
    const result = await runTask("demo:lease", { cwd, extraArgs: ["--gpu", "GPU-9"] });
    const stderr = assertCleanFailure(result);
    assert.match(stderr, /^lease_run: /);
    const audit = readAudit(cwd, "lease_run");
    assert.deepEqual(audit.slice(0, 5), specMockAudit("lease_run").slice(0, 5));
    assert.ok(!audit.some((line) => line.startsWith("lease requested")));
  });
});

Deno.test("peft_roundtrip --mock: audit, registry and a re-run", async () => {
  await withCwd(async (cwd) => {
    for (let run = 1; run <= 2; run++) {
      const result = await runTask("demo:peft", { cwd });
      assertOk(result);
      // The mock run publishes too, after the imports.
      await assertPeftAudit(cwd, { publish: true });
    }
    const dir = `${cwd}/out/examples/peft_roundtrip`;
    assert.equal(readText(`${dir}/adapter/adapter.safetensors`), "adapter-bytes");
    assert.equal(readText(`${dir}/adapter/lora.json`), '{"rank":8}');
    assert.equal(readText(`${dir}/adapter/metrics.json`), '{"loss":0.02}');
    assert.equal(readText(`${dir}/export/job_8932/base_model.ref`).trim(), "vision-base-v1");
    assert.equal(readText(`${dir}/registry/active`), "llama3-edge-v6\n");
    assert.equal(
      readText(`${dir}/registry/active_state.toml`),
      'current = "llama3-edge-v6"\nprevious = "llama3-edge-v7"\n',
    );
    for (const model of ["llama3-edge-v7", "llama3-edge-v6"]) {
      const manifest = readText(`${dir}/registry/available/${model}/manifest.toml`);
      assert.match(
        manifest,
        new RegExp(`^\\[model\\]\nid = "${model}"\nbase = "vision-base-v1"\n`),
      );
      assert.match(manifest, /\nadapter_bytes = 13\n/);
    }
  });
});

/** The telemetry audit of a push of the default payload to a device whose new segment is `seg`. */
function telemetryPushLines(seg: string): string[] {
  return [
    "OK ECHO path=/queen/telemetry/device-1/ctl bytes=38",
    `OK ECHO path=/queen/telemetry/device-1/seg/${seg} bytes=124`,
    `telemetry push device=device-1 seg_id=${seg} records=1 bytes=124`,
  ];
}

function telemetryPullLines(segments: readonly [string, number][]): string[] {
  const lines = ["OK LS path=/queen/telemetry", "OK LS path=/queen/telemetry/device-1/seg"];
  for (const [seg, bytes] of segments) {
    lines.push(`OK CAT path=/queen/telemetry/device-1/seg/${seg}`);
    lines.push(`telemetry device=device-1 segment=${seg} bytes=${bytes} saved=device-1/seg/${seg}`);
  }
  return lines;
}

Deno.test("telemetry_write_pull --mock: push to a new segment, pull every segment", async () => {
  await withCwd(async (cwd) => {
    assertOk(await runTask("demo:telemetry", { cwd }));
    assert.deepEqual(readAudit(cwd, "telemetry_write_pull"), [
      ...telemetryPushLines("seg-000002"),
      // The demo seed's seg-000001 holds `{"seq":1}`; pulls carry no trailing newline (§1.4).
      ...telemetryPullLines([["seg-000001", 9], ["seg-000002", RECORD_124.length]]),
    ]);
    const pull = `${cwd}/out/examples/telemetry_write_pull/pull/device-1/seg`;
    assert.equal(readText(`${pull}/seg-000002`), RECORD_124);
    assert.equal(readText(`${pull}/seg-000001`), '{"seq":1}');
  });
});

Deno.test("telemetry_write_pull on a persisted mock: works when the device holds 4 segments", async () => {
  await withCwd(async (cwd) => {
    const args = ["--mock-root", "out/examples/mockfs", "--payload", "p"];
    for (let run = 1; run <= 4; run++) {
      assertOk(await runTask("demo:telemetry", { cwd, extraArgs: args }));
    }
    // Before run 4 the device held seg-000001..4; the Queen evicted seg-000001 for seg-000005.
    const audit = readAudit(cwd, "telemetry_write_pull");
    assert.equal(audit[1], "OK ECHO path=/queen/telemetry/device-1/seg/seg-000005 bytes=79");
    const pulled = audit.filter((line) => line.startsWith("OK CAT ")).map((line) =>
      line.slice(-10)
    );
    assert.deepEqual(pulled, ["seg-000002", "seg-000003", "seg-000004", "seg-000005"]);
  });
});

Deno.test("examples over TCP against the in-repo console server", async (t) => {
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
  const env = { COH_AUTH_TOKEN: TOKEN };

  await t.step("lease_run: /gpu lists bridge; same acks as the mock; worker released", async () => {
    await withCwd(async (cwd) => {
      assertOk(await runTask("lease:tcp", { cwd, port: server.port, env }));
      const audit = readAudit(cwd, "lease_run");
      assert.deepEqual(ackLines(audit), ackLines(specMockAudit("lease_run")));
      assert.equal(audit.at(-1), "kill requested worker_id=worker-1");
      assert.deepEqual(server.namespace.ls("/worker"), []);
      const status = server.namespace.cat("/gpu/GPU-0/status").lines;
      assert.match(status.at(-1) ?? "", /"event":"EXIT","command":"echo ok","status":"OK"/);
    });
  });

  await t.step("telemetry_write_pull: a device already holding 4 segments", async () => {
    for (let i = 0; i < 4; i++) {
      server.namespace.echo(
        "/queen/telemetry/device-1/ctl",
        '{"new":"segment","mime":"text/plain"}',
      );
    }
    assert.equal(server.namespace.ls("/queen/telemetry/device-1/seg").length, 4);
    await withCwd(async (cwd) => {
      assertOk(await runTask("telemetry:tcp", { cwd, port: server.port, env }));
      const audit = readAudit(cwd, "telemetry_write_pull");
      assert.deepEqual(audit.slice(0, 3), telemetryPushLines("seg-000005"));
      assert.deepEqual(
        audit.slice(3),
        telemetryPullLines([
          ["seg-000002", 0],
          ["seg-000003", 0],
          ["seg-000004", 0],
          ["seg-000005", RECORD_124.length],
        ]),
      );
    });
  });

  await t.step("peft_roundtrip: no /queen/export → says so and how to get the export", async () => {
    await withCwd(async (cwd) => {
      const stderr = assertCleanFailure(await runTask("peft:tcp", { cwd, port: server.port, env }));
      assert.match(stderr, /has no \/queen\/export\/lora_jobs/);
      assert.match(
        stderr,
        /coh peft export --mock --job job_8932 --out out\/examples\/peft_roundtrip\/export/,
      );
    });
  });

  await t.step("a wrong token: clean failure naming the variables, token not shown", async () => {
    await withCwd(async (cwd) => {
      const secret = "wrong-token-42";
      const result = await runTask("lease:tcp", {
        cwd,
        port: server.port,
        env: { COH_AUTH_TOKEN: secret },
        extraArgs: ["--max-retries", "1"],
      });
      const stderr = assertCleanFailure(result);
      assert.match(stderr, /COH_AUTH_TOKEN/);
      assert.ok(!stderr.includes(secret) && !result.stdout.includes(secret));
    });
  });

  // Last: the publish replaces /gpu (the lease_run step's lease is wiped).
  await t.step(
    "peft_roundtrip --publish --export-root: the whole loop on a live-like Queen",
    async () => {
      await withCwd(async (cwd) => {
        writeCohMockExport(`${cwd}/out/examples/peft_export`, "job_0001");
        assertOk(await runTask("peft:publish", { cwd, port: server.port, env }));
        await assertPeftAudit(cwd, { publish: true, exported: false });
        const ack = readAudit(cwd, "peft_roundtrip").find((l) => l.includes("/gpu/bridge/ctl"));
        const status = server.namespace.cat("/gpu/bridge/status").lines;
        assert.deepEqual(status, [ack!.replace("OK ECHO path=/gpu/bridge/ctl ", "state=ok ")]);
        assert.deepEqual(server.namespace.ls("/gpu/models/available"), [
          "llama3-edge-v6",
          "llama3-edge-v7",
        ]);
        // Reset to the published active, then activate ×2 and the rollback.
        assert.deepEqual(server.namespace.cat("/gpu/models/active").lines, [
          "llama3-edge-v6",
          "llama3-edge-v6",
          "llama3-edge-v7",
          "llama3-edge-v6",
        ]);
        const manifest = readText(
          `${cwd}/out/examples/peft_roundtrip/registry/available/llama3-edge-v7/manifest.toml`,
        );
        assert.match(manifest, /\njob_id = "job_0001"\n/);
      });
    },
  );
});

Deno.test("peft_roundtrip --export-root with several jobs asks for --job-id", async () => {
  await withCwd(async (cwd) => {
    writeCohMockExport(`${cwd}/out/examples/peft_export`, "job_a");
    writeCohMockExport(`${cwd}/out/examples/peft_export`, "job_b");
    const result = await runTask("peft:publish", { cwd, port: 9, env: { COH_AUTH_TOKEN: TOKEN } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /holds 2 jobs \(job_a, job_b\); name one with --job-id/);
  });
});

/** An export as `coh peft export --mock --job <job> --out <root>` writes it (literal `\n`s). */
function writeCohMockExport(root: string, job: string): void {
  Deno.mkdirSync(`${root}/${job}`, { recursive: true });
  Deno.writeTextFileSync(`${root}/${job}/telemetry.cbor`, "telemetry-v1\\n");
  Deno.writeTextFileSync(`${root}/${job}/base_model.ref`, "vision-base-v1\\n");
  Deno.writeTextFileSync(`${root}/${job}/policy.toml`, '[policy]\\nname = "default"\\n');
}

Deno.test("a busy console (reset at once, as the live Queen does): clean failure", async () => {
  // The in-repo server resets a second client with a real RST while another one holds it.
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN });
  await using holder = await RawConsoleClient.authed(server.hostname, server.port, TOKEN);
  await withCwd(async (cwd) => {
    const result = await runTask("lease:tcp", {
      cwd,
      port: server.port,
      env: { COH_AUTH_TOKEN: TOKEN },
      extraArgs: ["--max-retries", "1"],
    });
    assert.match(assertCleanFailure(result), /one console client at a time/);
  });
  // The client holding the console is unaffected.
  await holder.send("PING");
  assert.deepEqual(await holder.texts(2), ["OK PING reply=pong", "PONG"]);
});

Deno.test("examples against a faulty Queen: clean failures that say what to do", async (t) => {
  await t.step("a Queen that stops answering: timeout, exit 1", async () => {
    await using server = await ConsoleServer.start({
      port: 0,
      token: TOKEN,
      seed: "queen",
      faults: [{ kind: "stall", verb: "ECHO", times: Infinity }],
    });
    await withCwd(async (cwd) => {
      const result = await runTask("telemetry:tcp", {
        cwd,
        port: server.port,
        env: { COH_AUTH_TOKEN: TOKEN },
        extraArgs: ["--timeout-s", "0.3", "--max-retries", "1"],
      });
      const stderr = assertCleanFailure(result);
      assert.match(stderr, /within 300 ms/);
      assert.match(stderr, /may or may not have been applied|responsive/);
    });
  });
  await t.step("a Queen that drips every reply: --deadline-s ends the run, exit 1", async () => {
    await using server = await ConsoleServer.start({
      port: 0,
      token: TOKEN,
      seed: "queen",
      faults: [{ kind: "delay", ms: 400, verb: "ECHO", times: Infinity }],
    });
    await withCwd(async (cwd) => {
      const result = await runTask("telemetry:tcp", {
        cwd,
        port: server.port,
        env: { COH_AUTH_TOKEN: TOKEN },
        extraArgs: ["--timeout-s", "1", "--deadline-s", "0.6"],
      });
      const stderr = assertCleanFailure(result);
      assert.match(
        stderr,
        /telemetry (push|pull): deadline of [\d.]+ s passed while (reading|listing|appending to) \/queen\/telemetry\/device-1\//,
      );
      assert.match(stderr, /raise the deadline \(deadlineMs, --deadline-s\)/);
    });
  });
  await t.step("a Queen that sends a malformed frame: protocol error, exit 1", async () => {
    await using server = await ConsoleServer.start({
      port: 0,
      token: TOKEN,
      seed: "queen",
      faults: [{ kind: "bad-length", length: 9000, verb: "LS" }],
    });
    await withCwd(async (cwd) => {
      const result = await runTask("lease:tcp", {
        cwd,
        port: server.port,
        env: { COH_AUTH_TOKEN: TOKEN },
        extraArgs: ["--max-retries", "1"],
      });
      assert.match(assertCleanFailure(result), /invalid console frame length 9000/);
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(TOKEN));
    });
  });
});

Deno.test("peft_roundtrip over TCP on a Queen that serves export jobs (demo seed)", async () => {
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "demo" });
  await withCwd(async (cwd) => {
    assertOk(await runTask("peft:tcp", { cwd, port: server.port, env: { COH_AUTH_TOKEN: TOKEN } }));
    await assertPeftAudit(cwd, { publish: false });
  });
});

/** A namespace folder like a coh mount: the demo GPUs, one ACTIVE lease, an export job. */
function seedMount(root: string): void {
  const ns = new QueenNamespace({ seed: "demo" });
  const put = (path: string, text: string) => {
    Deno.mkdirSync(`${root}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    Deno.writeTextFileSync(`${root}${path}`, text);
  };
  for (const id of ["GPU-0", "GPU-1"]) {
    put(`/gpu/${id}/info`, ns.cat(`/gpu/${id}/info`).lines.join("\n"));
    put(`/gpu/${id}/status`, "");
  }
  // A mount has no Queen behind it to grant the lease, so one is already there.
  put(
    "/gpu/GPU-0/lease",
    '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1",' +
      '"mem_mb":4096,"streams":1,"ttl_s":120,"priority":1}\n',
  );
  put("/queen/ctl", "");
  const job = "/queen/export/lora_jobs/job_8932";
  for (const file of ["telemetry.cbor", "base_model.ref", "policy.toml"]) {
    put(`${job}/${file}`, ns.cat(`${job}/${file}`).lines.join("\n") + "\n");
  }
  put("/gpu/models/active", "");
}

Deno.test("examples with --fs-root on a temporary namespace folder", async (t) => {
  await t.step("lease_run", async () => {
    await withCwd(async (cwd) => {
      seedMount(`${cwd}/mnt/coh`);
      assertOk(await runTask("lease:fs", { cwd }));
      assert.deepEqual(readAudit(cwd, "lease_run"), specMockAudit("lease_run"));
      assert.equal(
        readText(`${cwd}/mnt/coh/queen/ctl`),
        '{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":1,"ttl_s":120,' +
          '"priority":1}}\n{"kill":"worker-1"}\n',
      );
      assert.equal(readText(`${cwd}/mnt/coh/gpu/GPU-0/status`).split("\n").length, 3);
    });
  });
  await t.step("telemetry_write_pull", async () => {
    await withCwd(async (cwd) => {
      const device = `${cwd}/mnt/coh/queen/telemetry/device-1`;
      // A plain folder has no Queen to create the segment: `latest` names it already.
      Deno.mkdirSync(`${device}/seg`, { recursive: true });
      Deno.writeTextFileSync(`${device}/latest`, "seg-000002\n");
      assertOk(await runTask("telemetry:fs", { cwd }));
      assert.deepEqual(readAudit(cwd, "telemetry_write_pull"), [
        ...telemetryPushLines("seg-000002"),
        // A mount reads raw bytes: the record keeps its newline.
        ...telemetryPullLines([["seg-000002", RECORD_124.length + 1]]),
      ]);
      assert.equal(readText(`${device}/ctl`), '{"new":"segment","mime":"text/plain"}\n');
    });
  });
  await t.step("peft_roundtrip", async () => {
    await withCwd(async (cwd) => {
      seedMount(`${cwd}/mnt/coh`);
      assertOk(await runTask("peft:fs", { cwd }));
      await assertPeftAudit(cwd, { publish: false });
      assert.equal(
        readText(`${cwd}/mnt/coh/gpu/models/active`),
        "llama3-edge-v6\nllama3-edge-v7\nllama3-edge-v6\n",
      );
    });
  });
});

Deno.test("a missing permission: the message names the flag to add", async (t) => {
  const cases: [string, string, RegExp, string[]][] = [
    ["demo:lease", "--allow-run=echo", /^--allow-run/, []],
    ["demo:lease", "--allow-write=out/examples", /^--allow-write/, []],
    ["demo:peft", "--allow-read=out/examples", /^--allow-read/, []],
    ["lease:tcp", "--allow-net=127.0.0.1:31337", /^--allow-net/, []],
    ["lease:tcp", "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN", /^--allow-env/, []],
    ["demo:telemetry", "--allow-read=elsewhere.txt", /^$/, ["--payload-file", "elsewhere.txt"]],
  ];
  await withCwd(async (cwd) => {
    const results = await Promise.all(
      cases.map(([task, , without, extraArgs]) =>
        runTask(task, { cwd, withoutFlag: without, extraArgs })
      ),
    );
    for (const [i, [task, flag]] of cases.entries()) {
      await t.step(`${task} without ${flag}`, () => {
        const stderr = assertCleanFailure(results[i] as ProcessResult);
        assert.ok(stderr.includes(flag), stderr);
      });
    }
  });
});

Deno.test("command line: --help, unknown flag, bad number, conflicting payload flags", async () => {
  await withCwd(async (cwd) => {
    const [help, unknown, badNumber, both] = await Promise.all([
      runTask("demo:lease", { cwd, extraArgs: ["--help"] }),
      runTask("demo:lease", { cwd, extraArgs: ["--bogus"] }),
      runTask("demo:lease", { cwd, extraArgs: ["--mem-mb", "lots"] }),
      runTask("demo:telemetry", { cwd, extraArgs: ["--payload", "a", "--payload-file", "f"] }),
    ]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--prefer-mig/);
    assert.match(help.stdout, /--fs-root DIR/);
    for (const result of [unknown, badNumber, both]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /usage: (lease_run|telemetry_write_pull) \[options\]/);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
    }
    assert.match(unknown.stderr, /--bogus/);
    assert.match(badNumber.stderr, /--mem-mb must be a non-negative integer/);
  });
});
