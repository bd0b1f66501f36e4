/**
 * `cohesix ui [--listen 127.0.0.1:0] [--open] [--poll-ms 1000] [--registry DIR]`: the hive at a
 * glance in a browser, served by this binary. It opens the Queen the global flags select (ONE
 * console connection: the Queen takes one client), prints exactly one line on stdout,
 * `cohesix ui: http://127.0.0.1:<port>/?token=<random>`, and serves until Ctrl-C, which stops
 * the server and closes the backend (`quit` on TCP). Notes go to stderr.
 *
 * @module
 */

import type { Backend } from "../../backends/backend.ts";
import { type BackendChoice, consoleSecretsOf, describeBackend } from "../../client/connect.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { UsageError } from "../../core/errors.ts";
import { requirePermissions } from "../../core/permissions.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { backendChoiceOf } from "../global_flags.ts";
import { openCliBackend } from "../open_backend.ts";
import { openShell } from "../shell/open_shell.ts";
import type { ConsoleRunner } from "../ui/console_runner.ts";
import { SharedConsole } from "../ui/shared_console.ts";
import { RELEASE_TAIL_POLL_MS, shellSettings } from "../shell/shell_policy.ts";
import {
  DEFAULT_LISTEN,
  hostHeaderOf,
  isLoopback,
  type ListenAddress,
  parseListen,
} from "../ui/listen_address.ts";
import { UiServer } from "../ui/ui_server.ts";

const HELP =
  `cohesix ui: the hive at a glance in a browser (GPUs, leases, workers, telemetry, models, log)

usage: cohesix [global options] ui [--listen HOST:PORT] [--open] [--poll-ms MS] [--registry DIR]

  --listen HOST:PORT  where to serve the page (${DEFAULT_LISTEN}: loopback, any free port);
                      an IP address, [::1]:PORT for IPv6
  --open              open the page in the default browser (needs --allow-run=xdg-open,
                      open on macOS)
  --poll-ms MS        how often to read the Queen (${RELEASE_TAIL_POLL_MS.default}; ${RELEASE_TAIL_POLL_MS.min}..${RELEASE_TAIL_POLL_MS.max}, cohsh's tail
                      bounds, or those of --policy FILE)
  --registry DIR      the local model registry for activate and roll back
                      (${DEFAULTS.coh.peft.import.registryRoot})

Prints one line, cohesix ui: http://HOST:PORT/?token=TOKEN, and serves until Ctrl-C.
Open that URL: it sets a cookie and drops the token from the address bar. Anyone who has the
URL can operate the Queen through this page while it runs; keep it to yourself.

Examples:
  cohesix ui --mock
  COH_AUTH_TOKEN=... cohesix ui --host 10.0.0.5 --open
`;

/** The parsed `ui` arguments. */
export interface UiArgs {
  /** `--listen`. */
  readonly listen: ListenAddress;
  /** `--open`. */
  readonly open: boolean;
  /** `--poll-ms`. */
  readonly pollMs: number;
  /** `--registry`. */
  readonly registryRoot: string;
}

/** Parses the `ui` arguments (global flags already removed). */
export function parseUiArgs(
  argv: readonly string[],
  bounds: { readonly default: number; readonly min: number; readonly max: number } =
    RELEASE_TAIL_POLL_MS,
): UiArgs | "help" {
  let listen = DEFAULT_LISTEN;
  let open = false;
  let pollText: string | undefined;
  let registryRoot: string = DEFAULTS.coh.peft.import.registryRoot;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const text = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (text === undefined || text === "") throw new UsageError(`${name} needs a value`);
      return text;
    };
    switch (name) {
      case "-h":
      case "--help":
        return "help";
      case "--listen":
        listen = value();
        break;
      case "--open":
        if (eq > 0) throw new UsageError("--open takes no value");
        open = true;
        break;
      case "--poll-ms":
        pollText = value();
        break;
      case "--registry":
        registryRoot = value();
        break;
      default:
        throw new UsageError(`ui does not take '${arg}'`);
    }
  }
  let pollMs: number = bounds.default;
  if (pollText !== undefined) {
    pollMs = Number(pollText);
    if (!/^\d+$/.test(pollText) || pollMs < bounds.min || pollMs > bounds.max) {
      throw new UsageError(
        `--poll-ms must be ${bounds.min}..${bounds.max} (cohsh's tail bounds), got '${pollText}'`,
      );
    }
  }
  return { listen: parseListen(listen), open, pollMs, registryRoot };
}

/** The program that opens a URL on this platform. */
function opener(): { command: string; args: (url: string) => string[] } {
  switch (Deno.build.os) {
    case "darwin":
      return { command: "open", args: (url) => [url] };
    case "windows":
      return { command: "explorer", args: (url) => [url] };
    default:
      return { command: "xdg-open", args: (url) => [url] };
  }
}

async function openBrowser(url: string, ctx: CommandContext): Promise<void> {
  const { command, args } = opener();
  const status = await Deno.permissions.query({ name: "run", command });
  if (status.state !== "granted") {
    await ctx.io.err(`cohesix ui: --open needs --allow-run=${command}; open the URL yourself\n`);
    return;
  }
  try {
    const child = new Deno.Command(command, { args: args(url), stdout: "null", stderr: "null" })
      .spawn();
    child.unref();
  } catch {
    await ctx.io.err(`cohesix ui: could not start ${command}; open the URL yourself\n`);
  }
}

/**
 * The Queen the UI works on. Over TCP: `cohesix sh`'s shell session, attached at once, shared by
 * the UI's reads and writes and its console panel (the Queen takes one console client). The mock
 * and a mount: the CLI's backend (the panel gets its own shell over the same namespace).
 */
async function openUiQueen(
  ctx: CommandContext,
  signal: AbortSignal,
  defaults: CohesixDefaults,
): Promise<{ backend: Backend; console: ConsoleRunner | undefined; choice: BackendChoice }> {
  const choice = backendChoiceOf(ctx.globals, defaults);
  if (choice.kind !== "tcp") {
    const { backend } = await openCliBackend(ctx, { signal, defaults });
    return { backend, console: undefined, choice };
  }
  const shell = await openShell(ctx, { diag: (line) => void ctx.io.err(`${line}\n`), defaults });
  const shared = new SharedConsole(shell.session, {
    defaults,
    role: choice.role,
    ticket: choice.ticket,
    closeShell: () => shell.close(),
  });
  try {
    await shared.connect(signal);
  } catch (error) {
    await shell.close();
    throw error;
  }
  return { backend: shared.backend, console: shared.runner, choice: shell.choice };
}

/** `cohesix ui`. */
export const command: CliCommand = {
  name: "ui",
  summary: "serve the hive at a glance in a browser (local page, live)",
  async run(argv, ctx) {
    if (argv.some((arg) => arg === "-h" || arg === "--help")) {
      await ctx.io.out(HELP);
      return 0;
    }
    // `--policy FILE` (a cohsh policy, hash-checked) sets the poll bounds, retry and heartbeat.
    const settings = await shellSettings(ctx);
    const args = parseUiArgs(argv, settings.tailPollMs);
    if (args === "help") {
      await ctx.io.out(HELP);
      return 0;
    }
    const { listen } = args;
    const where = hostHeaderOf(listen.hostname, listen.port);
    await requirePermissions([{
      what: `serving the page on ${where}`,
      descriptor: { name: "net", host: where },
      // Port 0 picks a free port at run time: only a grant for the whole host covers it.
      flag: `--allow-net=${
        listen.port === 0 ? hostHeaderOf(listen.hostname, 0).replace(/:0$/, "") : where
      }`,
    }]);
    using interrupt = ctx.io.trapInterrupt();
    const { backend, console, choice } = await openUiQueen(ctx, interrupt, settings.defaults);
    await using _backend = backend;
    const secrets = consoleSecretsOf(choice, (name) => ctx.io.env(name));
    await using server = await UiServer.start({
      backend,
      defaults: settings.defaults,
      ...(console === undefined ? {} : { console }),
      listen,
      pollMs: args.pollMs,
      target: describeBackend(choice),
      registryRoot: args.registryRoot,
      secrets,
    });
    await ctx.io.out(`cohesix ui: ${server.url}\n`);
    if (!isLoopback(listen)) {
      await ctx.io.err(
        `cohesix ui: warning: listening on ${listen.hostname}, not loopback; anyone who can reach it and has the URL can operate the Queen\n`,
      );
    }
    await ctx.io.err(
      `cohesix ui: reading ${describeBackend(choice)} every ${args.pollMs} ms; Ctrl-C stops\n`,
    );
    if (args.open) await openBrowser(server.url, ctx);
    await new Promise<void>((resolve) => {
      if (interrupt.aborted) resolve();
      interrupt.addEventListener("abort", () => resolve(), { once: true });
    });
    await server.close();
    await ctx.io.err("cohesix ui: stopped\n");
    return 0;
  },
};
