/**
 * The UI's security checks, applied to every request before routing (see README "cohesix ui"):
 *
 * - `Host` must be the listen address (a DNS-rebound name is refused);
 * - `Origin`, when present, must be the UI's own origin; a state-changing POST must carry it,
 *   must be JSON and must carry the per-run CSRF token in `X-Cohesix-CSRF` (cross-site pages can
 *   send none of these without a preflight the UI never answers);
 * - every request needs the per-run access token: in an HttpOnly SameSite=Strict cookie, or once
 *   as `?token=` on `/`, which sets the cookie and redirects to drop it from the address bar;
 * - every response carries a strict Content-Security-Policy (no inline script or style) and
 *   no-store, nosniff, no-referrer, frame-deny headers.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";

/** Name of the request header that carries the CSRF token on POSTs. */
export const CSRF_HEADER = "x-cohesix-csrf";

/** The Content-Security-Policy of every response. */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** A fresh random token (32 bytes, base64url). */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Compares two secrets in constant time (for equal lengths). */
export function sameSecret(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What the guard decided. */
export type GuardDecision =
  | { readonly kind: "pass" }
  | { readonly kind: "refuse"; readonly status: number; readonly why: string }
  | { readonly kind: "login"; readonly setCookie: string };

/** The per-run secrets and the address the guard enforces. */
export interface GuardConfig {
  /** `host:port` the browser must name in `Host`. */
  readonly host: string;
  /** `http://host:port`, the only `Origin` accepted. */
  readonly origin: string;
  /** The access token (URL once, then cookie). */
  readonly token: string;
  /** The CSRF token the page sends back on POSTs. */
  readonly csrf: string;
  /** The cookie's name (per port: cookies are not scoped by port). */
  readonly cookieName: string;
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Checks `request` against the rules of the module doc. */
export function guardRequest(request: Request, config: GuardConfig): GuardDecision {
  const refuse = (status: number, why: string): GuardDecision => ({
    kind: "refuse",
    status,
    why,
  });
  if (request.headers.get("host") !== config.host) {
    return refuse(403, "the Host header is not this UI's address");
  }
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== config.origin) {
    return refuse(403, "the request comes from another origin");
  }
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    return refuse(403, "the request comes from another site");
  }
  const url = new URL(request.url);
  const cookieOk = sameSecret(
    cookieValue(request.headers.get("cookie"), config.cookieName),
    config.token,
  );
  if (!cookieOk) {
    const given = url.searchParams.get("token");
    if (request.method === "GET" && url.pathname === "/" && sameSecret(given, config.token)) {
      return {
        kind: "login",
        setCookie: `${config.cookieName}=${config.token}; Path=/; HttpOnly; SameSite=Strict`,
      };
    }
    return refuse(401, "this page needs the URL with the token that cohesix ui printed");
  }
  if (request.method === "POST") {
    if (origin === null) return refuse(403, "a POST without an Origin header is refused");
    if (!sameSecret(request.headers.get(CSRF_HEADER), config.csrf)) {
      return refuse(403, "the CSRF token is missing or wrong");
    }
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/json(;|$)/i.test(type)) {
      return refuse(415, "actions take a JSON body");
    }
  }
  return { kind: "pass" };
}
