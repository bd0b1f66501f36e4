/**
 * Minting and verifying capability tickets (PROTOCOL.md §8.3): key = BLAKE3(secret), MAC =
 * BLAKE3 keyed_hash(key, claims bytes), text = `cohesix-ticket-<hex claims>.<hex mac>` in
 * lowercase. Kept apart from `wire/ticket.ts` so that clients, which never hold a secret, do
 * not load the hash. `mintTicketForRole` fills in the budgets `cohsh --mint-ticket` uses.
 *
 * @example Mint a worker ticket as `cohsh --mint-ticket --role worker --ticket-subject w1` does
 * ```ts
 * import { mintTicketForRole, verifyTicket } from "@cohesix/client/ticket-mint";
 * const ticket = mintTicketForRole("worker", { secret: "worker", subject: "w1" });
 * verifyTicket(ticket, "worker")?.role; // "worker-heartbeat"
 * ```
 *
 * @module
 */

import { TicketError } from "../core/errors.ts";
import { blake3, blake3KeyedHash } from "./blake3.ts";
import {
  bytesToHex,
  CLAIMS_VERSION,
  encodeClaims,
  normalizeRole,
  parseTicket,
  TICKET_PREFIX,
  type TicketClaims,
  type TicketRole,
} from "./ticket.ts";

export type { ScopeVerb, TicketClaims, TicketQuotas, TicketRole, TicketScope } from "./ticket.ts";

const encoder = new TextEncoder();

function secretBytes(secret: string | Uint8Array): Uint8Array {
  return typeof secret === "string" ? encoder.encode(secret) : secret;
}

/** The 32-byte ticket key of a role secret: BLAKE3 of its UTF-8 bytes (`TicketKey::from_secret`). */
export function deriveTicketKey(secret: string | Uint8Array): Uint8Array {
  return blake3(secretBytes(secret));
}

/** The MAC of encoded claims under a role secret. */
export function ticketMac(claimsBytes: Uint8Array, secret: string | Uint8Array): Uint8Array {
  return blake3KeyedHash(deriveTicketKey(secret), claimsBytes);
}

/** Encodes `claims` and signs them with `secret`; returns the lowercase text ticket. */
export function mintTicket(claims: TicketClaims, secret: string | Uint8Array): string {
  const claimsBytes = encodeClaims(claims);
  return `${TICKET_PREFIX}${bytesToHex(claimsBytes)}.${bytesToHex(ticketMac(claimsBytes, secret))}`;
}

/** Compares two byte arrays in time that depends only on their lengths. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/**
 * Checks a text ticket's MAC under `secret` (constant-time compare) and returns its claims, or
 * `undefined` when the ticket is malformed or the MAC does not match, as the Queen answers both
 * with `detail=denied`. Role, expiry and limits are the caller's to check.
 */
export function verifyTicket(text: string, secret: string | Uint8Array): TicketClaims | undefined {
  let parsed;
  try {
    parsed = parseTicket(text.trim());
  } catch (error) {
    if (error instanceof TicketError) return undefined;
    throw error;
  }
  return constantTimeEqual(ticketMac(parsed.claimsBytes, secret), parsed.mac)
    ? parsed.claims
    : undefined;
}

/** The budget fields of a role's minted claims. */
export interface TicketBudget {
  /** Tick budget. */
  readonly ticks?: bigint;
  /** Operation budget. */
  readonly ops?: bigint;
  /** Time to live in seconds. */
  readonly ttlS?: bigint;
}

/**
 * The budget `cohsh --mint-ticket` gives each role: queen none; worker-gpu ops 64, ttl 120 s;
 * other workers ticks 1000, ops 10000, ttl 300 s.
 */
export function ticketBudgetForRole(role: TicketRole): TicketBudget {
  if (role === "queen") return {};
  if (role === "worker-gpu") return { ops: 64n, ttlS: 120n };
  return { ticks: 1000n, ops: 10000n, ttlS: 300n };
}

/** Options of {@link mintTicketForRole}. */
export interface MintTicketOptions {
  /** The role's secret (`[[tickets]]` of the manifest; `bootstrap`, `worker`, … in the release). */
  readonly secret: string | Uint8Array;
  /** Identity to bind; required for worker roles. */
  readonly subject?: string;
  /** Issue time in milliseconds; default now (Unix time, as cohsh stamps it). */
  readonly issuedAtMs?: bigint | number;
}

/**
 * Mints a ticket for `role` (aliases and any case accepted) the way `cohsh --mint-ticket` does:
 * the role's budget, the given subject, empty mount, no scopes or quotas. Worker roles need a
 * subject ({@link TicketError} otherwise).
 */
export function mintTicketForRole(role: string, options: MintTicketOptions): string {
  const canonical = normalizeRole(role);
  // Empty means none; otherwise the subject is bound exactly as given.
  const subject = options.subject === "" ? undefined : options.subject;
  if (canonical !== "queen" && !subject?.trim()) {
    throw new TicketError(`role ${canonical} requires a ticket subject`, {
      hint: "pass a subject identity (cohsh: --ticket-subject <id>)",
    });
  }
  const issuedAtMs = options.issuedAtMs === undefined
    ? BigInt(Date.now())
    : BigInt(options.issuedAtMs);
  const claims: TicketClaims = {
    version: CLAIMS_VERSION,
    role: canonical,
    ...ticketBudgetForRole(canonical),
    ...(subject === undefined ? {} : { subject }),
    issuedAtMs,
    mountService: "",
    mountAt: "",
  };
  return mintTicket(claims, options.secret);
}
