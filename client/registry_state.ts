/**
 * The model registry's activation state (OPERATIONS.md §4.12): `<registry>/active` holds
 * `<model>\n`; `<registry>/active_state.toml` holds `current = "<id>"` and, only when there is
 * one, `previous = "<id>"` (coh's convention). Reading also accepts Python's
 * `previous = ""` (meaning none), and falls back to `active` when the state file is absent.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError, OperationError } from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";
import { joinLocal, pathExists, readFileBounded, writeFileAtomic } from "./local_files.ts";
import { tomlString } from "./manifest_toml.ts";
import { decodeUtf8, encodeUtf8, firstNonEmptyLine } from "./text.ts";

/** The registry's active model and the one before it. */
export interface RegistryState {
  /** The active model id (`""` when nothing was ever activated). */
  readonly current: string;
  /** The previously active model id, if any. */
  readonly previous?: string;
}

/** `<registry>/active`. */
export function activePointerPath(registryRoot: string): string {
  return joinLocal(registryRoot, "active");
}

/** `<registry>/active_state.toml`. */
export function statePath(registryRoot: string): string {
  return joinLocal(registryRoot, "active_state.toml");
}

/** `<registry>/available/<model>/manifest.toml`. */
export function manifestPathOf(registryRoot: string, modelId: string): string {
  return joinLocal(registryRoot, "available", modelId, "manifest.toml");
}

/** Renders `active_state.toml` (coh: `previous` omitted when there is none). */
export function renderState(state: RegistryState): string {
  let out = `current = ${tomlString(state.current)}\n`;
  if (state.previous) out += `previous = ${tomlString(state.previous)}\n`;
  return out;
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", n: "\n", t: "\t", r: "\r" };

function parseTomlString(raw: string): string | undefined {
  const match = /^"((?:[^"\\]|\\.)*)"$/.exec(raw);
  if (!match) return undefined;
  let failed = false;
  const value = match[1]!.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, esc: string) => {
    if (esc.startsWith("u") && esc.length === 5) {
      return String.fromCharCode(parseInt(esc.slice(1), 16));
    }
    const mapped = ESCAPES[esc];
    if (mapped === undefined) failed = true;
    return mapped ?? "";
  });
  return failed ? undefined : value;
}

/** Parses `active_state.toml` (coh's or Python's form); `path` names the file in errors. */
export function parseState(text: string, path: string): RegistryState {
  const invalid = (why: string) => new OperationError(`invalid state TOML in ${path}: ${why}`);
  const values: Record<string, string> = {};
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line.length === 0 || line.startsWith("#")) continue;
    const match = /^([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*(#.*)?$/.exec(line);
    if (!match) throw invalid(`unexpected line ${JSON.stringify(line)}`);
    const key = match[1]!;
    if (key !== "current" && key !== "previous") throw invalid(`unknown key ${key}`);
    if (key in values) throw invalid(`duplicate key ${key}`);
    const value = parseTomlString(match[2]!);
    if (value === undefined) throw invalid(`${key} is not a string`);
    values[key] = value;
  }
  const current = values.current;
  if (current === undefined) throw invalid("missing current");
  const previous = values.previous?.trim();
  return previous ? { current, previous } : { current };
}

/**
 * Loads the state: `active_state.toml` if present (≤ `max_state_bytes`), else the first
 * non-empty line of `active` (≤ `max_model_id_bytes` + 1) with no previous, else empty.
 */
export async function loadState(
  registryRoot: string,
  defaults: CohesixDefaults,
): Promise<RegistryState> {
  const policy = defaults.coh.peft.activate;
  const path = statePath(registryRoot);
  if (pathExists(path)) {
    const bytes = await readFileBounded(
      path,
      policy.maxStateBytes,
      "coh.peft.activate.max_state_bytes",
    );
    return parseState(decodeUtf8(bytes, path), path);
  }
  const pointer = activePointerPath(registryRoot);
  if (pathExists(pointer)) {
    const bytes = await readFileBounded(
      pointer,
      policy.maxModelIdBytes + 1,
      "coh.peft.activate.max_model_id_bytes",
    );
    return { current: firstNonEmptyLine(decodeUtf8(bytes, pointer)) ?? "" };
  }
  return { current: "" };
}

/** Writes `active` then `active_state.toml`, each atomically. */
export async function writeState(
  registryRoot: string,
  state: RegistryState,
  defaults: CohesixDefaults,
): Promise<void> {
  const max = defaults.coh.peft.activate.maxStateBytes;
  const rendered = renderState(state);
  const size = utf8Length(rendered);
  if (size > max) {
    throw new LimitError(
      `state bytes ${size} exceeds max_state_bytes ${max}`,
      "coh.peft.activate.max_state_bytes",
      max,
    );
  }
  await writeFileAtomic(activePointerPath(registryRoot), encodeUtf8(`${state.current}\n`));
  await writeFileAtomic(statePath(registryRoot), encodeUtf8(rendered));
}
