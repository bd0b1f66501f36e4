/**
 * A tiny in-memory {@link Backend} for the client unit tests: files and directory listings in
 * maps, every call logged in console form (`LS p`, `CAT p`, `ECHO p payload`), ECHO payloads
 * checked with the same rules as every real backend, and hooks to script Queen behaviour.
 *
 * @module
 */

import type { Backend, CallOptions } from "../backends/backend.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { CommandError } from "../core/errors.ts";
import { readCapError } from "../core/read_caps.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";

const encoder = new TextEncoder();

/** In-memory backend; see the module doc. */
export class FakeBackend implements Backend {
  /** Always `fake`. */
  readonly kind = "fake";
  /** File contents by absolute path. */
  readonly files: Map<string, Uint8Array> = new Map();
  /** Directory listings by absolute path, in the order they are returned. */
  readonly dirs: Map<string, string[]> = new Map();
  /** Every call, in console form. */
  readonly calls: string[] = [];
  /** Called after an ECHO is stored (e.g. to create a segment on a ctl write). */
  onWrite?: (path: string, text: string) => void;
  /** Calls whose console form matches are answered with an `ERR` of that verb. */
  failWhen?: (call: string) => boolean;
  /** Whether {@link close} was called. */
  closed = false;
  readonly #defaults: CohesixDefaults;

  /** Creates an empty namespace. */
  constructor(defaults: CohesixDefaults = DEFAULTS) {
    this.#defaults = defaults;
  }

  /** Stores `text` at `path`. */
  put(path: string, text: string | Uint8Array): void {
    this.files.set(path, typeof text === "string" ? encoder.encode(text) : text);
  }

  #fail(verb: string, call: string, path: string): void {
    if (this.failWhen?.(call)) {
      const line = `ERR ${verb} reason=policy detail=invalid-path path=${path}`;
      throw new CommandError(verb, { label: verb, reason: "policy", path, line });
    }
  }

  /** See {@link Backend.listDir}. */
  listDir(path: string, _options?: CallOptions): Promise<string[]> {
    const call = `LS ${path}`;
    this.calls.push(call);
    this.#fail("LS", call, path);
    const listing = this.dirs.get(path);
    if (!listing) {
      const line = `ERR LS reason=policy detail=invalid-path path=${path} error=invalid path`;
      return Promise.reject(new CommandError("LS", { label: "LS", path, line }));
    }
    return Promise.resolve([...listing]);
  }

  /** See {@link Backend.readFile}. */
  readFile(path: string, maxBytes: number, _options?: CallOptions): Promise<Uint8Array> {
    const call = `CAT ${path}`;
    this.calls.push(call);
    this.#fail("CAT", call, path);
    const data = this.files.get(path);
    if (!data) {
      const line = `ERR CAT reason=policy detail=invalid-path path=${path} error=invalid path`;
      return Promise.reject(new CommandError("CAT", { label: "CAT", path, line }));
    }
    if (data.length > maxBytes) {
      return Promise.reject(readCapError(path, maxBytes));
    }
    return Promise.resolve(data.slice());
  }

  /** See {@link Backend.writeAppend}. */
  writeAppend(path: string, payload: Uint8Array, _options?: CallOptions): Promise<number> {
    const text = normalizeEchoPayload(payload, this.#defaults);
    const call = `ECHO ${path} ${text}`;
    this.calls.push(call);
    this.#fail("ECHO", call, path);
    const old = this.files.get(path) ?? new Uint8Array();
    const added = encoder.encode(`${text}\n`);
    const next = new Uint8Array(old.length + added.length);
    next.set(old);
    next.set(added, old.length);
    this.files.set(path, next);
    this.onWrite?.(path, text);
    return Promise.resolve(payload.length);
  }

  /** See {@link Backend.close}. */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
