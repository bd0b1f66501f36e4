/**
 * Test harness for the examples: runs them as subprocesses (`Deno.execPath()` + `run`) with
 * exactly the permissions their documented tasks grant (`examples/TASKS.md`), in a temporary
 * working directory so `out/` lands there, and reads what they wrote.
 *
 * @module
 */

import { buildBridgeSnapshot } from "../client/bridge_snapshot.ts";
import { mockInventoryNodes } from "../client/gpu_publish.ts";
import { loadModelCatalog } from "../client/model_catalog.ts";
import { readFixture, SHARED_DIR } from "./fixtures.ts";

/** The repository root. */
export const REPO_DIR: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The deno.json tasks of `examples/TASKS.md` (its JSON block). */
export function readTasks(): Record<string, string> {
  const text = Deno.readTextFileSync(`${REPO_DIR}/examples/TASKS.md`);
  const block = /```json\n([\s\S]*?)\n```/.exec(text)?.[1];
  if (block === undefined) throw new Error("examples/TASKS.md has no ```json block");
  return JSON.parse(block) as Record<string, string>;
}

/** A documented task, split into its permission flags, script and arguments. */
export interface TaskLine {
  /** The `--allow-*` flags. */
  readonly flags: string[];
  /** The script, relative to the repository (`examples/lease_run.ts`). */
  readonly script: string;
  /** Arguments after the script. */
  readonly args: string[];
}

/** Splits task `name`; `port` replaces the Queen port 31337 in `--allow-net`. */
export function taskLine(name: string, options: { port?: number } = {}): TaskLine {
  const command = readTasks()[name];
  if (command === undefined) throw new Error(`no task ${name} in examples/TASKS.md`);
  const tokens = command.split(/\s+/);
  if (tokens[0] !== "deno" || tokens[1] !== "run") throw new Error(`task ${name} is not deno run`);
  const scriptAt = tokens.findIndex((token) => token.endsWith(".ts"));
  const flags = tokens.slice(2, scriptAt).map((flag) =>
    options.port === undefined ? flag : flag.replace(":31337", `:${options.port}`)
  );
  for (const flag of flags) {
    if (!flag.startsWith("--allow-")) throw new Error(`task ${name}: unexpected token ${flag}`);
  }
  return { flags, script: tokens[scriptAt] ?? "", args: tokens.slice(scriptAt + 1) };
}

/** What a subprocess did. */
export interface ProcessResult {
  /** Exit status. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** Environment of every example run: no colours, and no token from the test's environment. */
function exampleEnv(env: Record<string, string>): Record<string, string> {
  return { NO_COLOR: "1", COH_AUTH_TOKEN: "", COHSH_AUTH_TOKEN: "", ...env };
}

/** Runs `command <args>` (no stdin) and collects its exit code and output. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env: Record<string, string> },
): Promise<ProcessResult> {
  const output = await new Deno.Command(command, {
    args: [...args],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `deno <args>` in `cwd` and collects its output. */
export function runDeno(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<ProcessResult> {
  return runProcess(Deno.execPath(), args, {
    cwd: options.cwd,
    env: exampleEnv(options.env ?? {}),
  });
}

/** Options of {@link runTask}. */
export interface RunTaskOptions {
  /** Working directory (a temp dir: `out/` lands there). */
  readonly cwd: string;
  /** The Queen's port: substituted for 31337 in `--allow-net` and passed as `--tcp-port`. */
  readonly port?: number;
  /** Arguments added after the task's own. */
  readonly extraArgs?: readonly string[];
  /** Environment additions. */
  readonly env?: Record<string, string>;
  /** Run this file instead of the task's script (e.g. a bundle). */
  readonly script?: string;
  /** Drop the flags matching this (to prove the message names them). */
  readonly withoutFlag?: RegExp;
}

/** Runs a documented task with exactly its flags. */
export function runTask(name: string, options: RunTaskOptions): Promise<ProcessResult> {
  const line = taskLine(name, options.port === undefined ? {} : { port: options.port });
  const flags = line.flags.filter((flag) => !options.withoutFlag?.test(flag));
  const script = options.script ?? `${REPO_DIR}/${line.script}`;
  const port = options.port === undefined ? [] : ["--tcp-port", String(options.port)];
  return runDeno(
    ["run", "--no-prompt", ...flags, script, ...line.args, ...port, ...(options.extraArgs ?? [])],
    { cwd: options.cwd, ...(options.env ? { env: options.env } : {}) },
  );
}

/** The lines of `<cwd>/out/examples/<example>/audit.txt` (which must end with a newline). */
export function readAudit(cwd: string, example: string): string[] {
  const text = Deno.readTextFileSync(`${cwd}/out/examples/${example}/audit.txt`);
  if (!text.endsWith("\n")) throw new Error("audit.txt does not end with a newline");
  return text.slice(0, -1).split("\n");
}

/**
 * The mock audit OPERATIONS.md §7.3 gives for an example (the fenced block after
 * "`<example>.py`" … "Mock audit [M]:").
 */
export function specMockAudit(example: string): string[] {
  const spec = Deno.readTextFileSync(`${SHARED_DIR}/spec/OPERATIONS.md`);
  const from = spec.indexOf(`- \`${example}.py\``);
  if (from < 0) throw new Error(`OPERATIONS.md has no ${example}.py entry`);
  const block = /Mock audit \[M\]:\n\s*```\n([\s\S]*?)\n\s*```/.exec(spec.slice(from))?.[1];
  if (block === undefined) throw new Error(`no mock audit block for ${example}`);
  return block.split("\n").map((line) => line.trim());
}

/** Makes a temporary working directory for one run. */
export function tempCwd(): string {
  return Deno.makeTempDirSync({ prefix: "cohesix-examples-" });
}

/** Only the ack lines (`OK `/`ERR `/`END`) of a transcript, as the golden files keep them. */
export function ackLines(lines: readonly string[]): string[] {
  return lines.filter((line) =>
    line === "END" || line.startsWith("OK ") || line.startsWith("ERR ")
  );
}

/**
 * The peft_roundtrip acks: the golden `peft_roundtrip_v0` export lines (1–5, unless the export
 * came from disk), the publish ack when it published, and three `/gpu/models/active` ECHOs
 * (activate previous, activate model, rollback). The golden line 6 is a CAT its test harness
 * adds, so it is not expected here.
 */
export function peftExpectedAcks(
  options: { publishAck?: string; exported?: boolean } = {},
): string[] {
  const golden = readFixture("transcripts/peft_roundtrip_v0/cohsh.txt").trimEnd().split("\n");
  const echo = golden[6] ?? "";
  if (!/^OK ECHO path=\/gpu\/models\/active bytes=15$/.test(echo)) {
    throw new Error(`unexpected golden line 7: ${echo}`);
  }
  const exported = options.exported === false ? [] : golden.slice(0, 5);
  const publish = options.publishAck === undefined ? [] : [options.publishAck];
  return [...exported, ...publish, echo, echo, echo];
}

/**
 * The ack a publish of `registryRoot` with the mock inventory gives, its active model being the
 * first by id (the example publishes before it activates anything). The snapshot bytes are
 * pinned against the live recording by `client/bridge_snapshot_test.ts`.
 */
export async function publishAckFor(registryRoot: string): Promise<string> {
  const catalog = await loadModelCatalog(registryRoot);
  const snapshot = buildBridgeSnapshot(mockInventoryNodes(), {
    ...catalog,
    active: catalog.models[0]!.id,
  });
  return `OK ECHO path=/gpu/bridge/ctl bytes=${snapshot.bytes.length} sha256=${snapshot.sha256}`;
}
