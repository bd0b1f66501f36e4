/**
 * What to do about an expected failure whose error carries no hint of its own (a refused token,
 * a busy console, a refused connection, a timeout, a refused role or ticket, a manifest bound),
 * in one place for every entry point: the examples and the `cohesix` CLI print the same advice.
 *
 * @module
 */

import {
  AttachError,
  AuthError,
  type CohesixError,
  CohesixTimeoutError,
  ConnectionError,
  ConsoleBusyError,
  LimitError,
  TicketError,
} from "../core/errors.ts";
import { type BackendChoice, describeBackend, TOKEN_VARIABLES } from "./connect.ts";

/** The flags an entry point spells the connection settings with (they differ a little). */
export interface AdviceFlags {
  /** How the console address is given, e.g. `--tcp-host/--tcp-port`. */
  readonly address: string;
}

const DEFAULT_FLAGS: AdviceFlags = { address: "--tcp-host/--tcp-port" };

/**
 * Advice for `error` against the backend `choice`, or `undefined` when there is nothing better
 * to say than the message (or the error has a hint of its own).
 */
export function adviceFor(
  error: CohesixError,
  choice: BackendChoice | undefined,
  flags: AdviceFlags = DEFAULT_FLAGS,
): string | undefined {
  if (error.hint !== undefined) return undefined;
  const where = choice === undefined ? "the Queen" : describeBackend(choice);
  if (error instanceof AuthError) {
    return `${where} refused the token: pass --auth-token or set ${
      TOKEN_VARIABLES.join(" or ")
    } to the Queen's console token`;
  }
  if (error instanceof ConsoleBusyError) {
    return `${where} takes one console client at a time: close the other one (cohsh, coh, ` +
      "SwarmUI or another script) and run again";
  }
  if (error instanceof ConnectionError) {
    return `check that ${where} is running (or start the in-repo one: deno task mock-queen), ` +
      `and ${flags.address}`;
  }
  if (error instanceof CohesixTimeoutError) {
    return `${where} did not answer in time: check it is running, or raise --timeout-s`;
  }
  if (error instanceof TicketError || error instanceof AttachError) {
    return "check --role and --ticket (a worker role needs a ticket minted for it)";
  }
  if (error instanceof LimitError) {
    return `${error.limit} is ${error.max} (a Cohesix manifest bound): use a smaller input`;
  }
  return undefined;
}
