/**
 * A console over a mounted namespace (`--fs-root`, e.g. a `coh mount`): the shell's lines are
 * parsed by the Queen's own console parser and answered from the mount with the Queen's ack
 * shapes (`OK LS path=… entries=…`, `OK CAT path=… data=…`, `OK ECHO path=… bytes=…`). A mount
 * has no console session, so `ATTACH` is accepted locally (the mount is already authorised),
 * `quit` closes, and verbs only a console has (`PING`, `SPAWN`, `KILL`, …) fail with a typed
 * error that names the flags to use instead.
 *
 * @module
 */

import type { FilesystemBackend } from "../../backends/filesystem.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { AbortedError, CommandError, OperationError } from "../../core/errors.ts";
import { catSummary, splitNodeLines } from "../../queen/cat_text.ts";
import { parsePayload } from "../../server/command_parser.ts";
import type { ConsoleLink } from "./console_link.ts";
import { LinkLostError } from "./console_link.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The console verbs a mount can answer. */
const MOUNT_VERBS = "ls, cat, tail, log and echo (and the commands that write /queen/ctl)";

/** A {@link ConsoleLink} answered from a mounted namespace. */
export class MountLink implements ConsoleLink {
  readonly where: string;
  readonly #backend: FilesystemBackend;
  readonly #defaults: CohesixDefaults;
  #open = false;
  #pending: string[] = [];

  /** A link over `backend` (the caller owns and closes it). */
  constructor(backend: FilesystemBackend, defaults: CohesixDefaults = DEFAULTS) {
    this.#backend = backend;
    this.#defaults = defaults;
    this.where = `the namespace mounted at ${backend.root}`;
  }

  get open(): boolean {
    return this.#open;
  }

  get buffered(): boolean {
    return this.#pending.length > 0;
  }

  connect(): Promise<string[]> {
    this.#open = true;
    this.#pending = [];
    return Promise.resolve(["OK AUTH"]);
  }

  async send(payload: Uint8Array): Promise<void> {
    if (!this.#open) throw new LinkLostError("connection closed by peer");
    if (payload.length > this.#defaults.console.maxLineLen) {
      this.#pending.push("ERR FRAME reason=invalid-length");
      return;
    }
    const outcome = parsePayload(payload, this.#defaults);
    if (!outcome.ok) {
      this.#pending.push(`ERR PARSE reason=policy detail=${outcome.message}`);
      return;
    }
    const command = outcome.command;
    const verb = command.verb;
    try {
      switch (verb) {
        case "ATTACH":
          this.#pending.push(`OK ATTACH role=${command.role}`);
          return;
        case "QUIT":
          this.#pending.push("OK QUIT");
          return;
        case "LS": {
          const names = await this.#backend.listDir(command.path);
          this.#pending.push(`OK LS path=${command.path} entries=${names.length}`, ...names, "END");
          return;
        }
        case "CAT":
        case "TAIL":
        case "LOG": {
          const path = "path" in command ? command.path : "/log/queen.log";
          const bytes = await this.#backend.readFile(path, this.#defaults.readCaps.maxDirListBytes);
          const lines = splitNodeLines(decoder.decode(bytes));
          const ack = verb === "CAT"
            ? `OK CAT path=${path} data=${catSummary(lines, path)}`
            : `OK ${verb === "LOG" ? "LOG" : "TAIL"} path=${path}`;
          this.#pending.push(ack, ...lines.filter((line) => line.trim() !== ""), "END");
          return;
        }
        case "ECHO": {
          const written = await this.#backend.writeAppend(
            command.path,
            encoder.encode(`${command.payload}\n`),
          );
          this.#pending.push(`OK ECHO path=${command.path} bytes=${written - 1}`);
          return;
        }
        default:
          throw new OperationError(
            `${verb} needs a Queen console; a mounted namespace (--fs-root) answers only ` +
              MOUNT_VERBS,
            { hint: "use --tcp-host/--tcp-port for the Queen's console, or --mock" },
          );
      }
    } catch (error) {
      if (error instanceof OperationError) throw error;
      const path = "path" in command ? command.path : undefined;
      this.#pending.push(errLine(verb, path, error));
    }
  }

  next(_timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(new AbortedError("interrupted"));
    const line = this.#pending.shift();
    if (line !== undefined) return Promise.resolve(line);
    return Promise.reject(new LinkLostError("the mount sent no further reply"));
  }

  close(): void {
    this.#open = false;
    this.#pending = [];
  }
}

/** The Queen-shaped `ERR` line for a failed mount call. */
function errLine(verb: string, path: string | undefined, error: unknown): string {
  if (error instanceof CommandError) return error.server.line;
  const message = error instanceof Error
    ? ("summary" in error ? String(error.summary) : error.message)
    : String(error);
  const where = path === undefined ? "" : ` path=${path}`;
  return `ERR ${verb} reason=io detail=mount-error${where} error=${
    message.replace(/[\r\n]+/g, " ")
  }`;
}
