/**
 * The Queen-wide state every console connection shares (namespace, ATTACH guard, clock, ticket
 * check, bounds), built in one place for the TCP console server and the in-process console.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import type { TicketRole } from "../wire/ticket.ts";
import { verifyTicket } from "../wire/ticket_mint.ts";
import { AttachGuard } from "./attach_guard.ts";
import type { QueenState } from "./console_session.ts";
import type { QueenNamespacePort } from "./namespace_port.ts";
import { QUEEN_LIMITS, type QueenLimits } from "./queen_limits.ts";

/** The ticket secrets of release 0.3.0-alpha2 (`[[tickets]]` of `configs/root_task.toml`). */
export const RELEASE_TICKET_SECRETS: Readonly<Record<TicketRole, string>> = Object.freeze({
  "queen": "bootstrap",
  "worker-heartbeat": "worker",
  "worker-gpu": "worker-gpu",
  "worker-bus": "worker-bus",
  "worker-lora": "worker-lora",
});

/** Inputs of {@link createQueenState}. */
export interface QueenStateOptions {
  /** The namespace served. */
  readonly namespace: QueenNamespacePort;
  /** Server clock in server milliseconds. */
  readonly now: () => number;
  /** Per-role ticket secrets; default {@link RELEASE_TICKET_SECRETS}. */
  readonly secrets?: Partial<Record<TicketRole, string>>;
  /** Manifest bounds; default {@link DEFAULTS}. */
  readonly defaults?: CohesixDefaults;
  /** Queen-internal limits; default {@link QUEEN_LIMITS}. */
  readonly limits?: QueenLimits;
}

/** The shared state of one Queen. */
export function createQueenState(options: QueenStateOptions): QueenState {
  const secrets = { ...RELEASE_TICKET_SECRETS, ...options.secrets };
  const limits = options.limits ?? QUEEN_LIMITS;
  return {
    namespace: options.namespace,
    guard: new AttachGuard(limits),
    now: options.now,
    verifyTicket: (ticket, role) => {
      const claims = verifyTicket(ticket, secrets[role]);
      return claims?.role === role ? claims : undefined;
    },
    defaults: options.defaults ?? DEFAULTS,
    limits,
  };
}
