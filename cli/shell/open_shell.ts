/**
 * Opening a cohsh shell from the global flags: the TCP console (host, port and token from the
 * flags, else cohsh's environment variables, else the defaults), the in-process mock Queen, or a
 * mounted namespace. Every permission is checked first, before any I/O. Closing sends `quit`
 * when a session is attached (cohsh does not: a queen session dropped without it cuts root for
 * every worker), closes the link and persists a `--mock-root` state.
 *
 * @module
 */

import type { FilesystemBackend } from "../../backends/filesystem.ts";
import type { MockBackend } from "../../backends/mock.ts";
import {
  type BackendChoice,
  backendNeeds,
  DEFAULT_TCP_HOST,
  DEFAULT_TCP_PORT,
  resolveAuthToken,
} from "../../client/connect.ts";
import type { CohesixDefaults } from "../../core/defaults.ts";
import { UsageError } from "../../core/errors.ts";
import { requirePermissions } from "../../core/permissions.ts";
import type { CommandContext } from "../command.ts";
import { backendChoiceOf } from "../global_flags.ts";
import { openCliBackend } from "../open_backend.ts";
import { CohshConsole } from "./cohsh_console.ts";
import { type ConsoleLink, MockLink, TcpLink } from "./console_link.ts";
import { shellSettings } from "./shell_policy.ts";
import { ShellSession } from "./shell_session.ts";

/** A shell and what it holds open. Dispose it to end the session cleanly. */
export interface OpenedShell extends AsyncDisposable {
  /** The shell. */
  readonly session: ShellSession;
  /** Which Queen it talks to. */
  readonly choice: BackendChoice;
  /** Ends the session (`quit` if attached), closes the link and the backend; idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openShell}. */
export interface OpenShellOptions {
  /** cohsh's stderr lines; default: written to the context's stderr. */
  readonly diag?: (line: string) => void;
  /** The shell runs a script. */
  readonly scriptMode?: boolean;
  /** Bounds. */
  readonly defaults?: CohesixDefaults;
  /** Sleeps between reconnect attempts (tests shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The backend choice with cohsh's environment as a fallback for absent flags:
 * `COHSH_TCP_HOST`, `COHSH_TCP_PORT` (flags win, unlike cohsh, where the port variable beats
 * the flag).
 */
export function shellChoiceOf(ctx: CommandContext, defaults: CohesixDefaults): BackendChoice {
  const choice = backendChoiceOf(ctx.globals, defaults);
  if (choice.kind !== "tcp") return choice;
  let { host, port } = choice;
  if (ctx.globals.values.host === undefined) {
    const envHost = ctx.io.env("COHSH_TCP_HOST")?.trim();
    if (envHost) host = envHost;
  }
  if (ctx.globals.values.port === undefined) {
    const envPort = ctx.io.env("COHSH_TCP_PORT")?.trim();
    if (envPort !== undefined && /^\d{1,5}$/.test(envPort) && Number(envPort) <= 65535) {
      port = Number(envPort);
    }
  }
  if (host === "") throw new UsageError("--tcp-host must not be empty");
  return host === choice.host && port === choice.port ? choice : { ...choice, host, port };
}

/** Opens the shell the global flags select (nothing is sent until the first attach). */
export async function openShell(
  ctx: CommandContext,
  options: OpenShellOptions = {},
): Promise<OpenedShell> {
  const defaults = options.defaults ?? (await shellSettings(ctx)).defaults;
  const choice = shellChoiceOf(ctx, defaults);
  let link: ConsoleLink;
  let backend: MockBackend | FilesystemBackend | undefined;
  if (choice.kind === "tcp") {
    await requirePermissions(backendNeeds(choice));
    link = new TcpLink({
      host: choice.host || DEFAULT_TCP_HOST,
      port: choice.port || DEFAULT_TCP_PORT,
      authToken: resolveAuthToken(choice.authToken, (name) => ctx.io.env(name)),
      timeoutMs: choice.timeoutMs,
      defaults,
    });
  } else {
    // `defaults` already carry the cohsh policy (shellSettings).
    const opened = await openCliBackend(ctx, { defaults, policy: "applied" });
    if (choice.kind === "mock") {
      backend = opened.backend as MockBackend;
      link = new MockLink(backend.namespace, defaults);
    } else {
      backend = opened.backend as FilesystemBackend;
      const { MountLink } = await import("./mount_link.ts");
      link = new MountLink(backend, defaults);
    }
  }
  const diag = options.diag ?? ((line: string) => void ctx.io.err(`${line}\n`));
  const console = new CohshConsole(link, {
    defaults,
    ...(ctx.globals.timeoutMs === undefined ? {} : { timeoutMs: ctx.globals.timeoutMs }),
    diag,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const session = new ShellSession(console, {
    defaults,
    diag,
    // The self-test runner (and the script engine under it) loads only when `test` runs.
    selftest: async (...args) => (await import("./selftest.ts")).runSelftestCommand(...args),
    scriptMode: options.scriptMode ?? false,
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        await session.quitQuietly();
      } finally {
        console.close();
        await backend?.close();
      }
    })();
    return closing;
  };
  return { session, choice, close, [Symbol.asyncDispose]: close };
}
