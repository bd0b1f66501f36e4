/**
 * The `[[tickets]]` entries of a root-task manifest (`configs/root_task.toml`), where the role
 * secrets live, read as `cohsh --mint-ticket` reads them (CLI.md §1.5): every other table and key
 * is ignored; each entry needs string fields `role` and `secret`; the first entry whose role
 * equals the requested canonical role, ignoring case, wins (`worker` is not an alias here).
 *
 * The manifest uses far more TOML than the policy files (booleans, floats, arrays of tables), so
 * this is a line scanner, not a TOML parser: it looks at `[[tickets]]` headers and the
 * `role = "…"` / `secret = "…"` lines under them (basic or literal strings), and treats any
 * other `[...]` header at the start of a line as the end of an entry.
 *
 * @module
 */

import { TicketError } from "../core/errors.ts";
import { scanTomlString } from "../core/policy_toml.ts";
import type { TicketRole } from "./ticket.ts";

/** One `[[tickets]]` entry. */
export interface TicketConfigEntry {
  /** `role` as written. */
  readonly role: string;
  /** `secret`. */
  readonly secret: string;
}

/** Rust's Debug name of each role, as cohsh's messages print it. */
export const ROLE_DEBUG_NAMES: Readonly<Record<TicketRole, string>> = Object.freeze({
  "queen": "Queen",
  "worker-heartbeat": "WorkerHeartbeat",
  "worker-gpu": "WorkerGpu",
  "worker-bus": "WorkerBus",
  "worker-lora": "WorkerLora",
});

/** The string value of `key = "…"` or `key = '…'` (a trailing comment allowed), or undefined. */
function stringValue(line: string, key: string): string | undefined | null {
  const match = new RegExp(`^${key}\\s*=\\s*(.*)$`).exec(line);
  if (match === null) return undefined;
  const value = match[1]!;
  const scanned = scanTomlString(value, 0);
  if (!scanned.ok) return null; // not a string: the entry is malformed
  const text = scanned.value;
  const after = value.slice(scanned.end).trim();
  if (after !== "" && !after.startsWith("#")) return null;
  return text;
}

/**
 * The `[[tickets]]` entries of manifest text `text` (`source` names it in messages). An entry
 * without a string `role` or `secret` is a {@link TicketError}
 * (`failed to parse ticket config <source>`).
 */
export function parseTicketConfig(text: string, source: string): TicketConfigEntry[] {
  const entries: TicketConfigEntry[] = [];
  let current: { role?: string | null; secret?: string | null } | undefined;
  const finish = () => {
    if (current === undefined) return;
    const { role, secret } = current;
    if (typeof role !== "string" || typeof secret !== "string") {
      throw new TicketError(`failed to parse ticket config ${source}`, {
        hint: "each [[tickets]] entry needs string fields role and secret",
      });
    }
    entries.push({ role, secret });
    current = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^\[\[\s*tickets\s*\]\]\s*(#.*)?$/.test(line)) {
      finish();
      current = {};
      continue;
    }
    if (line.startsWith("[")) {
      finish();
      continue;
    }
    if (current === undefined) continue;
    for (const key of ["role", "secret"] as const) {
      const value = stringValue(line, key);
      if (value !== undefined) current[key] = value;
    }
  }
  finish();
  return entries;
}

/**
 * The secret of canonical role `role` in `entries`, or a {@link TicketError}
 * (`ticket secret for role <Role> not found in <source>`).
 */
export function ticketSecretFor(
  entries: readonly TicketConfigEntry[],
  role: TicketRole,
  source: string,
): string {
  const entry = entries.find((candidate) => candidate.role.toLowerCase() === role);
  if (entry === undefined) {
    throw new TicketError(
      `ticket secret for role ${ROLE_DEBUG_NAMES[role]} not found in ${source}`,
      {
        hint: `add a [[tickets]] entry with role = "${role}", or pass the secret`,
      },
    );
  }
  return entry.secret;
}
