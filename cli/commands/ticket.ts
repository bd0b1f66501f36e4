/**
 * `cohesix ticket mint|inspect`: capability tickets offline. `mint` makes the ticket
 * `cohsh --mint-ticket` makes (CLI.md §1.5; identical for the same issued-at time); `inspect`
 * decodes a ticket's claims and, given the role's secret, checks its MAC. Neither connects to the
 * Queen, and no secret is ever printed.
 *
 * @module
 */

import { readFileBounded } from "../../client/local_files.ts";
import { decodeUtf8 } from "../../client/text.ts";
import { TicketError, UsageError } from "../../core/errors.ts";
import {
  envNeeds,
  type PermissionNeed,
  readNeed,
  requirePermissions,
} from "../../core/permissions.ts";
import {
  normalizeRole,
  parseTicket,
  type TicketClaims,
  type TicketRole,
} from "../../wire/ticket.ts";
import { parseTicketConfig, ticketSecretFor } from "../../wire/ticket_config.ts";
import { mintTicketForRole, verifyTicket } from "../../wire/ticket_mint.ts";
import { flagHelp, type FlagSpec, parseArgs, stringFlag, uintValue } from "../args.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { commandGroup, printHelp } from "../command_group.ts";

/** Where cohsh looks for the manifest when neither a secret nor a config is given. */
export const DEFAULT_TICKET_CONFIG = "configs/root_task.toml";
/** The environment variables cohsh reads the secret and the config path from. */
export const TICKET_VARIABLES = ["COHSH_TICKET_SECRET", "COHSH_TICKET_CONFIG"] as const;
/** Largest manifest read for its `[[tickets]]` (the release's is about 28 KiB). */
const MAX_CONFIG_BYTES = 1024 * 1024;

const SECRET_FLAGS: readonly FlagSpec[] = [
  { names: ["--secret"], value: "SECRET", help: "the role's secret" },
  { names: ["--config"], value: "FILE", help: "root_task.toml whose [[tickets]] hold the secret" },
];
// --role is a global flag (taken out of the command line before the subcommand sees it); its
// spelling here is for the help text.
const ROLE_FLAG: FlagSpec = {
  names: ["--role"],
  value: "ROLE",
  help: "queen, worker-heartbeat (worker), worker-gpu, worker-bus, worker-lora",
};
const MINT_FLAGS: readonly FlagSpec[] = [
  { names: ["--subject"], value: "ID", help: "identity to bind (required for worker roles)" },
  ...SECRET_FLAGS,
  {
    names: ["--issued-at-ms"],
    value: "MS",
    help: "issue time in Unix milliseconds (default now)",
  },
];

/** `cohesix ticket --help`. */
export const HELP = `cohesix ticket: capability tickets, offline (no Queen involved)

usage:
  cohesix ticket mint --role ROLE [--subject ID] [--secret SECRET | --config FILE]
                      [--issued-at-ms MS]
  cohesix ticket inspect TICKET|- [--secret SECRET | --config FILE]

mint     prints the ticket cohsh --mint-ticket prints: the role's budget (queen none; worker-gpu
         ops 64, ttl 120 s; other workers ticks 1000, ops 10000, ttl 300 s), the subject, the
         issue time; signed with the role's secret
inspect  prints the claims of TICKET (- reads it from stdin, keeping it out of the process
         list); with a secret (or a config holding the ticket role's secret) also checks the MAC
         and fails if it does not match

The secret: --secret, else --config FILE, else COHSH_TICKET_SECRET, else the file named by
COHSH_TICKET_CONFIG, else ${DEFAULT_TICKET_CONFIG} (from the current directory).

mint options:
${flagHelp([ROLE_FLAG, ...MINT_FLAGS])}

inspect options:
${flagHelp(SECRET_FLAGS)}

Permissions: none with --secret; --allow-read=FILE with --config; otherwise
--allow-env=${TICKET_VARIABLES.join(",")} and read access to the config file.
--json: mint {"ticket","role","subject","issued_at_ms"}; inspect {"role","subject",
"issued_at_ms","ticks","ops","ttl_s","mount_service","mount_at","scopes","quotas",
"mac":"verified"|"unchecked"} (absent claims are null).
`;

/** Reads the config at `path` (after checking read access) and finds `role`'s secret. */
async function secretFromConfig(path: string, role: TicketRole): Promise<string> {
  await requirePermissions([readNeed(`reading the ticket config ${path}`, path)]);
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(path, MAX_CONFIG_BYTES, "ticket config size");
  } catch (cause) {
    throw new TicketError(`failed to read ticket config ${path}`, {
      cause,
      hint: "pass --config FILE (the manifest's root_task.toml) or --secret",
    });
  }
  return ticketSecretFor(parseTicketConfig(decodeUtf8(bytes, path), path), role, path);
}

/**
 * The secret of `role`, as cohsh resolves it but with the command line first: `--secret`,
 * `--config`, `COHSH_TICKET_SECRET` (trimmed, non-empty), `COHSH_TICKET_CONFIG`, the default
 * config path.
 */
async function resolveSecret(
  args: ReturnType<typeof parseArgs>,
  role: TicketRole,
  ctx: CommandContext,
): Promise<string> {
  const secret = stringFlag(args, "secret");
  if (secret !== undefined) return secret;
  const config = stringFlag(args, "config");
  if (config !== undefined) return await secretFromConfig(config, role);
  const needs: PermissionNeed[] = envNeeds(
    `reading the ticket secret from ${TICKET_VARIABLES.join("/")} (or pass --secret or --config)`,
    TICKET_VARIABLES,
  );
  await requirePermissions(needs);
  const fromEnv = ctx.io.env("COHSH_TICKET_SECRET")?.trim();
  if (fromEnv) return fromEnv;
  const configPath = ctx.io.env("COHSH_TICKET_CONFIG")?.trim() || DEFAULT_TICKET_CONFIG;
  return await secretFromConfig(configPath, role);
}

function roleOf(text: string): TicketRole {
  try {
    return normalizeRole(text);
  } catch (cause) {
    throw new UsageError(`invalid value '${text}' for '--role <ROLE>'`, {
      cause,
      hint: "roles: queen, worker-heartbeat (or worker), worker-gpu, worker-bus, worker-lora",
    });
  }
}

async function mint(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("ticket mint", argv, MINT_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const roleText = ctx.globals.values.role;
  if (typeof roleText !== "string") {
    throw new UsageError("--role is required", {
      hint: "run cohesix ticket mint --help for its usage",
    });
  }
  const role = roleOf(roleText);
  if (stringFlag(args, "secret") !== undefined && stringFlag(args, "config") !== undefined) {
    throw new UsageError("give --secret or --config, not both");
  }
  const subject = stringFlag(args, "subject")?.trim() || undefined;
  if (role !== "queen" && subject === undefined) {
    throw new TicketError("worker roles require a subject identity", {
      hint: "pass --subject ID",
    });
  }
  const issuedText = stringFlag(args, "issued-at-ms");
  const issuedAtMs = issuedText === undefined
    ? BigInt(Date.now())
    : BigInt(uintValue("--issued-at-ms", "MS", issuedText, "u64"));
  const secret = await resolveSecret(args, role, ctx);
  const ticket = mintTicketForRole(role, {
    secret,
    issuedAtMs,
    ...(subject === undefined ? {} : { subject }),
  });
  if (ctx.globals.json) {
    await ctx.io.out(
      JSON.stringify({
        ticket,
        role,
        subject: subject ?? null,
        issued_at_ms: jsonInteger(issuedAtMs),
      }) + "\n",
    );
  } else {
    await ctx.io.out(`${ticket}\n`);
  }
  return 0;
}

/** A u64 claim as a JSON number, or as a decimal string beyond 2^53 (where numbers lose digits). */
function jsonInteger(value: bigint | number | undefined): number | string | null {
  if (value === undefined) return null;
  const big = BigInt(value);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
}

/** The claims as the `--json` object. */
function claimsJson(claims: TicketClaims): Record<string, unknown> {
  return {
    role: claims.role,
    subject: claims.subject ?? null,
    issued_at_ms: jsonInteger(claims.issuedAtMs),
    ticks: jsonInteger(claims.ticks),
    ops: jsonInteger(claims.ops),
    ttl_s: jsonInteger(claims.ttlS),
    mount_service: claims.mountService,
    mount_at: claims.mountAt,
    scopes: claims.scopes?.map((scope) => ({ ...scope })) ?? [],
    quotas: claims.quotas === undefined ? null : {
      bandwidth_bytes: jsonInteger(claims.quotas.bandwidthBytes),
      cursor_resumes: claims.quotas.cursorResumes,
      cursor_advances: claims.quotas.cursorAdvances,
    },
  };
}

/** The claims as `key=value` lines. */
function claimsLines(claims: TicketClaims): string[] {
  const lines = [`role=${claims.role}`];
  if (claims.subject !== undefined) lines.push(`subject=${JSON.stringify(claims.subject)}`);
  const issued = new Date(Number(claims.issuedAtMs));
  const when = Number.isNaN(issued.getTime()) ? "" : ` (${issued.toISOString()})`;
  lines.push(`issued_at_ms=${claims.issuedAtMs}${when}`);
  if (claims.ticks !== undefined) lines.push(`ticks=${claims.ticks}`);
  if (claims.ops !== undefined) lines.push(`ops=${claims.ops}`);
  if (claims.ttlS !== undefined) {
    const expires = new Date(Number(claims.issuedAtMs + claims.ttlS * 1000n));
    const until = Number.isNaN(expires.getTime()) ? "" : ` (until ${expires.toISOString()})`;
    lines.push(`ttl_s=${claims.ttlS}${until}`);
  }
  if (claims.mountService !== "" || claims.mountAt !== "") {
    lines.push(`mount service=${claims.mountService} at=${claims.mountAt}`);
  }
  for (const scope of claims.scopes ?? []) {
    lines.push(`scope path=${scope.path} verb=${scope.verb} rate_per_s=${scope.ratePerS}`);
  }
  if (claims.quotas !== undefined) {
    lines.push(
      `quotas bandwidth_bytes=${claims.quotas.bandwidthBytes} cursor_resumes=${claims.quotas.cursorResumes} ` +
        `cursor_advances=${claims.quotas.cursorAdvances}`,
    );
  }
  return lines;
}

async function readStdin(ctx: CommandContext): Promise<string> {
  const text = await new Response(ctx.io.stdin).text();
  return text.trim();
}

async function inspect(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("ticket inspect", argv, SECRET_FLAGS, 1);
  if (args.help) return await printHelp(ctx, HELP);
  const given = args.positionals[0];
  if (given === undefined) {
    throw new UsageError("which ticket? (pass it, or - to read it from stdin)", {
      hint: "run cohesix ticket inspect --help for its usage",
    });
  }
  const ticket = given === "-" ? await readStdin(ctx) : given.trim();
  let claims: TicketClaims;
  try {
    claims = parseTicket(ticket).claims;
  } catch (error) {
    if (!(error instanceof TicketError)) throw error;
    throw new TicketError(`not a valid ticket: ${error.summary}`, {
      cause: error,
      hint: "pass the whole ticket text, cohesix-ticket-<claims hex>.<mac hex>",
    });
  }
  const checkMac = stringFlag(args, "secret") !== undefined ||
    stringFlag(args, "config") !== undefined;
  if (checkMac) {
    const secret = await resolveSecret(args, claims.role, ctx);
    if (verifyTicket(ticket, secret) === undefined) {
      throw new TicketError(`ticket MAC does not match the ${claims.role} secret`, {
        hint: "the ticket was minted with another secret, or altered; the Queen would refuse it",
      });
    }
  }
  const mac = checkMac ? "verified" : "unchecked";
  if (ctx.globals.json) {
    await ctx.io.out(JSON.stringify({ ...claimsJson(claims), mac }) + "\n");
  } else {
    const lines = [...claimsLines(claims), `mac=${mac}`];
    await ctx.io.out(lines.join("\n") + "\n");
  }
  return 0;
}

/** `cohesix ticket`. */
export const command: CliCommand = commandGroup(
  "ticket",
  "mint a capability ticket as cohsh does, or inspect one (offline)",
  HELP,
  { mint, inspect },
);
