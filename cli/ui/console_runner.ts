/**
 * The console panel's shell: cohsh shell lines run by the same {@link ShellSession} as
 * `cohesix sh`, over the Queen the UI already holds — the mock Queen's in-process console on the
 * same namespace, or the same mounted namespace — with the rules of `shared_console.ts` (attached
 * as queen first, as `cohsh --role queen`; no session or host commands from the page).
 *
 * Over TCP `cohesix ui` shares one shell session between its reads and the panel
 * (`shared_console.ts`); a `TcpBackend` handed in directly has no session to share, and the
 * panel then answers every line with an error that says why.
 *
 * @module
 */

import type { Backend } from "../../backends/backend.ts";
import { FilesystemBackend } from "../../backends/filesystem.ts";
import { MockBackend } from "../../backends/mock.ts";
import type { CohesixDefaults } from "../../core/defaults.ts";
import { OperationError } from "../../core/errors.ts";
import { CohshConsole } from "../shell/cohsh_console.ts";
import { type ConsoleLink, MockLink } from "../shell/console_link.ts";
import { MountLink } from "../shell/mount_link.ts";
import { ShellSession } from "../shell/shell_session.ts";
import { SharedConsole } from "./shared_console.ts";

/** Runs cohsh shell lines (the signature of {@link ShellSession.execute}). */
export interface ConsoleRunner {
  /** Runs one line and returns the printed lines; a failed command resolves with its `Error:`. */
  execute(line: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** Ends the shell session (`quit` when attached); idempotent. */
  close(): Promise<void>;
}

/** A console that refuses every line, saying why. */
export function unavailableConsole(why: string, hint: string): ConsoleRunner {
  return {
    execute: () => Promise.reject(new OperationError(why, { hint })),
    close: () => Promise.resolve(),
  };
}

/** A shell over `link`, for the panel only (the UI's own reads go through its backend). */
function panelShell(link: ConsoleLink, defaults: CohesixDefaults): ConsoleRunner {
  const console = new CohshConsole(link, { defaults });
  const session = new ShellSession(console, { defaults });
  return new SharedConsole(session, {
    defaults,
    role: "queen",
    closeShell: async () => {
      try {
        await session.quitQuietly();
      } finally {
        console.close();
      }
    },
  }).runner;
}

/** The console panel for the backend the UI holds. */
export function consoleFor(backend: Backend, defaults: CohesixDefaults): ConsoleRunner {
  if (backend instanceof MockBackend) {
    return panelShell(new MockLink(backend.namespace, defaults), defaults);
  }
  if (backend instanceof FilesystemBackend) {
    return panelShell(new MountLink(backend, defaults), defaults);
  }
  return unavailableConsole(
    "the console panel needs a console connection of its own, and the Queen takes one client: " +
      "this UI holds it",
    "use the page's actions; for other commands stop cohesix ui and run cohesix sh",
  );
}
