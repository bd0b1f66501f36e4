/**
 * The subcommands of `cohesix`, each loaded only when it runs, so a one-shot command pays for the
 * modules it uses and nothing else. Adding a command: one file under `cli/commands/` exporting
 * `command: CliCommand`, and one line here (the literal `import()` keeps it in bundles and
 * compiled binaries).
 *
 * @module
 */

import type { CliCommand } from "./command.ts";

/** A subcommand's entry in the top-level help and how to load it. */
export interface CommandEntry {
  /** The word that selects it. */
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /** Loads its module. */
  readonly load: () => Promise<{ readonly command: CliCommand }>;
}

/** Every subcommand, in help order. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "ui",
    summary: "serve the hive at a glance in a browser (local page, live)",
    load: () => import("./commands/ui.ts"),
  },
];
