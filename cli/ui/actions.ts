/**
 * The actions the page can take, each through the same client operation as the CLI: lease a
 * GPU, spawn a heartbeat worker, kill a worker, cordon or resume the node, activate a model or
 * roll back, and run a console line. Actions run one at a time; each one's coh-style audit lines
 * (also when it fails, up to the failure) go to the audit pane, bounded. Stopping the UI does not
 * abort an action in flight (a write cut mid-way would leave its fate unknown): it waits for it.
 *
 * @module
 */

import type { Backend } from "../../backends/backend.ts";
import { CohesixAudit } from "../../client/audit.ts";
import { CohesixClient } from "../../client/client.ts";
import { lifecycleControl } from "../../client/lifecycle.ts";
import { spawnHeartbeat } from "../../client/worker_spawn.ts";
import type { CohesixDefaults } from "../../core/defaults.ts";
import { CohesixError, ValidationError } from "../../core/errors.ts";
import { readNeed, requirePermissions, writeNeed } from "../../core/permissions.ts";
import type { ConsoleRunner } from "./console_runner.ts";
import type { ShownError } from "./hive_snapshot.ts";
import { shownError } from "./shown_error.ts";

/** Audit lines kept for the pane. */
export const AUDIT_LINES_KEPT = 200;
/** Console output lines returned for one line. */
const CONSOLE_LINES_KEPT = 200;

/** The names of the actions (`POST /api/actions/<name>`). */
export const ACTION_NAMES = [
  "lease",
  "spawn",
  "kill",
  "lifecycle",
  "activate",
  "rollback",
  "console",
] as const;

/** One action name. */
export type ActionName = typeof ACTION_NAMES[number];

/** What an action answered. */
export type ActionResult =
  | { readonly ok: true; readonly audit: readonly string[]; readonly output?: readonly string[] }
  | { readonly ok: false; readonly audit: readonly string[]; readonly error: ShownError };

/** What the actions need. */
export interface ActionsOptions {
  /** The backend shared with the poller. */
  readonly backend: Backend;
  /** The bounds in force. */
  readonly defaults: CohesixDefaults;
  /** The local model registry (activate, roll back). */
  readonly registryRoot: string;
  /** The console panel's shell. */
  readonly console: ConsoleRunner;
  /** Called after an action changed (or may have changed) the Queen. */
  readonly onChange: () => void;
}

type Body = Readonly<Record<string, unknown>>;

function text(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(`${key} must be a non-empty string`);
  }
  return value.trim();
}

function integer(body: Body, key: string): number;
function integer(body: Body, key: string, optional: true): number | undefined;
function integer(body: Body, key: string, optional = false): number | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === "") {
    if (optional) return undefined;
    throw new ValidationError(`${key} is required`);
  }
  const number = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof number !== "number" || !Number.isInteger(number)) {
    throw new ValidationError(`${key} must be an integer`);
  }
  return number;
}

/** Runs the page's actions; see the module doc. */
export class UiActions {
  readonly #options: ActionsOptions;
  readonly #client: CohesixClient;
  readonly #audit: string[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  /** Creates the action runner. */
  constructor(options: ActionsOptions) {
    this.#options = options;
    this.#client = new CohesixClient(options.backend, options.defaults);
  }

  /** The audit pane's lines, oldest first. */
  get auditLines(): readonly string[] {
    return this.#audit;
  }

  /** Whether `name` is an action. */
  static isAction(name: string): name is ActionName {
    return (ACTION_NAMES as readonly string[]).includes(name);
  }

  /** Waits for the actions already started. */
  async drain(): Promise<void> {
    await this.#queue;
  }

  /** Runs action `name` with `body`, after the ones already running. */
  run(name: ActionName, body: Body): Promise<ActionResult> {
    const next = this.#queue.then(() => this.#run(name, body));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #run(name: ActionName, body: Body): Promise<ActionResult> {
    const audit = new CohesixAudit();
    try {
      if (name === "console") {
        const line = text(body, "line");
        const output = await this.#options.console.execute(line);
        this.#options.onChange();
        return { ok: true, audit: [], output: output.slice(-CONSOLE_LINES_KEPT) };
      }
      await this.#operation(name, body, audit);
      this.#record(audit.lines);
      this.#options.onChange();
      return { ok: true, audit: audit.lines };
    } catch (error) {
      const shown = shownError(error);
      if (name !== "console") {
        this.#record([...audit.lines, `error: ${shown.message}`]);
        // A write may have reached the Queen before the failure: show what is there now.
        if (!(error instanceof ValidationError)) this.#options.onChange();
      }
      if (!(error instanceof CohesixError)) console.error(error);
      return { ok: false, audit: audit.lines, error: shown };
    }
  }

  async #operation(
    name: Exclude<ActionName, "console">,
    body: Body,
    audit: CohesixAudit,
  ): Promise<void> {
    const { backend, defaults, registryRoot } = this.#options;
    switch (name) {
      case "lease": {
        const priority = integer(body, "priority", true);
        await this.#client.gpuLease(
          {
            gpuId: text(body, "gpuId"),
            memMb: integer(body, "memMb"),
            streams: integer(body, "streams"),
            ttlS: integer(body, "ttlS"),
            ...(priority === undefined ? {} : { priority }),
          },
          { audit },
        );
        return;
      }
      case "spawn":
        await spawnHeartbeat(backend, defaults, { ticks: integer(body, "ticks") }, { audit });
        return;
      case "kill":
        await this.#client.queenKill(text(body, "workerId"), { audit });
        return;
      case "lifecycle": {
        const command = text(body, "command");
        if (command !== "cordon" && command !== "resume") {
          throw new ValidationError(`the page offers cordon and resume, not '${command}'`, {
            hint: "run other lifecycle commands from the console panel or cohesix sh",
          });
        }
        await lifecycleControl(backend, defaults, command, { audit });
        return;
      }
      case "activate":
        await this.#requireRegistry();
        await this.#client.peftActivate(text(body, "modelId"), registryRoot, { audit });
        return;
      case "rollback":
        await this.#requireRegistry();
        await this.#client.peftRollback(registryRoot, { audit });
        return;
    }
  }

  #requireRegistry(): Promise<void> {
    const root = this.#options.registryRoot;
    return requirePermissions([
      readNeed(`reading the model registry ${root}`, root),
      writeNeed(`writing the model registry ${root}`, root),
    ]);
  }

  #record(lines: readonly string[]): void {
    this.#audit.push(...lines);
    if (this.#audit.length > AUDIT_LINES_KEPT) {
      this.#audit.splice(0, this.#audit.length - AUDIT_LINES_KEPT);
    }
  }
}
