/**
 * Capability tickets without the hash (PROTOCOL.md §8, OPERATIONS.md §7.1): roles, the
 * version-1 claims codec, the text form `cohesix-ticket-<hex claims>.<hex mac>`, the client-side
 * check `cohsh` and the Python client run before ATTACH, and the manifest limits the Queen
 * applies to claims. Minting and MAC verification live in `wire/ticket_mint.ts`, so this module
 * stays free of BLAKE3.
 *
 * Decoder messages are the Python client's (`ticket.py`), so tools can match on them.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS, type TicketLimits } from "../core/defaults.ts";
import { LimitError, TicketError, ValidationError } from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";

/** Every text ticket starts with this. */
export const TICKET_PREFIX = "cohesix-ticket-";

/** The only claims layout version there is. */
export const CLAIMS_VERSION = 1;

/** Length of the MAC in bytes (a BLAKE3 keyed hash). */
export const TICKET_MAC_LEN = 32;

/** Longest string field of the claims, in UTF-8 bytes (`MAX_MOUNT_FIELD_LEN`). */
export const MAX_TICKET_STRING_LEN = 255;

/** Most scopes the wire format carries (`MAX_SCOPE_COUNT`; the manifest allows fewer). */
export const MAX_WIRE_SCOPES = 16;

/** A canonical role. */
export type TicketRole = "queen" | "worker-heartbeat" | "worker-gpu" | "worker-bus" | "worker-lora";

/** Canonical ticket roles, in claims-code order (0 … 4). */
export const TICKET_ROLES: readonly TicketRole[] = Object.freeze([
  "queen",
  "worker-heartbeat",
  "worker-gpu",
  "worker-bus",
  "worker-lora",
]);

/** What a scope allows on the paths under it. */
export type ScopeVerb = "read" | "write" | "read-write";

/** Scope verbs, in claims-code order (0 read, 1 write, 2 read-write). */
export const SCOPE_VERBS: readonly ScopeVerb[] = Object.freeze(["read", "write", "read-write"]);

/** One ticket scope: a path prefix, what it allows, and a request rate (0 = unlimited). */
export interface TicketScope {
  /** Absolute path prefix, compared component-wise by the Queen. */
  readonly path: string;
  /** What requests under `path` may do. */
  readonly verb: ScopeVerb;
  /** Requests per second (server time) allowed under this scope; 0 = unlimited. u32. */
  readonly ratePerS: number;
}

/** Per-ticket quotas; 0 means "not set" (the Queen then applies the manifest maximum). */
export interface TicketQuotas {
  /** Lifetime byte budget of the session. u64. */
  readonly bandwidthBytes: bigint;
  /** Cursor resume reads allowed. u32. */
  readonly cursorResumes: number;
  /** Cursor advances allowed. u32. */
  readonly cursorAdvances: number;
}

/** Decoded ticket claims (PROTOCOL.md §8.2). u64 fields are `bigint`. */
export interface TicketClaims {
  /** Layout version; always {@link CLAIMS_VERSION} for tickets this module decodes. */
  readonly version: number;
  /** Role the ticket grants. */
  readonly role: TicketRole;
  /** Tick budget (flag 0x01). */
  readonly ticks?: bigint;
  /** Operation budget (flag 0x02). */
  readonly ops?: bigint;
  /** Time to live in seconds from `issuedAtMs` (flag 0x04). */
  readonly ttlS?: bigint;
  /** Identity the ticket is bound to (flag 0x08); clients require one for worker roles. */
  readonly subject?: string;
  /** Issue time in milliseconds (cohsh stamps Unix time). */
  readonly issuedAtMs: bigint;
  /** Mount service; empty when none. */
  readonly mountService: string;
  /** Mount point; empty when none. */
  readonly mountAt: string;
  /** Scopes (flag 0x10). Encoded only when non-empty, as the Rust encoder does. */
  readonly scopes?: readonly TicketScope[];
  /** Quotas (flag 0x20). Encoded whenever present. */
  readonly quotas?: TicketQuotas;
}

/** A ticket split into its parts; the MAC is not checked here. */
export interface ParsedTicket {
  /** The decoded claims. */
  readonly claims: TicketClaims;
  /** The raw claims bytes the MAC covers. */
  readonly claimsBytes: Uint8Array;
  /** The 32-byte MAC as carried by the ticket. */
  readonly mac: Uint8Array;
}

const FLAG_TICKS = 0x01;
const FLAG_OPS = 0x02;
const FLAG_TTL = 0x04;
const FLAG_SUBJECT = 0x08;
const FLAG_SCOPES = 0x10;
const FLAG_QUOTAS = 0x20;

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;

const ROLE_ALIASES: Readonly<Record<string, TicketRole>> = {
  "queen": "queen",
  "worker": "worker-heartbeat",
  "worker-heartbeat": "worker-heartbeat",
  "worker-gpu": "worker-gpu",
  "worker-bus": "worker-bus",
  "worker-lora": "worker-lora",
};

/**
 * Maps a role as typed (any case, surrounding whitespace ignored; `worker` is an alias of
 * `worker-heartbeat`) to its canonical name. Unknown roles throw {@link ValidationError}.
 */
export function normalizeRole(role: string): TicketRole {
  const canonical = Object.hasOwn(ROLE_ALIASES, role.trim().toLowerCase())
    ? ROLE_ALIASES[role.trim().toLowerCase()]
    : undefined;
  if (canonical === undefined) {
    throw new ValidationError(`unknown role '${role}'`, {
      hint: `use one of ${TICKET_ROLES.join(", ")} (or worker)`,
    });
  }
  return canonical;
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Grows a byte buffer as fields are appended. */
class ByteWriter {
  #bytes = new Uint8Array(64);
  #length = 0;

  #reserve(extra: number): number {
    const at = this.#length;
    if (at + extra > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, at + extra));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
    }
    this.#length += extra;
    return at;
  }

  u8(value: number): void {
    this.#bytes[this.#reserve(1)] = value;
  }

  u16(value: number): void {
    const at = this.#reserve(2);
    new DataView(this.#bytes.buffer).setUint16(at, value, true);
  }

  u32(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new TicketError(`ticket ${field} must be an integer in 0..${U32_MAX}`);
    }
    const at = this.#reserve(4);
    new DataView(this.#bytes.buffer).setUint32(at, value, true);
  }

  u64(value: bigint, field: string): void {
    if (typeof value !== "bigint" || value < 0n || value > U64_MAX) {
      throw new TicketError(`ticket ${field} must be a bigint in 0..2^64-1`);
    }
    const at = this.#reserve(8);
    new DataView(this.#bytes.buffer).setBigUint64(at, value, true);
  }

  str(value: string): void {
    const bytes = encoder.encode(value);
    if (bytes.length > MAX_TICKET_STRING_LEN) {
      throw new TicketError("ticket string field too large");
    }
    this.u16(bytes.length);
    // Reserve first: it may replace the buffer.
    const at = this.#reserve(bytes.length);
    this.#bytes.set(bytes, at);
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/**
 * Encodes claims in the version-1 layout (PROTOCOL.md §8.2), byte for byte as the Rust encoder
 * does: scopes only when the list is non-empty, quotas whenever given. Throws
 * {@link TicketError} for a field the layout cannot hold.
 */
export function encodeClaims(claims: TicketClaims): Uint8Array {
  const roleCode = TICKET_ROLES.indexOf(claims.role);
  if (roleCode < 0) throw new TicketError("ticket role unsupported");
  if (!Number.isInteger(claims.version) || claims.version < 0 || claims.version > 0xff) {
    throw new TicketError("ticket version unsupported");
  }
  const scopes = claims.scopes ?? [];
  if (scopes.length > MAX_WIRE_SCOPES) throw new TicketError("ticket scope count exceeds max");
  let flags = 0;
  if (claims.ticks !== undefined) flags |= FLAG_TICKS;
  if (claims.ops !== undefined) flags |= FLAG_OPS;
  if (claims.ttlS !== undefined) flags |= FLAG_TTL;
  if (claims.subject !== undefined) flags |= FLAG_SUBJECT;
  if (scopes.length > 0) flags |= FLAG_SCOPES;
  if (claims.quotas !== undefined) flags |= FLAG_QUOTAS;

  const out = new ByteWriter();
  out.u8(claims.version);
  out.u8(roleCode);
  out.u8(flags);
  if (claims.ticks !== undefined) out.u64(claims.ticks, "ticks");
  if (claims.ops !== undefined) out.u64(claims.ops, "ops");
  if (claims.ttlS !== undefined) out.u64(claims.ttlS, "ttl_s");
  if (claims.subject !== undefined) out.str(claims.subject);
  out.u64(claims.issuedAtMs, "issued_at_ms");
  out.str(claims.mountService);
  out.str(claims.mountAt);
  if (scopes.length > 0) {
    out.u8(scopes.length);
    for (const scope of scopes) {
      const verb = SCOPE_VERBS.indexOf(scope.verb);
      if (verb < 0) throw new TicketError("ticket scope verb unsupported");
      out.str(scope.path);
      out.u8(verb);
      out.u32(scope.ratePerS, "scope rate_per_s");
    }
  }
  if (claims.quotas !== undefined) {
    out.u64(claims.quotas.bandwidthBytes, "quota bandwidth_bytes");
    out.u32(claims.quotas.cursorResumes, "quota cursor_resumes");
    out.u32(claims.quotas.cursorAdvances, "quota cursor_advances");
  }
  return out.finish();
}

/** Reads claims fields in order; every short read is "ticket payload truncated". */
class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(size: number): number {
    const at = this.#pos;
    if (at + size > this.#bytes.length) throw new TicketError("ticket payload truncated");
    this.#pos += size;
    return at;
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8), true);
  }

  str(): string {
    const length = this.#view.getUint16(this.#take(2), true);
    if (length > MAX_TICKET_STRING_LEN) throw new TicketError("ticket string field too large");
    const at = this.#take(length);
    try {
      return strictUtf8.decode(this.#bytes.subarray(at, at + length));
    } catch (cause) {
      throw new TicketError("ticket string field not UTF-8", { cause });
    }
  }

  ensureEmpty(): void {
    if (this.#pos !== this.#bytes.length) throw new TicketError("ticket payload has trailing data");
  }
}

/**
 * Decodes version-1 claims bytes exactly (PROTOCOL.md §8.2). Unknown flag bits are ignored, as
 * every upstream decoder does. Throws {@link TicketError} with the Python client's messages.
 */
export function decodeClaims(bytes: Uint8Array): TicketClaims {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== CLAIMS_VERSION) throw new TicketError("ticket version unsupported");
  const role = TICKET_ROLES[input.u8()];
  if (role === undefined) throw new TicketError("ticket role unsupported");
  const flags = input.u8();
  const ticks = flags & FLAG_TICKS ? input.u64() : undefined;
  const ops = flags & FLAG_OPS ? input.u64() : undefined;
  const ttlS = flags & FLAG_TTL ? input.u64() : undefined;
  const subject = flags & FLAG_SUBJECT ? input.str() : undefined;
  const issuedAtMs = input.u64();
  const mountService = input.str();
  const mountAt = input.str();
  let scopes: TicketScope[] | undefined;
  if (flags & FLAG_SCOPES) {
    const count = input.u8();
    if (count > MAX_WIRE_SCOPES) throw new TicketError("ticket scope count exceeds max");
    scopes = [];
    for (let i = 0; i < count; i++) {
      const path = input.str();
      const verb = SCOPE_VERBS[input.u8()];
      if (verb === undefined) throw new TicketError("ticket scope verb unsupported");
      scopes.push({ path, verb, ratePerS: input.u32() });
    }
  }
  const quotas: TicketQuotas | undefined = flags & FLAG_QUOTAS
    ? { bandwidthBytes: input.u64(), cursorResumes: input.u32(), cursorAdvances: input.u32() }
    : undefined;
  input.ensureEmpty();
  return {
    version,
    role,
    ...(ticks === undefined ? {} : { ticks }),
    ...(ops === undefined ? {} : { ops }),
    ...(ttlS === undefined ? {} : { ttlS }),
    ...(subject === undefined ? {} : { subject }),
    issuedAtMs,
    mountService,
    mountAt,
    ...(scopes === undefined ? {} : { scopes }),
    ...(quotas === undefined ? {} : { quotas }),
  };
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes hex of either case; `undefined` when it is not whole bytes of hex digits. */
function hexDecode(text: string): Uint8Array | undefined {
  if (!HEX.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Lowercase hex of `bytes`, as tickets are minted. */
export function bytesToHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

/**
 * Splits a text ticket into claims, claims bytes and MAC (either hex case; the MAC must be 32
 * bytes). Does not verify the MAC: that needs the role's secret (`wire/ticket_mint.ts`).
 * Error messages never include the ticket text.
 */
export function parseTicket(text: string): ParsedTicket {
  if (!text.startsWith(TICKET_PREFIX)) {
    throw new TicketError("ticket missing cohesix-ticket prefix");
  }
  const body = text.slice(TICKET_PREFIX.length);
  const dot = body.indexOf(".");
  if (dot < 0) throw new TicketError("ticket missing mac separator");
  const claimsBytes = hexDecode(body.slice(0, dot));
  const mac = hexDecode(body.slice(dot + 1));
  if (claimsBytes === undefined || mac === undefined) {
    throw new TicketError("ticket hex decode failed");
  }
  if (mac.length !== TICKET_MAC_LEN) throw new TicketError("ticket mac length invalid");
  return { claims: decodeClaims(claimsBytes), claimsBytes, mac };
}

/**
 * The client-side ticket check before `ATTACH <role> <ticket>` (Python `normalize_ticket`,
 * cohsh): trims the ticket; empty means none. A ticket longer than `console.max_ticket_len`
 * bytes is a {@link LimitError}. Queen: the ticket is optional and decoded when present. Worker
 * roles: the ticket is required, its role must equal the requested role, and it must carry a
 * subject (the Queen itself does not insist on one). Returns the trimmed ticket or `undefined`.
 * The MAC is not checked (clients do not hold the secret).
 */
export function validateTicketForRole(
  role: string,
  ticket: string | undefined | null,
  defaults: CohesixDefaults = DEFAULTS,
): string | undefined {
  const canonical = normalizeRole(role);
  const trimmed = ticket?.trim() ?? "";
  const max = defaults.console.maxTicketLen;
  if (utf8Length(trimmed) > max) {
    throw new LimitError(`ticket payload exceeds ${max} bytes`, "console.max_ticket_len", max, {
      hint: "mint a ticket with fewer claims",
    });
  }
  if (trimmed === "") {
    if (canonical === "queen") return undefined;
    throw new TicketError("ticket payload is required", {
      hint: `mint one with: cohsh --mint-ticket --role ${canonical} --ticket-subject <id>`,
    });
  }
  const { claims } = parseTicket(trimmed);
  if (canonical === "queen") return trimmed;
  if (claims.role !== canonical) {
    throw new TicketError(`ticket role ${claims.role} does not match requested role ${canonical}`);
  }
  if (!claims.subject) {
    throw new TicketError("ticket missing required subject identity", {
      hint: "mint the ticket with a subject (--ticket-subject <id>)",
    });
  }
  return trimmed;
}

/**
 * Checks claims against the manifest's `[ticket_limits]` as the Queen does at ATTACH
 * (PROTOCOL.md §8.5): scope count, scope path (trimmed; ≤ `max_scope_path_len` bytes, absolute
 * when non-empty, no `..`), scope rate, and quotas; a limit of 0 means unlimited. Returns what
 * is wrong, or `undefined` when the claims fit. The in-repo server answers a problem with
 * `ERR ATTACH reason=quota detail=invalid-claims`.
 */
export function checkTicketClaimLimits(
  claims: TicketClaims,
  limits: TicketLimits = DEFAULTS.ticketLimits,
): string | undefined {
  const scopes = claims.scopes ?? [];
  if (scopes.length > limits.maxScopes) {
    return `ticket has ${scopes.length} scopes; ticket_limits.max_scopes is ${limits.maxScopes}`;
  }
  for (const scope of scopes) {
    const path = scope.path.trim();
    if (utf8Length(path) > limits.maxScopePathLen) {
      return `ticket scope path exceeds ticket_limits.max_scope_path_len ${limits.maxScopePathLen}`;
    }
    if (path !== "" && !path.startsWith("/")) return "ticket scope path must be absolute";
    if (path.split("/").includes("..")) return "ticket scope path must not contain '..'";
    if (limits.maxScopeRatePerS > 0 && scope.ratePerS > limits.maxScopeRatePerS) {
      return `ticket scope rate ${scope.ratePerS} exceeds ticket_limits.max_scope_rate_per_s ${limits.maxScopeRatePerS}`;
    }
  }
  const quotas = claims.quotas;
  if (quotas !== undefined) {
    if (limits.bandwidthBytes > 0 && quotas.bandwidthBytes > BigInt(limits.bandwidthBytes)) {
      return `ticket bandwidth quota ${quotas.bandwidthBytes} exceeds ticket_limits.bandwidth_bytes ${limits.bandwidthBytes}`;
    }
    if (limits.cursorResumes > 0 && quotas.cursorResumes > limits.cursorResumes) {
      return `ticket cursor_resumes quota ${quotas.cursorResumes} exceeds ticket_limits.cursor_resumes ${limits.cursorResumes}`;
    }
    if (limits.cursorAdvances > 0 && quotas.cursorAdvances > limits.cursorAdvances) {
      return `ticket cursor_advances quota ${quotas.cursorAdvances} exceeds ticket_limits.cursor_advances ${limits.cursorAdvances}`;
    }
  }
  return undefined;
}
