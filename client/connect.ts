/**
 * Opening a backend from a choice of Queen: the in-memory or persisted mock, a mounted namespace,
 * or the TCP console. Shared by the examples and the `cohesix` CLI, so the console defaults, the
 * auth-token resolution (OPERATIONS.md §1.5) and the permission plan are defined once.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import {
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  DEFAULT_CONSOLE_TOKEN,
} from "../transport/console_defaults.ts";
import {
  envNeeds,
  netNeed,
  type PermissionNeed,
  readNeed,
  requirePermissions,
  writeNeed,
} from "../core/permissions.ts";

/** Environment variables the auth token is read from, in order (after `--auth-token`). */
export const TOKEN_VARIABLES: readonly string[] = ["COH_AUTH_TOKEN", "COHSH_AUTH_TOKEN"];

/** The token used when neither the flag nor the environment gives one (as coh and Python). */
export const FALLBACK_TOKEN: string = DEFAULT_CONSOLE_TOKEN;

/** Default Queen console address (the Python examples' defaults, the transport's default). */
export const DEFAULT_TCP_HOST: string = DEFAULT_CONSOLE_HOST;
/** Default Queen console port. */
export const DEFAULT_TCP_PORT: number = DEFAULT_CONSOLE_PORT;

/** Which backend the flags select, and its settings. */
export type BackendChoice =
  | { readonly kind: "mock"; readonly root: string | undefined; readonly includeMig: boolean }
  | { readonly kind: "filesystem"; readonly root: string }
  | {
    readonly kind: "tcp";
    readonly host: string;
    readonly port: number;
    /** The explicit `--auth-token`, trimmed; `undefined` means: read the environment. */
    readonly authToken: string | undefined;
    readonly role: string;
    readonly ticket: string | undefined;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
  };

/** The permissions a backend choice needs. */
export function backendNeeds(choice: BackendChoice): PermissionNeed[] {
  switch (choice.kind) {
    case "mock":
      return choice.root === undefined ? [] : [
        readNeed(`loading the mock state in ${choice.root}`, choice.root),
        writeNeed(`saving the mock state in ${choice.root}`, choice.root),
      ];
    case "filesystem":
      return [
        readNeed(`reading the namespace at ${choice.root}`, choice.root),
        writeNeed(`writing the namespace at ${choice.root}`, choice.root),
      ];
    case "tcp":
      return [
        netNeed(
          `connecting to the Queen at ${choice.host}:${choice.port}`,
          choice.host,
          choice.port,
        ),
        ...(choice.authToken === undefined
          ? envNeeds(
            `reading the auth token from ${TOKEN_VARIABLES.join("/")} (or pass --auth-token)`,
            TOKEN_VARIABLES,
          )
          : []),
      ];
  }
}

/**
 * The console token: `--auth-token` (trimmed, non-empty), else `COH_AUTH_TOKEN`, else
 * `COHSH_AUTH_TOKEN` (each trimmed, if non-empty), else `changeme` — as coh and the Python
 * examples resolve it.
 */
export function resolveAuthToken(
  explicit: string | undefined,
  readEnv: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const flag = explicit?.trim();
  if (flag) return flag;
  for (const name of TOKEN_VARIABLES) {
    const value = readEnv(name)?.trim();
    if (value) return value;
  }
  return FALLBACK_TOKEN;
}

/**
 * The secrets a run over `choice` must never print: the console token (as the backend will
 * resolve it) and the ticket; none for the mock and a mount. Without permission to read the
 * token's variables there is nothing to mask: that token could not have been sent either.
 */
export function consoleSecretsOf(
  choice: BackendChoice,
  readEnv?: (name: string) => string | undefined,
): string[] {
  if (choice.kind !== "tcp") return [];
  let token: string | undefined;
  try {
    token = resolveAuthToken(choice.authToken, readEnv);
  } catch {
    token = choice.authToken;
  }
  return [token, choice.ticket].filter((secret): secret is string => secret !== undefined);
}

/**
 * Checks the backend's permissions, then opens it. Close it with `await using` or `close()`.
 * Only the chosen backend's modules are loaded (a mock run never loads the TCP stack, a TCP run
 * never loads the Queen model): start-up is most of what a one-shot command costs.
 */
export async function openBackend(
  choice: BackendChoice,
  options: { defaults?: CohesixDefaults; signal?: AbortSignal } = {},
): Promise<Backend> {
  await requirePermissions(backendNeeds(choice));
  const defaults = options.defaults ?? DEFAULTS;
  switch (choice.kind) {
    case "mock": {
      const { MockBackend } = await import("../backends/mock.ts");
      return choice.root === undefined
        ? new MockBackend({ includeMig: choice.includeMig, defaults })
        : await MockBackend.open({ root: choice.root, includeMig: choice.includeMig, defaults });
    }
    case "filesystem": {
      const { FilesystemBackend } = await import("../backends/filesystem.ts");
      return await FilesystemBackend.open(choice.root, { defaults });
    }
    case "tcp": {
      const { TcpBackend } = await import("../backends/tcp.ts");
      return await TcpBackend.connect({
        host: choice.host,
        port: choice.port,
        authToken: resolveAuthToken(choice.authToken),
        role: choice.role,
        ...(choice.ticket === undefined ? {} : { ticket: choice.ticket }),
        timeoutMs: choice.timeoutMs,
        maxAttempts: choice.maxAttempts,
        defaults,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
  }
}

/** Where a backend choice points, for messages (`the mock Queen`, `the Queen at H:P`, …). */
export function describeBackend(choice: BackendChoice): string {
  switch (choice.kind) {
    case "mock":
      return choice.root === undefined ? "the mock Queen" : `the mock Queen in ${choice.root}`;
    case "filesystem":
      return `the namespace mounted at ${choice.root}`;
    case "tcp":
      return `the Queen at ${choice.host}:${choice.port}`;
  }
}
