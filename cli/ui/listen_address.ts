/**
 * `--listen HOST:PORT` for `cohesix ui`: an IP literal (the Host and Origin checks compare
 * against it, so a wildcard or a name that DNS can rebind is refused) and a port (0 = any free
 * one). Loopback unless told otherwise.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";

/** Where the UI listens. */
export interface ListenAddress {
  /** The IP literal, without brackets (`127.0.0.1`, `::1`). */
  readonly hostname: string;
  /** The port; 0 asks for any free port. */
  readonly port: number;
}

/** The default: loopback, any free port. */
export const DEFAULT_LISTEN = "127.0.0.1:0";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses `HOST:PORT` (`[::1]:PORT` for IPv6). */
export function parseListen(text: string): ListenAddress {
  const usage = (why: string) =>
    new UsageError(`--listen ${JSON.stringify(text)}: ${why}`, {
      hint: "give an IP address and a port, e.g. --listen 127.0.0.1:0 or --listen [::1]:8080",
    });
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  if (!match) throw usage("expected HOST:PORT with an IP address");
  const hostname = match[1]!.toLowerCase();
  const port = Number(match[2]);
  if (port > 65535) throw usage("port must be 0..65535");
  const v6 = text.startsWith("[");
  if (!v6 && !IPV4.test(hostname)) throw usage("not an IPv4 address");
  if (v6 && !/^[0-9a-f:.]+$/.test(hostname)) throw usage("not an IPv6 address");
  if (hostname === "0.0.0.0" || /^[0:]+$/.test(hostname)) {
    throw usage("a wildcard address has no single Host the browser could name");
  }
  return { hostname, port };
}

/** Whether the address is loopback (127.0.0.0/8 or ::1). */
export function isLoopback(address: ListenAddress): boolean {
  return address.hostname.startsWith("127.") || address.hostname === "::1";
}

/** `host:port` as a browser writes it in `Host` (IPv6 in brackets). */
export function hostHeaderOf(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
