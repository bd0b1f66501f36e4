/**
 * One console connection's command handling after AUTH (PROTOCOL.md §2.3–§2.6, §4–§7): role
 * checks, ATTACH validation order, per-verb acks and bodies, ticket scopes and byte budget,
 * and the root cut. Pure with respect to I/O: {@link ConsoleSession.handle} returns the lines to
 * queue (in emission order; the output lanes reorder them), any late line, and whether to close.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { utf8Length } from "../core/paths.ts";
import { findObjectField, findStringField } from "../queen/ctl_fields.ts";
import { checkTicketClaimLimits, type TicketClaims, type TicketRole } from "../wire/ticket.ts";
import { refusalPieces, renderOk, renderRefusal } from "./ack_detail.ts";
import type { AttachGuard } from "./attach_guard.ts";
import type { ConsoleCommand, ParseOutcome } from "./command_parser.ts";
import {
  isNamespaceRefusal,
  type NamespaceRefusal,
  type QueenNamespacePort,
} from "./namespace_port.ts";
import type { QueenLimits } from "./queen_limits.ts";

/** Checks a ticket's MAC with the secret of `role`; returns its claims, or `undefined`. */
export type TicketVerifier = (ticket: string, role: TicketRole) => TicketClaims | undefined;

/** State shared by every connection of one Queen. */
export interface QueenState {
  /** The namespace model. */
  readonly namespace: QueenNamespacePort;
  /** ATTACH back-off and rate limiter. */
  readonly guard: AttachGuard;
  /** Server clock in server milliseconds (uptime). */
  readonly now: () => number;
  /** Ticket MAC check. */
  readonly verifyTicket: TicketVerifier;
  /** Manifest bounds. */
  readonly defaults: CohesixDefaults;
  /** Queen-internal buffer sizes. */
  readonly limits: QueenLimits;
}

/** One line to queue, and whether the data lane may drop it when full. */
export interface Emission {
  /** The payload text. */
  readonly line: string;
  /** Non-streaming body line (HELP, CACHELOG, …): dropped when the data lane is full. */
  readonly droppable?: boolean;
}

/** What a command produced. */
export interface SessionReply {
  /** Lines in emission order. */
  readonly lines: Emission[];
  /** A line that arrives a little later (the late `ERR SPAWN|KILL`). */
  readonly late?: string;
  /** Close the connection after sending (QUIT). */
  readonly close?: boolean;
}

const ROLE_NAMES: Readonly<Record<string, TicketRole>> = {
  "queen": "queen",
  "worker": "worker-heartbeat",
  "worker-heartbeat": "worker-heartbeat",
  "worker-gpu": "worker-gpu",
  "worker-bus": "worker-bus",
  "worker-lora": "worker-lora",
};

const ATTACH_LIFECYCLE_STATES: ReadonlySet<string> = new Set(["ONLINE", "DEGRADED", "DRAINING"]);

const HELP_LINES = [
  "Commands:",
  "  help  - Show this help",
  "  bi    - Show bootinfo summary",
  "  caps  - Show capability slots",
  "  mem   - Show untyped memory summary",
  "  ping  - Respond with PONG",
  "  attach <role> [ticket] - Bind the console session",
  "  ls|cat|tail|echo <path> - Namespace access",
  "  log   - Tail /log/queen.log",
  "  quit  - Close the session",
];

const ACK_LABELS: Readonly<Record<string, string>> = { BI: "BOOTINFO" };

function label(verb: string): string {
  return ACK_LABELS[verb] ?? verb;
}

/** The command state of one console connection. */
export class ConsoleSession {
  readonly #queen: QueenState;
  #role: TicketRole | undefined;
  #claims: TicketClaims | undefined;
  #bandwidthUsed = 0;
  #quit = false;
  #cacheSeq = 0;
  /** `/queen/ctl` binds of this connection, newest last (§9.2). */
  #binds: { from: string; to: string }[] = [];

  /** Creates a fresh, unattached session of `queen`. */
  constructor(queen: QueenState) {
    this.#queen = queen;
  }

  /** The attached role, if any. */
  get role(): TicketRole | undefined {
    return this.#role;
  }

  /** True once QUIT was handled. */
  get quit(): boolean {
    return this.#quit;
  }

  /** Call when the connection ended: a queen session dropped without QUIT cuts root. */
  disconnected(): void {
    if (this.#role === "queen" && !this.#quit) {
      this.#queen.namespace.setRootReachable(false, "network_unreachable");
    }
    this.#role = undefined;
  }

  /** Handles one parsed frame payload. */
  handle(outcome: ParseOutcome): SessionReply {
    const reply = this.#handle(outcome);
    for (const line of [...reply.lines.map((l) => l.line), reply.late ?? ""]) {
      const reason = /^ERR \S+ reason=(busy|quota|cut|policy)\b/.exec(line)?.[1];
      if (reason !== undefined) {
        this.#queen.namespace.countRefusal(reason as "busy" | "quota" | "cut" | "policy");
      }
    }
    return reply;
  }

  #handle(outcome: ParseOutcome): SessionReply {
    if (!outcome.ok) {
      return one(renderRefusal("PARSE", "policy", ["detail=", outcome.message], this.#cap));
    }
    const command = outcome.command;
    this.#audit(command);
    try {
      return this.#dispatch(command);
    } catch (error) {
      if (isNamespaceRefusal(error)) {
        return one(this.#namespaceRefusal(label(command.verb), error, error.path));
      }
      throw error;
    }
  }

  get #cap(): number {
    return this.#queen.limits.ackDetailBytes;
  }

  #audit(command: ConsoleCommand): void {
    let text = `console: ${command.verb.toLowerCase()}`;
    if ("path" in command) text += ` ${command.path}`;
    if (command.verb === "ECHO") text += ` bytes=${utf8Length(command.payload)}`;
    if (command.verb === "KILL") text += ` ${command.id}`;
    this.#queen.namespace.appendLog(`[INFO audit] ${text}`);
  }

  #namespaceRefusal(
    verbLabel: string,
    error: NamespaceRefusal,
    path: string | undefined,
  ): string {
    const errorText = error.showError === false ? undefined : error.errorText;
    return renderRefusal(
      verbLabel,
      error.reason,
      refusalPieces(error.tag, { path, error: errorText }),
      this.#cap,
    );
  }

  #refuse(verb: string, reason: string, tag: string, extra: string[] = []): SessionReply {
    return one(renderRefusal(label(verb), reason, ["detail=", tag, ...extra], this.#cap));
  }

  #dispatch(command: ConsoleCommand): SessionReply {
    switch (command.verb) {
      case "PING":
        return { lines: [{ line: "PONG" }, { line: "OK PING reply=pong" }] };
      case "QUIT":
        this.#quit = true;
        return { lines: [{ line: "OK QUIT" }], close: true };
      case "TEST":
        return this.#refuse("TEST", "policy", "host-only");
      case "HELP":
        return shapeC("HELP", HELP_LINES);
      case "BI":
        return shapeC("BI", ["[bi] node_bits=12 empty=[0x00000200..0x00001000) ipc=0x00400000"]);
      case "CAPS":
        return shapeC("CAPS", ["[caps] root=0x0002 ep=0x0140 uart=0x0141"]);
      case "MEM":
        return shapeC("MEM", ["[mem] untyped caps=42 ram_ut=38 device_ut=4"]);
      case "CACHELOG": {
        const count = command.count ?? 64;
        const lines: string[] = [];
        for (let i = 0; i < count; i++) {
          lines.push(`[cache] seq=${this.#cacheSeq++} op=clean vaddr=0x0 len=0`);
        }
        return shapeC("CACHELOG", lines);
      }
      case "NETSTATS":
        return shapeC("NETSTATS", [
          "netstats: rx_packets=0 tx_packets=0",
          "netstats: rx_bytes=0 tx_bytes=0",
          "netstats: drops=0 errors=0",
          "netstats: console_conns=1",
          "nettest: idle",
        ]);
      case "NETTEST":
        return shapeC("NETTEST", ["[net-selftest] triggered"]);
      case "ATTACH":
        return this.#attach(command.role, command.ticket);
      case "LS":
      case "CAT":
      case "TAIL":
        return this.#read(command.verb, command.path);
      case "LOG":
        return this.#log();
      case "ECHO":
        return this.#echo(command.path, command.payload);
      case "SPAWN":
        return this.#spawn(command.payload);
      case "KILL":
        return this.#kill(command.id);
    }
  }

  #attach(roleText: string, ticket: string | undefined): SessionReply {
    const queen = this.#queen;
    const now = queen.now();
    const backoff = queen.guard.backoffRemaining(now);
    if (backoff > 0) {
      return this.#refuse("ATTACH", "quota", "throttled", [" delay_ms=", String(backoff)]);
    }
    const role = Object.hasOwn(ROLE_NAMES, roleText.toLowerCase())
      ? ROLE_NAMES[roleText.toLowerCase()]!
      : undefined;
    if (role === undefined) return this.#refuse("ATTACH", "policy", "invalid-role");
    const state = queen.namespace.lifecycleState;
    if (role !== "queen" && !ATTACH_LIFECYCLE_STATES.has(state)) {
      return this.#refuse("ATTACH", "policy", "lifecycle-denied", [" state=", state]);
    }
    let claims: TicketClaims | undefined;
    if (ticket !== undefined || role !== "queen") {
      claims = ticket === undefined ? undefined : queen.verifyTicket(ticket, role);
      if (claims === undefined) {
        const verdict = queen.guard.recordFailure(now);
        if (verdict.kind === "rate-limited") {
          return this.#refuse("ATTACH", "quota", "rate-limited", [
            " delay_ms=",
            String(verdict.delayMs),
          ]);
        }
        return this.#refuse("ATTACH", "policy", "denied");
      }
    }
    queen.guard.recordSuccess();
    if (claims?.ttlS !== undefined) {
      const expiresAt = claims.issuedAtMs + claims.ttlS * 1000n;
      if (BigInt(Math.floor(now)) >= expiresAt) {
        return this.#refuse("ATTACH", "quota", "expired");
      }
    }
    if (claims !== undefined && checkTicketClaimLimits(claims, queen.defaults.ticketLimits)) {
      return this.#refuse("ATTACH", "quota", "invalid-claims");
    }
    this.#role = role;
    this.#claims = claims;
    this.#bandwidthUsed = 0;
    if (role === "queen") queen.namespace.setRootReachable(true);
    return one(renderOk("ATTACH", ["role=", role], this.#cap));
  }

  /** Common gate of namespace verbs: attached, root reachable for workers, ticket scope. */
  #gate(verb: string, path: string, access: "read" | "write"): SessionReply | undefined {
    if (this.#role === undefined) return this.#refuse(verb, "policy", "unauthenticated");
    if (this.#role !== "queen" && !this.#queen.namespace.rootReachable) {
      return this.#refuse(verb, "cut", "root-unreachable");
    }
    if (!this.#scopeAllows(path, access)) {
      return one(renderRefusal(label(verb), "policy", ["path=", path, " error=", "EPERM"]));
    }
    return undefined;
  }

  #scopeAllows(path: string, access: "read" | "write"): boolean {
    const scopes = this.#claims?.scopes;
    if (scopes === undefined || scopes.length === 0) return true;
    const want = path.split("/").filter((c) => c !== "");
    return scopes.some((scope) => {
      const verbOk = scope.verb === "read-write" || scope.verb === access;
      const have = scope.path.trim().split("/").filter((c) => c !== "");
      return verbOk && have.length <= want.length && have.every((c, i) => want[i] === c);
    });
  }

  /** Charges `bytes` to a ticketed session's budget; returns a refusal when it is spent. */
  #charge(verb: string, path: string, bytes: number): SessionReply | undefined {
    if (this.#claims === undefined) return undefined;
    const quota = Number(this.#claims.quotas?.bandwidthBytes ?? 0n) ||
      this.#queen.defaults.ticketLimits.bandwidthBytes;
    if (this.#bandwidthUsed + bytes > quota) {
      return one(renderRefusal(label(verb), "quota", ["path=", path, " error=", "ELIMIT"]));
    }
    this.#bandwidthUsed += bytes;
    return undefined;
  }

  #stream(verb: string, path: string, ack: string, body: string[]): SessionReply {
    const limits = this.#queen.limits;
    if (
      body.length > limits.maxStreamLines ||
      body.some((line) => utf8Length(line) > limits.maxStreamLineBytes)
    ) {
      return this.#refuse(verb, "quota", "buffer-full", [
        " path=",
        path,
        " error=",
        "buffer full",
      ]);
    }
    const cost = path === this.#queen.defaults.paths.log && verb === "CAT"
      ? 0
      : body.reduce((sum, line) => sum + utf8Length(line), 0);
    const refused = this.#charge(verb, path, cost);
    if (refused) return refused;
    return {
      lines: [{ line: ack }, ...body.map((line) => ({ line })), { line: "END" }],
    };
  }

  #read(verb: "LS" | "CAT" | "TAIL", path: string): SessionReply {
    const refused = this.#gate(verb, path, "read");
    if (refused) return refused;
    const ns = this.#queen.namespace;
    const cap = this.#cap;
    const target = this.#resolve(path);
    if (verb === "LS") {
      const entries = ns.ls(target);
      const ack = renderOk("LS", ["path=", path, " entries=", String(entries.length)], cap);
      return this.#stream(verb, path, ack, entries);
    }
    if (verb === "CAT") {
      const { lines, data } = ns.cat(target);
      return this.#stream(verb, path, renderOk("CAT", ["path=", path, " data=", data], cap), lines);
    }
    const lines = ns.tail(target);
    return this.#stream(verb, path, renderOk("TAIL", ["path=", path], cap), lines);
  }

  #log(): SessionReply {
    if (this.#role !== "queen") return this.#refuse("LOG", "policy", "unauthenticated");
    const path = this.#queen.defaults.paths.log;
    const lines = this.#queen.namespace.tail(path);
    return this.#stream("LOG", path, "OK LOG", lines);
  }

  #echo(path: string, payload: string): SessionReply {
    const refused = this.#gate("ECHO", path, "write");
    if (refused) return refused;
    if (this.#role !== "queen" && !/^\/(bus|lora)\//.test(path)) {
      return this.#refuse("ECHO", "policy", "denied");
    }
    const spent = this.#charge("ECHO", path, utf8Length(payload));
    if (spent) return spent;
    const bytes = this.#queen.namespace.echo(this.#resolve(path), payload);
    if (path === this.#queen.defaults.paths.queenCtl) this.#recordBind(payload);
    return one(renderOk("ECHO", ["path=", path, " bytes=", String(bytes)], this.#cap));
  }

  /** Remembers a successful `{"bind":{…}}` (spawn and kill rules win, as in the namespace). */
  #recordBind(payload: string): void {
    if (findStringField(payload, "spawn") !== undefined) return;
    if (findStringField(payload, "kill") !== undefined) return;
    const bind = findObjectField(payload, "bind");
    if (bind === undefined) return;
    const from = findStringField(bind, "from");
    const to = findStringField(bind, "to");
    if (from !== undefined && to !== undefined) this.#binds.push({ from, to });
  }

  /**
   * Applies this connection's binds to `path`. Only host, CAS and worker-telemetry lookups
   * honour binds on the live Queen, so other targets keep the path as sent.
   */
  #resolve(path: string): string {
    for (let i = this.#binds.length - 1; i >= 0; i--) {
      const { from, to } = this.#binds[i]!;
      if (path !== to && !path.startsWith(`${to}/`)) continue;
      const target = from + path.slice(to.length);
      if (BIND_TARGETS.test(target)) return target;
    }
    return path;
  }

  #queenCtlGate(verb: "SPAWN" | "KILL", bytes: number): SessionReply | undefined {
    if (this.#role !== "queen") return this.#refuse(verb, "policy", "unauthenticated");
    const ctl = this.#queen.defaults.paths.queenCtl;
    if (!this.#scopeAllows(ctl, "write")) {
      return one(renderRefusal(verb, "policy", ["path=", ctl, " error=", "EPERM"], this.#cap));
    }
    return this.#charge(verb, ctl, bytes);
  }

  #spawn(json: string): SessionReply {
    const refused = this.#queenCtlGate("SPAWN", utf8Length(json));
    if (refused) return refused;
    const ok = renderOk("SPAWN", ["payload=", json], this.#cap);
    return this.#withLateError("SPAWN", ok, () => this.#queen.namespace.spawn(json));
  }

  #kill(id: string): SessionReply {
    const refused = this.#queenCtlGate("KILL", utf8Length(`{"kill":"${id}"}`));
    if (refused) return refused;
    const ok = renderOk("KILL", ["id=", id], this.#cap);
    return this.#withLateError("KILL", ok, () => this.#queen.namespace.killWorker(id));
  }

  #withLateError(verb: string, ok: string, run: () => unknown): SessionReply {
    try {
      run();
      return one(ok);
    } catch (error) {
      if (!isNamespaceRefusal(error)) throw error;
      return { lines: [{ line: ok }], late: this.#namespaceRefusal(verb, error, undefined) };
    }
  }
}

const BIND_TARGETS = /^(\/host|\/updates)(\/|$)|^(\/shard\/[^/]+)?\/worker\/[^/]+\/telemetry$/;

function one(line: string): SessionReply {
  return { lines: [{ line }] };
}

/** Shape C: the body is produced before the ack (the lanes put the ack first). */
function shapeC(verb: string, body: string[]): SessionReply {
  return {
    lines: [...body.map((line) => ({ line, droppable: true })), { line: `OK ${label(verb)}` }],
  };
}
