/**
 * cohsh's client-side ticket check before `ATTACH` over TCP (CLI.md §2.4 "attach"), with its
 * exact texts. The MAC is not checked: clients do not hold the secret.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { CohesixError } from "../../core/errors.ts";
import { utf8Length } from "../../core/paths.ts";
import { parseTicket, TICKET_PREFIX } from "../../wire/ticket.ts";
import { ShellError } from "./cohsh_console.ts";
import { roleDebugName } from "./render.ts";

/** Checks `ticket` for role `label`; returns it (trimmed), or `undefined` for none. */
export function checkAttachTicket(
  label: string,
  ticket: string | undefined,
  defaults: CohesixDefaults = DEFAULTS,
): string | undefined {
  const trimmed = ticket?.trim() ?? "";
  const max = defaults.console.maxTicketLen;
  if (utf8Length(trimmed) > max) throw new ShellError(`ticket payload exceeds ${max} bytes`);
  if (trimmed === "") {
    if (label === "queen") return undefined;
    throw new ShellError(`role ${roleDebugName(label)} requires a non-empty ticket payload`);
  }
  if (!trimmed.startsWith(TICKET_PREFIX)) {
    throw new ShellError("ticket is not a valid claims token: ticket missing prefix");
  }
  let claims;
  try {
    claims = parseTicket(trimmed).claims;
  } catch (error) {
    if (!(error instanceof CohesixError)) throw error;
    throw new ShellError(`ticket is not a valid claims token: ${error.summary}`);
  }
  if (label === "queen") return trimmed;
  if (claims.role !== label) {
    throw new ShellError(
      `ticket role ${roleDebugName(claims.role)} does not match requested role ${
        roleDebugName(label)
      }`,
    );
  }
  if (!claims.subject) {
    throw new ShellError(
      `ticket for role ${roleDebugName(label)} must include a subject identity`,
    );
  }
  return trimmed;
}
