/**
 * `cohesix doctor`: coh's doctor (CLI.md §5.3) for this client. It checks what makes sense for a
 * Deno client and prints one `OK|ERR DOCTOR check=…` line per check; a failing check does not stop
 * the later ones; if any failed, the last line is coh's
 * `ERR DOCTOR reason=doctor failed: <n> check(s) failed` and the exit status is 1.
 *
 * Checks, in order: the policy (`--policy` hash-checked, or the built-in release values); the
 * ticket for `--role` (as coh checks it); the runtime (Deno); each Deno permission the chosen
 * backend and policy need (granted or not, with the flag); for a mounted namespace, that the
 * folder is there; for the TCP console, that it answers, that AUTH succeeds and that ATTACH
 * succeeds (each its own line). Unlike coh's doctor, this one connects: the console is what an
 * operator most needs checked. coh's FUSE, NVML, python3 and qemu checks do not apply.
 *
 * @module
 */

import { backendNeeds, openBackend } from "../../client/connect.ts";
import { isDirectory } from "../../client/local_files.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { AttachError, AuthError, CohesixError } from "../../core/errors.ts";
import {
  type PermissionNeed,
  requirePermissions,
  toPermissionError,
} from "../../core/permissions.ts";
import { normalizeRole, validateTicketForRole } from "../../wire/ticket.ts";
import { parseArgs } from "../args.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { printHelp } from "../command_group.ts";
import { backendChoiceOf } from "../global_flags.ts";
import { cohDefaultsOf, policyNeeds } from "../policy.ts";

/** `cohesix doctor --help`. */
export const HELP = `cohesix doctor: check this client's setup (coh doctor)

usage: cohesix doctor [global options]

One line per check, in order:
  check=policy      --policy FILE loaded and hash-checked (or the built-in release policy)
  check=ticket      the ticket for --role, as the console would be sent it
  check=runtime     the Deno runtime
  check=permission  each Deno permission the chosen backend and policy need (with its flag)
  check=fs-root     (--fs-root) the mounted namespace folder exists
  check=console     (TCP) the Queen's console accepts a connection
  check=auth        (TCP) AUTH with the token succeeds
  check=attach      (TCP) ATTACH with --role/--ticket succeeds
A check that cannot run (the mock has no console; nothing to AUTH when the console is down)
prints "status=skip". If any check failed the last line is
"ERR DOCTOR reason=doctor failed: <n> check(s) failed" and the exit status is 1.

--json: {"ok","failed","checks":[{"check","status":"ok"|"err"|"skip","line"}]}
`;

/** One check's outcome. */
interface CheckResult {
  readonly check: string;
  readonly status: "ok" | "err" | "skip";
  readonly line: string;
}

function reasonOf(error: unknown): string {
  const converted = toPermissionError(error);
  const text = converted instanceof CohesixError
    ? converted.summary
    : converted instanceof Error
    ? converted.message
    : String(converted);
  return text.replace(/[\r\n]/g, " ");
}

class Checks {
  readonly results: CheckResult[] = [];
  ok(check: string, detail: string): void {
    this.results.push({ check, status: "ok", line: `OK DOCTOR check=${check} ${detail}`.trim() });
  }
  skip(check: string, reason: string): void {
    this.results.push({
      check,
      status: "skip",
      line: `OK DOCTOR check=${check} status=skip reason=${reason}`,
    });
  }
  err(check: string, detail: string, error: unknown): void {
    const prefix = detail ? `${detail} ` : "";
    this.results.push({
      check,
      status: "err",
      line: `ERR DOCTOR check=${check} ${prefix}reason=${reasonOf(error)}`,
    });
  }
  get failed(): number {
    return this.results.filter((result) => result.status === "err").length;
  }
}

async function checkPolicy(ctx: CommandContext, checks: Checks): Promise<CohesixDefaults> {
  const path = ctx.globals.policy ?? "builtin";
  try {
    await requirePermissions(policyNeeds(ctx.globals));
    const defaults = await cohDefaultsOf(ctx.globals);
    checks.ok(
      "policy",
      `path=${path} manifest_sha256=${defaults.manifestSha256} ` +
        `policy_sha256=${defaults.cohPolicySha256}`,
    );
    return defaults;
  } catch (error) {
    checks.err("policy", `path=${path}`, error);
    return DEFAULTS;
  }
}

/** Checks the ticket for `--role`; returns whether it passed. */
function checkTicket(ctx: CommandContext, checks: Checks, defaults: CohesixDefaults): boolean {
  const roleText = typeof ctx.globals.values.role === "string" ? ctx.globals.values.role : "queen";
  const ticket = typeof ctx.globals.values.ticket === "string"
    ? ctx.globals.values.ticket
    : undefined;
  let label = roleText.trim();
  try {
    label = normalizeRole(roleText);
    validateTicketForRole(label, ticket, defaults);
    checks.ok("ticket", `role=${label}`);
    return true;
  } catch (error) {
    checks.err("ticket", `role=${label}`, error);
    return false;
  }
}

async function checkPermissionsAndBackend(
  ctx: CommandContext,
  checks: Checks,
  defaults: CohesixDefaults,
  ticketOk: boolean,
): Promise<void> {
  const choice = backendChoiceOf(ctx.globals, defaults);
  // One line per flag (the token variables are one flag for two variables).
  const byFlag = new Map<string, PermissionNeed[]>();
  for (const need of backendNeeds(choice)) {
    byFlag.set(need.flag, [...(byFlag.get(need.flag) ?? []), need]);
  }
  let missing = false;
  for (const [flag, needs] of byFlag) {
    try {
      await requirePermissions(needs);
      checks.ok("permission", `flag=${flag}`);
    } catch (error) {
      missing = true;
      checks.err("permission", `flag=${flag}`, error);
    }
  }
  if (choice.kind === "filesystem") {
    try {
      if (!isDirectory(choice.root)) throw new Error(`${choice.root} is not a folder`);
      checks.ok("fs-root", `path=${choice.root}`);
    } catch (error) {
      checks.err("fs-root", `path=${choice.root}`, error);
    }
  }
  if (choice.kind !== "tcp") {
    const why = choice.kind === "mock" ? "mock" : "fs-root";
    for (const check of ["console", "auth", "attach"]) checks.skip(check, why);
    return;
  }
  if (missing) {
    for (const check of ["console", "auth", "attach"]) checks.skip(check, "missing-permission");
    return;
  }
  const where = `host=${choice.host} port=${choice.port}`;
  try {
    // With a bad ticket, console and AUTH are still checked (attached as queen, no ticket).
    const probe = ticketOk ? choice : { ...choice, role: "queen", ticket: undefined };
    const backend = await openBackend(probe, { defaults });
    await backend.close().catch(() => {});
    checks.ok("console", where);
    checks.ok("auth", "");
    if (ticketOk) checks.ok("attach", `role=${choice.role}`);
    else checks.skip("attach", "ticket-invalid");
  } catch (error) {
    if (error instanceof AttachError) {
      checks.ok("console", where);
      checks.ok("auth", "");
      checks.err("attach", `role=${choice.role}`, error);
    } else if (error instanceof AuthError) {
      checks.ok("console", where);
      checks.err("auth", "", error);
      checks.skip("attach", "auth-failed");
    } else {
      checks.err("console", where, error);
      checks.skip("auth", "no-console");
      checks.skip("attach", "no-console");
    }
  }
}

/** `cohesix doctor`. */
export const command: CliCommand = {
  name: "doctor",
  summary: "check the policy, ticket, permissions and the console (coh doctor)",
  async run(argv, ctx) {
    const args = parseArgs("doctor", argv, []);
    if (args.help) return await printHelp(ctx, HELP);
    const checks = new Checks();
    const defaults = await checkPolicy(ctx, checks);
    const ticketOk = checkTicket(ctx, checks, defaults);
    checks.ok("runtime", `tool=deno version=${Deno.version.deno}`);
    await checkPermissionsAndBackend(ctx, checks, defaults, ticketOk);
    const failed = checks.failed;
    if (ctx.globals.json) {
      await ctx.io.out(
        JSON.stringify({ ok: failed === 0, failed, checks: checks.results }) + "\n",
      );
    } else {
      const lines = checks.results.map((result) => result.line);
      if (failed > 0) lines.push(`ERR DOCTOR reason=doctor failed: ${failed} check(s) failed`);
      await ctx.io.out(lines.join("\n") + "\n");
    }
    return failed === 0 ? 0 : 1;
  },
};
