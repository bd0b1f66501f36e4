/**
 * The Queen's console command parser (PROTOCOL.md §1.4–§1.5, §3), quirks included, so the
 * in-repo server refuses and rewrites lines exactly as the live Queen does:
 *
 * - each payload byte becomes one char, Latin-1 style (non-ASCII is double-encoded);
 * - `\r` is ignored, 0x08/0x7F delete the previous char, other control chars are dropped;
 * - `\n` completes a line that is parsed and thrown away (a parse error there is reported and
 *   ends the payload); only the text after the last `\n` runs;
 * - the line is trimmed, the verb is case-insensitive, path arguments are the first token;
 * - argument limits come from {@link CohesixDefaults} and give the exact `ERR PARSE` texts.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { utf8Length } from "../core/paths.ts";

/** A verb the console accepts, in its canonical (upper-case) spelling. */
export type ConsoleVerb =
  | "HELP"
  | "BI"
  | "CAPS"
  | "MEM"
  | "PING"
  | "TEST"
  | "NETTEST"
  | "NETSTATS"
  | "CACHELOG"
  | "QUIT"
  | "ATTACH"
  | "LS"
  | "CAT"
  | "TAIL"
  | "LOG"
  | "ECHO"
  | "SPAWN"
  | "KILL";

/** A parsed console command. */
export type ConsoleCommand =
  | {
    readonly verb: "HELP" | "BI" | "CAPS" | "MEM" | "PING" | "TEST" | "NETTEST" | "NETSTATS";
  }
  | { readonly verb: "LOG" | "QUIT" }
  | { readonly verb: "CACHELOG"; readonly count: number | undefined }
  | { readonly verb: "ATTACH"; readonly role: string; readonly ticket: string | undefined }
  | { readonly verb: "LS" | "CAT" | "TAIL"; readonly path: string }
  | { readonly verb: "ECHO"; readonly path: string; readonly payload: string }
  | { readonly verb: "SPAWN"; readonly payload: string }
  | { readonly verb: "KILL"; readonly id: string };

/** Outcome of parsing one frame payload: a command to run, or an `ERR PARSE` message. */
export type ParseOutcome =
  | { readonly ok: true; readonly command: ConsoleCommand; readonly line: string }
  | { readonly ok: false; readonly message: string };

const VERBS: ReadonlySet<string> = new Set<ConsoleVerb>([
  "HELP",
  "BI",
  "CAPS",
  "MEM",
  "PING",
  "TEST",
  "NETTEST",
  "NETSTATS",
  "CACHELOG",
  "QUIT",
  "ATTACH",
  "LS",
  "CAT",
  "TAIL",
  "LOG",
  "ECHO",
  "SPAWN",
  "KILL",
]);

/** Parser error messages, exactly as the Queen words them. */
export const PARSE_MESSAGES = {
  lineTooLong: "console line exceeded maximum length",
  empty: "empty command",
  unsupported: "unsupported console command",
  missing: (arg: string): string => `missing required argument: ${arg}`,
  tooLong: (arg: string): string => `argument ${arg} exceeds allowed length`,
  invalid: (arg: string): string => `invalid value for argument ${arg}`,
} as const;

class ParseFailure {
  constructor(readonly message: string) {}
}

// Rust's char::is_whitespace over U+0000–U+00FF (the only chars the byte mapping produces).
const WS = /[\s\u0085]/;
const LEADING_WS = /^[\s\u0085]+/;
const TRAILING_WS = /[\s\u0085]+$/;

function trim(text: string): string {
  return text.replace(LEADING_WS, "").replace(TRAILING_WS, "");
}

function splitFirst(text: string): [string, string | undefined] {
  const match = WS.exec(text);
  if (!match) return [text, undefined];
  return [text.slice(0, match.index), text.slice(match.index + 1)];
}

function firstToken(text: string): string {
  return trim(text).split(/[\s\u0085]+/)[0] ?? "";
}

function bounded(value: string, max: number, arg: string): string {
  if (utf8Length(value) > max) throw new ParseFailure(PARSE_MESSAGES.tooLong(arg));
  return value;
}

/** Parses one already-assembled line (no control chars left) into a command. */
export function parseLine(raw: string, defaults: CohesixDefaults = DEFAULTS): ParseOutcome {
  try {
    return { ok: true, command: parseLineOrThrow(raw, defaults), line: trim(raw) };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, message: error.message };
    throw error;
  }
}

function parseLineOrThrow(raw: string, defaults: CohesixDefaults): ConsoleCommand {
  const limits = defaults.console;
  const line = trim(raw);
  if (line.length === 0) throw new ParseFailure(PARSE_MESSAGES.empty);
  const [verbToken, rest] = splitFirst(line);
  const remainder = rest === undefined ? "" : trim(rest);
  // Case-insensitive match on ASCII letters only, as eq_ignore_ascii_case does.
  const verb = verbToken.replace(/[a-z]/g, (c) => c.toUpperCase());
  if (!VERBS.has(verb)) throw new ParseFailure(PARSE_MESSAGES.unsupported);
  switch (verb as ConsoleVerb) {
    case "HELP":
    case "BI":
    case "CAPS":
    case "MEM":
    case "PING":
    case "NETTEST":
    case "NETSTATS":
      return { verb: verb as "HELP" };
    case "LOG":
    case "QUIT":
      return { verb: verb as "LOG" };
    case "TEST":
      if (remainder.length > 0) throw new ParseFailure(PARSE_MESSAGES.invalid("test"));
      return { verb: "TEST" };
    case "CACHELOG": {
      if (remainder.length === 0) return { verb: "CACHELOG", count: undefined };
      const token = firstToken(remainder);
      if (!/^\+?[0-9]+$/.test(token) || Number(token) > 0xffff) {
        throw new ParseFailure(PARSE_MESSAGES.invalid("count"));
      }
      return { verb: "CACHELOG", count: Number(token) };
    }
    case "LS":
    case "CAT":
    case "TAIL": {
      if (remainder.length === 0) throw new ParseFailure(PARSE_MESSAGES.missing("path"));
      const path = bounded(firstToken(remainder), limits.maxPathLen, "path");
      return { verb: verb as "LS", path };
    }
    case "ECHO": {
      if (remainder.length === 0) throw new ParseFailure(PARSE_MESSAGES.missing("path"));
      const [pathToken, after] = splitFirst(remainder);
      const payload = after === undefined ? "" : after.replace(LEADING_WS, "");
      if (payload.length === 0) throw new ParseFailure(PARSE_MESSAGES.missing("payload"));
      const path = bounded(pathToken, limits.maxPathLen, "path");
      return { verb: "ECHO", path, payload: bounded(payload, limits.maxEchoLen, "payload") };
    }
    case "ATTACH": {
      if (remainder.length === 0) throw new ParseFailure(PARSE_MESSAGES.missing("role"));
      const [roleToken, after] = splitFirst(remainder);
      const role = bounded(roleToken, limits.maxRoleLen, "role");
      const ticketText = after === undefined ? "" : trim(after);
      const ticket = ticketText.length === 0
        ? undefined
        : bounded(ticketText, limits.maxTicketLen, "ticket");
      return { verb: "ATTACH", role, ticket };
    }
    case "SPAWN": {
      if (remainder.length === 0) throw new ParseFailure(PARSE_MESSAGES.missing("payload"));
      return { verb: "SPAWN", payload: bounded(remainder, limits.maxJsonLen, "payload") };
    }
    case "KILL": {
      if (remainder.length === 0) throw new ParseFailure(PARSE_MESSAGES.missing("worker"));
      return { verb: "KILL", id: bounded(firstToken(remainder), limits.maxIdLen, "worker") };
    }
  }
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * Runs one frame payload through the byte-level parser (plus the synthetic LF the Queen
 * appends) and returns what the console acts on: the command after the last `\n`, or the
 * first parse error met on the way.
 */
export function parsePayload(
  payload: Uint8Array,
  defaults: CohesixDefaults = DEFAULTS,
): ParseOutcome {
  const maxLine = defaults.console.maxLineLen;
  let chars: string[] = [];
  let bytes = 0;
  const finishLine = (): ParseOutcome => {
    if (chars.length === 0) return { ok: false, message: PARSE_MESSAGES.empty };
    const outcome = parseLine(chars.join(""), defaults);
    chars = [];
    bytes = 0;
    return outcome;
  };
  for (const byte of payload) {
    if (byte === 0x0d) continue;
    if (byte === 0x0a) {
      // The completed command is discarded; only an error ends the payload early.
      const outcome = finishLine();
      if (!outcome.ok) return outcome;
      continue;
    }
    if (byte === 0x08 || byte === 0x7f) {
      const removed = chars.pop();
      if (removed !== undefined) bytes -= removed.charCodeAt(0) > 0x7f ? 2 : 1;
      continue;
    }
    if (bytes >= maxLine) return { ok: false, message: PARSE_MESSAGES.lineTooLong };
    if (isControl(byte)) continue;
    const width = byte > 0x7f ? 2 : 1;
    if (bytes + width > maxLine) return { ok: false, message: PARSE_MESSAGES.lineTooLong };
    chars.push(String.fromCharCode(byte));
    bytes += width;
  }
  return finishLine();
}
