/**
 * Tab completion for the interactive shell: command words, lifecycle commands and roles, and
 * remote paths (listed with a silent `LS` of the parent directory while attached).
 *
 * @module
 */

import { CohesixError } from "../../core/errors.ts";
import type { Completer } from "./line_input.ts";
import { LIFECYCLE_COMMANDS } from "./shell_checks.ts";
import type { ShellSession } from "./shell_session.ts";

/** Every shell command word. */
export const SHELL_COMMANDS: readonly string[] = [
  "attach",
  "bind",
  "cat",
  "detach",
  "echo",
  "help",
  "kill",
  "lifecycle",
  "log",
  "login",
  "ls",
  "mount",
  "ping",
  "pool",
  "quit",
  "spawn",
  "tail",
  "tcp-diag",
  "telemetry",
  "test",
];

const ROLES = ["queen", "worker-heartbeat", "worker-gpu", "worker-bus", "worker-lora"];
const PATH_COMMANDS = new Set(["ls", "cat", "tail", "bind", "mount", "echo"]);

/** Remote path candidates for `word` (absolute), from an `LS` of its directory. */
async function remotePaths(session: ShellSession, word: string): Promise<string[]> {
  if (!word.startsWith("/") || session.attachedRole === undefined) return [];
  const slash = word.lastIndexOf("/");
  const dir = word.slice(0, slash + 1);
  const base = word.slice(slash + 1);
  const queued = session.console.queuedAcks;
  try {
    const listing = await session.console.stream("LS", dir === "/" ? "/" : dir.slice(0, -1));
    return listing.lines.filter((name) => name.startsWith(base)).map((name) => dir + name);
  } catch (error) {
    if (error instanceof CohesixError) return [];
    throw error;
  } finally {
    session.console.dropAcksAfter(queued);
  }
}

/** The completer for `session`. */
export function shellCompleter(session: ShellSession): Completer {
  return async (before) => {
    const words = before.split(/\s+/);
    const word = words[words.length - 1] ?? "";
    const pick = (options: readonly string[]) => options.filter((o) => o.startsWith(word));
    if (words.length === 1) return pick(SHELL_COMMANDS);
    const command = words[0]!;
    if (command === "lifecycle" && words.length === 2) {
      return pick(Object.keys(LIFECYCLE_COMMANDS));
    }
    if ((command === "attach" || command === "login") && words.length === 2) return pick(ROLES);
    if (command === "spawn" && words.length === 2) return pick(["heartbeat", "gpu"]);
    if (command === "telemetry" && words.length === 2) return pick(["push"]);
    if (PATH_COMMANDS.has(command) && word.startsWith("/")) {
      if (command === "echo" && !before.includes(">")) return [];
      return await remotePaths(session, word);
    }
    return [];
  };
}
