/**
 * What the cohsh-side commands (the shell, scripts, one-shot verbs) print of the Queen's text:
 * the bytes as cohsh prints them, except that the console token and ticket never appear (masked
 * as everywhere else, `core/display_text.ts`), and that on a terminal control characters are
 * shown escaped, so a hostile Queen cannot send escape sequences to the operator's terminal.
 * Piped output keeps every other byte, so scripts and transcripts stay identical to cohsh's.
 *
 * @module
 */

import { consoleSecretsOf } from "../client/connect.ts";
import { escapeControls, maskSecrets } from "../core/display_text.ts";
import type { CommandContext } from "./command.ts";
import { backendChoiceOf } from "./global_flags.ts";

/** The secrets of this command line: the console token and the ticket (TCP only). */
export function cliSecrets(ctx: CommandContext): string[] {
  try {
    return consoleSecretsOf(backendChoiceOf(ctx.globals), (name) => ctx.io.env(name));
  } catch {
    return []; // a bad command line is reported elsewhere; nothing was sent
  }
}

/** A filter for one printed line of Queen text (see the module doc). */
export function outputLineFilter(ctx: CommandContext): (line: string) => string {
  const secrets = cliSecrets(ctx);
  const terminal = ctx.io.isTerminal.stdout;
  return (line) => {
    const masked = secrets.length === 0 ? line : maskSecrets(line, secrets);
    // A TAB is harmless on a terminal and common in bodies; everything else is shown escaped.
    return terminal ? masked.split("\t").map(escapeControls).join("\t") : masked;
  };
}
