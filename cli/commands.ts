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
    name: "gpu",
    summary: "list GPUs, show a GPU's status, request a lease (coh gpu)",
    load: () => import("./commands/gpu.ts"),
  },
  {
    name: "run",
    summary: "run a command under a GPU's active lease, with breadcrumbs (coh run)",
    load: () => import("./commands/run.ts"),
  },
  {
    name: "telemetry",
    summary: "pull telemetry segments (coh), push a file as a segment (cohsh)",
    load: () => import("./commands/telemetry.ts"),
  },
  {
    name: "peft",
    summary: "export a LoRA job, import, activate or roll back a model (coh peft)",
    load: () => import("./commands/peft.ts"),
  },
  {
    name: "ticket",
    summary: "mint a capability ticket as cohsh does, or inspect one (offline)",
    load: () => import("./commands/ticket.ts"),
  },
  {
    name: "doctor",
    summary: "check the policy, ticket, permissions and the console (coh doctor)",
    load: () => import("./commands/doctor.ts"),
  },
  {
    name: "sh",
    summary: "cohsh's shell: interactive, --script FILE (.coh), --check FILE",
    load: () => import("./commands/sh.ts"),
  },
  {
    name: "test",
    summary: "run the Queen's self-tests (cohsh test)",
    load: () => import("./commands/selftest.ts"),
  },
  { name: "ls", summary: "list a directory (cohsh ls)", load: () => import("./commands/ls.ts") },
  { name: "cat", summary: "print a file (cohsh cat)", load: () => import("./commands/cat.ts") },
  {
    name: "tail",
    summary: "print a file's tail; --follow polls for new lines (cohsh tail)",
    load: () => import("./commands/tail.ts"),
  },
  {
    name: "log",
    summary: "print the Queen's log (cohsh log)",
    load: () => import("./commands/log.ts"),
  },
  {
    name: "write",
    summary: "append one line to a file (one ECHO)",
    load: () => import("./commands/write.ts"),
  },
  {
    name: "ping",
    summary: "check the console answers (cohsh ping)",
    load: () => import("./commands/ping.ts"),
  },
  {
    name: "spawn",
    summary: "queue a worker spawn (cohsh spawn heartbeat|gpu k=v…)",
    load: () => import("./commands/spawn.ts"),
  },
  {
    name: "kill",
    summary: "queue a worker termination (cohsh kill)",
    load: () => import("./commands/kill.ts"),
  },
  {
    name: "lifecycle",
    summary: "change the node's lifecycle (cohsh lifecycle)",
    load: () => import("./commands/lifecycle.ts"),
  },
  {
    name: "bind",
    summary: "bind a namespace path (cohsh bind)",
    load: () => import("./commands/bind.ts"),
  },
  {
    name: "mount",
    summary: "mount a service namespace (cohsh mount)",
    load: () => import("./commands/mount.ts"),
  },
  {
    name: "ui",
    summary: "serve the hive at a glance in a browser (local page, live)",
    load: () => import("./commands/ui.ts"),
  },
];
