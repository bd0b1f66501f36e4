/**
 * Whole-process start-up figures: each example and `cohesix` one-shot command on the mock Queen,
 * the shipped bundles (`compile.sh --bundle-only`, built here) of `lease_run` and the CLI, and
 * `cohesix gpu list` against the in-repo console server (started here as its own process, so its
 * work is not counted), next to a `deno run` hello world (the floor), run interleaved so load on
 * the machine hits every case alike. Prints, per case, the median wall time, its ratio to the
 * floor's median, and the median and highest peak RSS (GNU time's `%M`). A case whose warm-up run
 * fails is reported and skipped (e.g. the bundles, when `deno bundle` cannot fetch esbuild).
 *
 * Usage: deno run --allow-run --allow-read --allow-write --allow-sys=loadavg bench/startup.ts [runs=10]
 * Needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time).
 *
 * @module
 */

const runs = Number(Deno.args[0] ?? "10");
if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: bench/startup.ts [runs=10]");
  Deno.exit(2);
}
try {
  Deno.statSync("/usr/bin/time");
} catch {
  console.error("bench/startup.ts: /usr/bin/time not found (apt-get install -y time)");
  Deno.exit(1);
}

const root = new URL("../", import.meta.url).pathname;

/** Starts `server/main.ts` on a free port; returns the process and the port it printed. */
async function startConsoleServer(): Promise<{ server: Deno.ChildProcess; port: number }> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", "server/main.ts", "--port", "0"],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  for (;;) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`the console server did not start: ${seen}`);
    seen += value;
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(seen)?.[1];
    if (port !== undefined) {
      // Keep draining its log (one line per command) so it never blocks on a full pipe.
      (async () => {
        while (!(await lines.read()).done) { /* drain */ }
      })();
      return { server, port: Number(port) };
    }
  }
}
const { server, port } = await startConsoleServer();
const work = Deno.makeTempDirSync({ prefix: "cohesix-startup-" });
// The shipped bundles, as compile.sh writes them (their cases are skipped if this fails, e.g.
// without esbuild in the Deno cache).
const dist = `${work}/dist`;
const bundled = new Deno.Command("bash", {
  args: ["compile.sh", "--bundle-only", "--dist", dist],
  cwd: root,
  stdout: "null",
  stderr: "piped",
}).outputSync();
if (!bundled.success) {
  console.error(`compile.sh --bundle-only failed: ${new TextDecoder().decode(bundled.stderr)}`);
}
const hello = `${work}/hello.ts`;
Deno.writeTextFileSync(hello, 'console.log("hello");\n');

/** One measured command; `out` is a fresh folder for each run. */
interface Case {
  readonly name: string;
  readonly args: (out: string) => string[];
}

const CASES: Case[] = [
  { name: "deno run hello.ts (floor)", args: () => ["run", hello] },
  {
    name: "examples/lease_run.ts --mock",
    args: (out) => [
      "run",
      `--allow-read=${out}`,
      `--allow-write=${out}`,
      "--allow-run=echo",
      "examples/lease_run.ts",
      "--mock",
      "--out",
      out,
    ],
  },
  {
    name: "examples/peft_roundtrip.ts --mock",
    args: (out) => [
      "run",
      `--allow-read=${out}`,
      `--allow-write=${out}`,
      "examples/peft_roundtrip.ts",
      "--mock",
      "--out",
      out,
    ],
  },
  {
    name: "examples/telemetry_write_pull.ts --mock",
    args: (out) => [
      "run",
      `--allow-read=${out}`,
      `--allow-write=${out}`,
      "examples/telemetry_write_pull.ts",
      "--mock",
      "--out",
      out,
    ],
  },
  { name: "cohesix ls / --mock", args: () => ["run", "cli/main.ts", "ls", "/", "--mock"] },
  { name: "cohesix gpu list --mock", args: () => ["run", "cli/main.ts", "gpu", "list", "--mock"] },
  {
    name: "bundle: dist/lease_run.js --mock",
    args: (out) => [
      "run",
      `--allow-read=${out}`,
      `--allow-write=${out}`,
      "--allow-run=echo",
      `${dist}/lease_run.js`,
      "--mock",
      "--out",
      out,
    ],
  },
  {
    name: "bundle: cohesix-bundle/main.js gpu list --mock",
    args: () => ["run", `${dist}/cohesix-bundle/main.js`, "gpu", "list", "--mock"],
  },
  {
    name: "cohesix gpu list (console server)",
    args: () => [
      "run",
      `--allow-net=127.0.0.1:${port}`,
      "cli/main.ts",
      "gpu",
      "list",
      "--tcp-port",
      String(port),
      "--auth-token",
      "changeme",
    ],
  },
];

interface Sample {
  readonly ms: number;
  readonly rssKiB: number;
}

let counter = 0;
function runOnce(item: Case): Sample | string {
  const out = `${work}/out-${counter++}`;
  const started = performance.now();
  const result = new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", Deno.execPath(), ...item.args(out)],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  const ms = performance.now() - started;
  const stderr = new TextDecoder().decode(result.stderr).trim().split("\n");
  if (!result.success) return stderr.slice(-3).join(" | ");
  return { ms, rssKiB: Number(stderr.at(-1)) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// Warm the module caches (and find the cases this checkout can run).
const active: Case[] = [];
for (const item of CASES) {
  const warm = runOnce(item);
  if (typeof warm === "string") console.error(`skipped ${item.name}: ${warm}`);
  else active.push(item);
}

const samples = new Map<Case, Sample[]>(active.map((item) => [item, []]));
for (let run = 0; run < runs; run++) {
  for (const item of active) {
    const sample = runOnce(item);
    if (typeof sample === "string") throw new Error(`${item.name} failed: ${sample}`);
    samples.get(item)!.push(sample);
  }
}

const floor = median(samples.get(active[0]!)!.map((sample) => sample.ms));
let load = "unknown (pass --allow-sys=loadavg)";
try {
  load = Deno.loadavg().map((value) => value.toFixed(2)).join(" ");
} catch {
  // Only the heading loses it.
}
console.log(
  `${runs} interleaved runs each, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, load average ${load}`,
);
console.log("");
console.log(
  "| command | median wall (ms) | × floor | median peak RSS (MiB) | max peak RSS (MiB) |",
);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const item of active) {
  const list = samples.get(item)!;
  const ms = median(list.map((sample) => sample.ms));
  const rss = list.map((sample) => sample.rssKiB / 1024);
  console.log(
    `| ${item.name} | ${ms.toFixed(1)} | ${(ms / floor).toFixed(2)} | ${median(rss).toFixed(1)} | ${
      Math.max(...rss).toFixed(1)
    } |`,
  );
}
Deno.removeSync(work, { recursive: true });
server.kill();
await server.status;
