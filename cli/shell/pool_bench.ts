/**
 * The shell's `pool bench k=v…` (CLI.md §2.4): a baseline of ECHOs sent one at a time, then the
 * "pooled" run, and cohsh's four report lines. Over TCP cohsh's pooled run uses one connection
 * too, so both runs go through the shell's console; acks are never printed. Fault injection
 * (`inject_failures`) needs cohsh's session pool and is refused with a clear error.
 *
 * @module
 */

import { sleepMs } from "../../core/sleep.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { type CohshConsole, ShellError } from "./cohsh_console.ts";
import { checkPath, parseUnsigned } from "./shell_checks.ts";

/** The console line budget cohsh's pool bench sizes payloads against. */
const POOL_LINE_BYTES = 256;

/** Parsed `pool bench` options. */
export interface PoolBenchConfig {
  /** The file written. */
  readonly path: string;
  /** ECHOs per run. */
  readonly ops: number;
  /** ECHOs per batch. */
  readonly batch: number;
  /** Payload prefix. */
  readonly payload: string;
  /** Pad payloads with `x` to this size. */
  readonly payloadBytes: number | undefined;
  /** Which pool. */
  readonly kind: "control" | "telemetry";
  /** Pause before each batch, ms. */
  readonly delayMs: number;
  /** Short writes to inject. */
  readonly injectFailures: number;
  /** Bytes of each injected short write. */
  readonly injectBytes: number;
  /** Extra checkouts beyond the pool's capacity. */
  readonly exhaust: number;
}

let runCounter = 0;

function number(values: Map<string, string>, key: string): number | undefined {
  const text = values.get(key);
  if (text === undefined) return undefined;
  values.delete(key);
  try {
    return Number(parseUnsigned(text, "u64"));
  } catch (error) {
    throw new ShellError(`invalid ${key} '${text}': ${(error as Error).message}`);
  }
}

/** Parses `pool bench` arguments with cohsh's rules and texts. */
export function parsePoolBench(args: readonly string[]): PoolBenchConfig {
  const values = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0 || eq === arg.length - 1) {
      throw new ShellError(`invalid option '${arg}': expected key=value`);
    }
    const key = arg.slice(0, eq).toLowerCase();
    if (values.has(key)) throw new ShellError(`duplicate option '${arg}'`);
    values.set(key, arg.slice(eq + 1));
  }
  const path = values.get("path");
  if (path === undefined) throw new ShellError("missing required option 'path'");
  values.delete("path");
  if (!values.has("ops")) throw new ShellError("missing required option 'ops'");
  const ops = number(values, "ops")!;
  const batch = number(values, "batch") ?? 1;
  const payload = values.get("payload") ?? "pool";
  values.delete("payload");
  const payloadBytes = number(values, "payload_bytes");
  const kindText = values.get("kind");
  values.delete("kind");
  let kind: "control" | "telemetry" = "telemetry";
  if (kindText !== undefined) {
    const lower = kindText.toLowerCase();
    if (lower !== "control" && lower !== "telemetry") {
      throw new ShellError(`invalid pool kind '${kindText}': expected control|telemetry`);
    }
    kind = lower;
  }
  const delayMs = number(values, "delay_ms") ?? 0;
  const injectFailures = number(values, "inject_failures") ?? 0;
  const injectBytes = number(values, "inject_bytes") ?? 8;
  const exhaust = number(values, "exhaust") ?? 0;
  const unknown = [...values.keys()].sort()[0];
  if (unknown !== undefined) throw new ShellError(`unknown pool bench option '${unknown}'`);
  if (ops === 0) throw new ShellError("pool bench ops must be >= 1");
  if (batch === 0) throw new ShellError("pool bench batch must be >= 1");
  if (payload === "") throw new ShellError("pool bench payload prefix must not be empty");
  if (injectFailures > 0 && injectBytes === 0) {
    throw new ShellError("pool bench inject_bytes must be >= 1 when inject_failures is set");
  }
  return {
    path,
    ops,
    batch,
    payload,
    payloadBytes,
    kind,
    delayMs,
    injectFailures,
    injectBytes,
    exhaust,
  };
}

function buildPayload(prefix: string, index: number, target: number | undefined, max: number) {
  let payload = `${prefix}${index}`;
  if (payload.length > max) {
    throw new ShellError(`payload length ${payload.length} exceeds max payload ${max}`);
  }
  if (target !== undefined) {
    if (target < payload.length) {
      throw new ShellError(`payload_bytes ${target} must be >= base length ${payload.length}`);
    }
    payload += "x".repeat(target - payload.length);
  }
  return payload;
}

function sample(label: string, ops: number, elapsedMs: number): string {
  const perSecond = elapsedMs === 0 ? 0 : Math.floor(ops * 1000 / elapsedMs);
  return `pool bench ${label} ops=${ops} elapsed_ms=${elapsedMs} ops_per_s=${perSecond}`;
}

/** Runs the bench on `console` (attached); returns the report lines and whether it passed. */
export async function runPoolBench(
  console: CohshConsole,
  config: PoolBenchConfig,
  options: { defaults?: CohesixDefaults; signal?: AbortSignal } = {},
): Promise<{ lines: string[]; ok: boolean }> {
  checkPath(config.path);
  if (config.injectFailures > 0) {
    throw new ShellError(
      "pool bench inject_failures needs cohsh's session pool; cohesix runs the bench on one console",
    );
  }
  const defaults = options.defaults ?? DEFAULTS;
  const max = POOL_LINE_BYTES - (6 + config.path.length);
  if (config.payloadBytes !== undefined && config.payloadBytes > max) {
    throw new ShellError(
      `pool bench payload_bytes ${config.payloadBytes} exceeds max payload ${max}`,
    );
  }
  const run = runCounter++;
  const kindName = config.kind === "control" ? "Control" : "Telemetry";
  const lines = [
    `pool bench limits msize=${defaults.secure9p.msize} max_payload=${max} ` +
    `batch=${config.batch} kind=${kindName}`,
  ];
  const queued = console.queuedAcks;
  const writeAll = async (label: string): Promise<{ written: number; failures: number }> => {
    let written = 0;
    let failures = 0;
    for (let index = 0; index < config.ops; index += config.batch) {
      if (config.delayMs > 0) await sleepMs(config.delayMs);
      const end = Math.min(index + config.batch, config.ops);
      for (let i = index; i < end; i++) {
        const payload = buildPayload(
          `${config.payload}-${run}-${label}-`,
          i,
          config.payloadBytes,
          max,
        );
        try {
          await console.echo(config.path, payload, options.signal);
          written++;
        } catch (error) {
          if (label === "base" || !(error instanceof ShellError)) throw error;
          failures++;
        }
      }
    }
    return { written, failures };
  };
  try {
    const baseStart = performance.now();
    const base = await writeAll("base");
    lines.push(sample("baseline", base.written, Math.floor(performance.now() - baseStart)));
    const poolStart = performance.now();
    const pooled = await writeAll("pool");
    lines.push(sample("pooled", config.ops, Math.floor(performance.now() - poolStart)));
    const poolExhausted = config.exhaust;
    const ok = pooled.failures === 0 && pooled.written === config.ops &&
      (config.exhaust === 0 || poolExhausted > 0);
    lines.push(
      `pool bench result ${ok ? "OK" : "ERR"} retries=0 pool_exhausted=${poolExhausted} ` +
        `failures=${pooled.failures} expected=${config.ops} observed=${pooled.written}`,
    );
    return { lines, ok };
  } finally {
    console.dropAcksAfter(queued);
  }
}
