/**
 * `MockBackend`: a Queen in memory. It wraps a {@link QueenNamespace} and behaves exactly like
 * `TcpBackend` against a Queen in the same state, minus the socket: the same path validation,
 * the same console limits on writes, the same read joining and `CommandError`s. With `root`
 * (via {@link MockBackend.open}) its state persists in a JSON file, written atomically after
 * every write and on close.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { AbortedError, CommandError, ConnectionError, LocalFileError } from "../core/errors.ts";
import { readCapError } from "../core/read_caps.ts";
import { writeFileAtomicSync } from "../core/atomic_file.ts";
import { fileError, requirePathPermission } from "../core/permissions.ts";
import { validatePath } from "../core/paths.ts";
import { parseAck, serverErrorFields } from "../wire/ack.ts";
import { encodeCommandLine } from "../wire/command_line.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import type { Backend, CallOptions } from "./backend.ts";
import { explainRefusedWrite, isRefusedWrite, LIFECYCLE_STATE_PATH } from "./write_refusal.ts";

export type { Backend, CallOptions } from "./backend.ts";
import {
  NamespaceError,
  QueenNamespace,
  type QueenNamespaceSnapshot,
} from "../queen/queen_namespace.ts";

export { NamespaceError, QueenNamespace } from "../queen/queen_namespace.ts";
export type {
  CatResult,
  FileRole,
  LifecycleState,
  NamespaceErrorTag,
  QueenNamespaceLimits,
  QueenNamespaceOptions,
  QueenNamespaceSnapshot,
  TreeNodeSnapshot,
  WorkerSnapshot,
} from "../queen/queen_namespace.ts";

/** Name of the state file `MockBackend.open({ root })` keeps under `root`. */
export const MOCK_STATE_FILE = "queen-namespace.json";

/** Options of a {@link MockBackend}. */
export interface MockBackendOptions {
  /** Starting content when no saved state exists: `demo` (default) or `queen`. */
  seed?: "demo" | "queen";
  /** Adds MIG-0 to the demo seed. */
  includeMig?: boolean;
  /** Directory holding the persisted state (only with {@link MockBackend.open}). */
  root?: string;
  /** Manifest bounds; defaults to {@link DEFAULTS}. */
  defaults?: CohesixDefaults;
  /** Serve this namespace instead of seeding a new one. */
  namespace?: QueenNamespace;
}

const encoder = new TextEncoder();

/** An in-memory Queen behind the {@link Backend} interface. */
export class MockBackend implements Backend {
  /** Always `mock`. */
  readonly kind = "mock" as const;
  /** The namespace this backend serves (shared with a console server if passed in). */
  readonly namespace: QueenNamespace;
  readonly #defaults: CohesixDefaults;
  #statePath: string | undefined;
  #closed = false;

  /** Creates an in-memory, deterministic mock (nothing is persisted). */
  constructor(options: Omit<MockBackendOptions, "root"> = {}) {
    this.#defaults = options.defaults ?? DEFAULTS;
    const nsOptions = { defaults: this.#defaults, includeMig: options.includeMig ?? false };
    this.namespace = options.namespace ??
      new QueenNamespace({ ...nsOptions, seed: options.seed ?? "demo" });
  }

  /**
   * Opens a mock. With `root`, loads `root/queen-namespace.json` if present (else seeds) and
   * persists there; needs `--allow-read=ROOT` and `--allow-write=ROOT`.
   */
  static async open(options: MockBackendOptions = {}): Promise<MockBackend> {
    const { root, ...rest } = options;
    if (root === undefined) return new MockBackend(rest);
    await requirePathPermission("read", root, `loading the mock state in ${root}`);
    await requirePathPermission("write", root, `saving the mock state in ${root}`);
    const statePath = `${root.replace(/\/+$/, "") || "/"}/${MOCK_STATE_FILE}`;
    let namespace = rest.namespace;
    if (namespace === undefined) {
      const saved = readState(statePath, root);
      if (saved !== undefined) {
        try {
          namespace = QueenNamespace.fromJSON(saved, { defaults: rest.defaults ?? DEFAULTS });
        } catch (cause) {
          throw new LocalFileError(`mock state ${statePath} is not a namespace snapshot`, {
            cause,
            hint: "delete the file to start from the seed again",
          });
        }
      }
    }
    const backend = new MockBackend(namespace === undefined ? rest : { ...rest, namespace });
    backend.#statePath = statePath;
    try {
      Deno.mkdirSync(root, { recursive: true });
    } catch (cause) {
      throw fileError("create the mock state folder", root, cause, { access: "write" });
    }
    backend.#persist();
    return backend;
  }

  /** LS `path`: entries in the Queen's insertion order. */
  listDir(path: string, options: CallOptions = {}): Promise<string[]> {
    return this.#run(options, () => {
      validatePath(path, this.#defaults);
      return this.#namespaced("LS", () => this.namespace.ls(path));
    });
  }

  /**
   * CAT `path`: body lines joined with `\n` (no trailing newline), or the `data=` summary when
   * there is no body; then the `maxBytes` check.
   */
  readFile(path: string, maxBytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    return this.#run(options, () => {
      validatePath(path, this.#defaults);
      const { lines, data } = this.#namespaced("CAT", () => this.namespace.cat(path));
      // The console never sends empty or whitespace-only lines (PROTOCOL.md §4.5).
      const sent = lines.filter((line) => line.trim().length > 0);
      const bytes = encoder.encode(sent.length > 0 ? sent.join("\n") : data);
      if (bytes.length > maxBytes) {
        throw readCapError(path, maxBytes);
      }
      return bytes;
    });
  }

  /**
   * ECHO `payload` to `path` under the console's limits (one trailing newline stripped, one
   * ASCII line, ≤ `console.max_echo_len`, command line ≤ `console.max_line_len`). Returns the
   * caller's byte count, newline included, as coh reports it. An EPERM caused by the lifecycle
   * state is a `WriteRefusedError` saying so, as over TCP.
   */
  async writeAppend(path: string, payload: Uint8Array, options: CallOptions = {}): Promise<number> {
    try {
      return await this.#run(options, () => {
        validatePath(path, this.#defaults);
        const text = normalizeEchoPayload(payload, this.#defaults);
        encodeCommandLine(`ECHO ${path} ${text}`, this.#defaults);
        this.#namespaced("ECHO", () => this.namespace.echo(path, text.trim()));
        this.#persist();
        return payload.length;
      });
    } catch (error) {
      if (!isRefusedWrite(error)) throw error;
      throw await explainRefusedWrite(error, path, {
        role: "queen",
        hasTicket: false,
        readLifecycleState: () => this.readFile(LIFECYCLE_STATE_PATH, 256, options),
      });
    }
  }

  /** Persists the state (with `root`) and closes; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    try {
      this.#persist();
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  /** Same as {@link MockBackend.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #run<T>(options: CallOptions, body: () => T): Promise<T> {
    try {
      if (this.#closed) {
        throw new ConnectionError("mock backend is closed", { hint: "open a new MockBackend" });
      }
      if (options.signal?.aborted) {
        throw new AbortedError("mock request aborted before it ran", {
          cause: options.signal.reason,
        });
      }
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs a namespace call; a refusal becomes the `CommandError` TCP would raise. */
  #namespaced<T>(verb: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (!(error instanceof NamespaceError)) throw error;
      const ack = parseAck(error.toErrLine(verb));
      if (ack === undefined) throw error;
      throw new CommandError(verb, serverErrorFields(ack));
    }
  }

  /** Writes the state atomically (temp file + rename) when backed by a directory. */
  #persist(): void {
    const statePath = this.#statePath;
    if (statePath === undefined) return;
    writeFileAtomicSync(statePath, `${JSON.stringify(this.namespace.toJSON())}\n`);
  }
}

/** The saved state, read synchronously like it is written (local metadata-sized I/O). */
function readState(statePath: string, root: string): QueenNamespaceSnapshot | undefined {
  let text: string;
  try {
    if (Deno.lstatSync(statePath).isSymlink) {
      throw new LocalFileError(`mock state ${statePath} is a symlink; it is never followed`, {
        hint: "remove the link (a symlinked --mock-root folder is fine, a symlinked state file " +
          "is treated as planted)",
      });
    }
    text = Deno.readTextFileSync(statePath);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) return undefined;
    throw fileError("read the mock state", statePath, cause, { grant: root });
  }
  try {
    return JSON.parse(text) as QueenNamespaceSnapshot;
  } catch (cause) {
    throw new LocalFileError(`mock state ${statePath} is not valid JSON`, {
      cause,
      hint: "delete the file to start from the seed again",
    });
  }
}
