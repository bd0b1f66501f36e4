/**
 * Run breadcrumbs in coh's byte layout (OPERATIONS.md §4.4): compact JSON with key order
 * `schema, event, command, status[, exit_code]`, raw UTF-8, plus `\n`. The command is cut to
 * whole characters so the line fits `coh.run.breadcrumb.max_line_bytes`, with coh's loop.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";

/** Breadcrumb events. */
export type BreadcrumbEvent = "START" | "EXIT";

/** Breadcrumb statuses. */
export type BreadcrumbStatus = "RUNNING" | "OK" | "ERR";

/** The longest prefix of whole characters of `text` whose UTF-8 size is ≤ `limit` bytes. */
export function truncateToBytes(text: string, limit: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = utf8Length(ch);
    if (bytes + size > limit) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

function renderBreadcrumb(
  schema: string,
  event: BreadcrumbEvent,
  command: string,
  status: BreadcrumbStatus,
  exitCode: number | undefined,
): string {
  const code = exitCode === undefined ? "" : `,"exit_code":${exitCode}`;
  return `{"schema":${JSON.stringify(schema)},"event":"${event}","command":${
    JSON.stringify(command)
  },"status":"${status}"${code}}`;
}

/**
 * Builds one breadcrumb line (with its `\n`). `limit` starts at
 * min(`max_command_bytes`, command bytes) and drops by one byte until the JSON fits
 * `max_line_bytes`; at 0 it fails with `breadcrumb line exceeds max_line_bytes <n>`.
 */
export function buildBreadcrumbLine(
  defaults: CohesixDefaults,
  event: BreadcrumbEvent,
  status: BreadcrumbStatus,
  command: string,
  exitCode?: number,
): string {
  const policy = defaults.coh.run.breadcrumb;
  let limit = Math.min(policy.maxCommandBytes, utf8Length(command));
  while (true) {
    const json = renderBreadcrumb(
      policy.schema,
      event,
      truncateToBytes(command, limit),
      status,
      exitCode,
    );
    if (utf8Length(json) <= policy.maxLineBytes) return `${json}\n`;
    if (limit === 0) {
      throw new LimitError(
        `breadcrumb line exceeds max_line_bytes ${policy.maxLineBytes}`,
        "coh.run.breadcrumb.max_line_bytes",
        policy.maxLineBytes,
      );
    }
    limit -= 1;
  }
}
