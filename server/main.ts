/**
 * `deno task mock-queen`: runs the in-repo console server in the foreground, by default on
 * 127.0.0.1:31337 with token `changeme` (the live Queen's defaults). Logs one line per command
 * to stderr (never the token or a ticket) and stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ConsoleServer } from "./console_server.ts";
import {
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  DEFAULT_CONSOLE_TOKEN,
} from "../transport/console_connection.ts";

const USAGE = `Usage: deno task mock-queen [options]

Runs a console server that behaves like the live Cohesix Queen (release 0.3.0-alpha2).

Options:
  --host <addr>       interface to listen on (default ${DEFAULT_CONSOLE_HOST})
  --port <n>          TCP port (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)
  --token <t>         auth token clients must send (default ${DEFAULT_CONSOLE_TOKEN})
  --seed demo|queen   starting namespace (default queen: the live tree after boot)
  --time-scale <x>    server ms per wall ms (default 1; the live Queen runs about 180)
  --auth-errors       send ERR AUTH reason=… before closing on a bad AUTH
  -h, --help          show this help
`;

/** Parsed command-line options. */
export interface MainOptions {
  /** Interface to listen on. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Auth token. */
  readonly token: string;
  /** Namespace seed. */
  readonly seed: "demo" | "queen";
  /** Server ms per wall ms. */
  readonly timeScale: number;
  /** Send ERR AUTH lines. */
  readonly authErrors: boolean;
}

/** Parses `args`; returns `"help"` for `--help`, or throws an Error naming the bad flag. */
export function parseMainArgs(args: string[]): MainOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string", default: DEFAULT_CONSOLE_HOST },
      port: { type: "string", default: String(DEFAULT_CONSOLE_PORT) },
      token: { type: "string", default: DEFAULT_CONSOLE_TOKEN },
      seed: { type: "string", default: "queen" },
      "time-scale": { type: "string", default: "1" },
      "auth-errors": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer 0…65535, got ${JSON.stringify(values.port)}`);
  }
  if (values.seed !== "demo" && values.seed !== "queen") {
    throw new Error(`--seed must be demo or queen, got ${JSON.stringify(values.seed)}`);
  }
  const timeScale = Number(values["time-scale"]);
  if (!(timeScale > 0)) throw new Error("--time-scale must be a positive number");
  if (values.token.length === 0) throw new Error("--token must not be empty");
  return {
    host: values.host,
    port,
    token: values.token,
    seed: values.seed,
    timeScale,
    authErrors: values["auth-errors"],
  };
}

async function main(): Promise<number> {
  let options: MainOptions | "help";
  try {
    options = parseMainArgs(Deno.args);
  } catch (error) {
    console.error(`mock-queen: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const log = (line: string) => console.error(`[mock-queen] ${line}`);
  const server = await ConsoleServer.start({
    hostname: options.host,
    port: options.port,
    token: options.token,
    seed: options.seed,
    timeScale: options.timeScale,
    authErrors: options.authErrors,
    log,
  });
  log(`listening on ${server.hostname}:${server.port} (seed ${options.seed}); Ctrl-C stops`);
  const stopped = Promise.withResolvers<string>();
  const onSigint = () => stopped.resolve("SIGINT");
  const onSigterm = () => stopped.resolve("SIGTERM");
  Deno.addSignalListener("SIGINT", onSigint);
  Deno.addSignalListener("SIGTERM", onSigterm);
  const signal = await stopped.promise;
  Deno.removeSignalListener("SIGINT", onSigint);
  Deno.removeSignalListener("SIGTERM", onSigterm);
  log(`${signal}: shutting down`);
  await server.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main());
