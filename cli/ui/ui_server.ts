/**
 * The `cohesix ui` HTTP server (`Deno.serve`): the security checks of `http_guard.ts` on every
 * request, then a handful of routes —
 *
 * | route                     | method | what                                               |
 * | ------------------------- | ------ | -------------------------------------------------- |
 * | `/`                       | GET    | the page (`?token=` once: sets the cookie, redirects) |
 * | `/assets/app.js`, `.css`, `icon.svg` | GET | the page's script, style and icon, from the module |
 * | `/api/state`              | GET    | the current hive snapshot as JSON                  |
 * | `/events`                 | GET    | server-sent events: a `state` frame per poll        |
 * | `/api/actions/<name>`     | POST   | an action (JSON body), answered with its audit     |
 *
 * It owns the poller and the actions; the backend belongs to the caller, who closes it after
 * {@link UiServer.close}.
 *
 * @module
 */

import type { Backend } from "../../backends/backend.ts";
import { concatBytes } from "../../core/bytes.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { ValidationError } from "../../core/errors.ts";
import { UiActions } from "./actions.ts";
import { APP_CSS } from "./assets/app_css.ts";
import { APP_JS } from "./assets/app_js.ts";
import { ICON_SVG } from "./assets/icon_svg.ts";
import { pageHtml } from "./assets/page_html.ts";
import { consoleFor, type ConsoleRunner } from "./console_runner.ts";
import { EventHub, sseFrame } from "./event_stream.ts";
import { HIVE_BUDGETS, type HiveBudgets } from "./hive_budgets.ts";
import type { HiveSnapshot } from "./hive_snapshot.ts";
import { type GuardConfig, guardRequest, randomToken, SECURITY_HEADERS } from "./http_guard.ts";
import { hostHeaderOf, type ListenAddress } from "./listen_address.ts";
import { redactSecrets } from "./redact.ts";
import { shownError } from "./shown_error.ts";
import { type PolledState, StatePoller } from "./state_poller.ts";

/** Options of {@link UiServer.start}. */
export interface UiServerOptions {
  /** The one backend the UI reads and writes through. */
  readonly backend: Backend;
  /** Where to listen. */
  readonly listen: ListenAddress;
  /** Poll interval in ms (the caller checks it against the tail bounds). */
  readonly pollMs: number;
  /** Where the Queen is, for the page header (`the Queen at H:P`). */
  readonly target: string;
  /** The local model registry (activate, roll back). */
  readonly registryRoot: string;
  /** The console panel's shell; default: `cohesix sh`'s shell over the same Queen. */
  readonly console?: ConsoleRunner;
  /** Strings that must never reach the browser (console token, ticket). */
  readonly secrets?: readonly string[];
  /** The bounds in force. */
  readonly defaults?: CohesixDefaults;
  /** The hive budgets. */
  readonly budgets?: HiveBudgets;
}

/** Largest action body accepted. */
const MAX_BODY_BYTES = 8192;

const ASSETS: Readonly<Record<string, { body: string; type: string }>> = {
  "/assets/app.js": { body: APP_JS, type: "text/javascript; charset=utf-8" },
  "/assets/app.css": { body: APP_CSS, type: "text/css; charset=utf-8" },
  "/assets/icon.svg": { body: ICON_SVG, type: "image/svg+xml" },
};

function respond(body: BodyInit | null, status: number, headers: Record<string, string> = {}) {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

function json(value: unknown, status = 200): Response {
  return respond(JSON.stringify(value), status, {
    "content-type": "application/json; charset=utf-8",
  });
}

function plain(text: string, status: number, headers: Record<string, string> = {}): Response {
  return respond(`${text}\n`, status, { "content-type": "text/plain; charset=utf-8", ...headers });
}

/** A running UI. */
export class UiServer implements AsyncDisposable {
  /** The URL to open, with the access token (print it once; never log it elsewhere). */
  readonly url: string;
  /** `http://host:port`. */
  readonly origin: string;
  /** The port it listens on. */
  readonly port: number;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #poller: StatePoller;
  readonly #actions: UiActions;
  readonly #hub = new EventHub();
  readonly #stop = new AbortController();
  readonly #secrets: readonly string[];
  readonly #console: ConsoleRunner;
  #guard: GuardConfig | undefined;
  #closed: Promise<void> | undefined;

  private constructor(options: UiServerOptions) {
    const defaults = options.defaults ?? DEFAULTS;
    this.#secrets = options.secrets ?? [];
    this.#server = Deno.serve({
      hostname: options.listen.hostname,
      port: options.listen.port,
      signal: this.#stop.signal,
      onListen: () => {},
    }, (request) => this.#handle(request));
    this.port = this.#server.addr.port;
    const host = hostHeaderOf(options.listen.hostname, this.port);
    this.origin = `http://${host}`;
    this.#guard = {
      host,
      origin: this.origin,
      token: randomToken(),
      csrf: randomToken(),
      cookieName: `cohesix_ui_${this.port}`,
    };
    this.url = `${this.origin}/?token=${this.#guard.token}`;
    this.#console = options.console ?? consoleFor(options.backend, defaults);
    this.#actions = new UiActions({
      backend: options.backend,
      defaults,
      registryRoot: options.registryRoot,
      console: this.#console,
      onChange: () => this.#poller.pollSoon(),
    });
    this.#poller = new StatePoller({
      backend: options.backend,
      defaults,
      budgets: options.budgets ?? HIVE_BUDGETS,
      pollMs: options.pollMs,
      target: options.target,
      registryRoot: options.registryRoot,
      onState: (state) => this.#publish(state),
    });
  }

  /** Listens and starts polling. */
  static start(options: UiServerOptions): Promise<UiServer> {
    const server = new UiServer(options);
    server.#poller.start();
    return Promise.resolve(server);
  }

  /** The current snapshot, as the page receives it. */
  snapshot(): HiveSnapshot {
    return redactSecrets({ ...this.#poller.state, audit: this.#actions.auditLines }, this.#secrets);
  }

  /** Stops polling, ends the event streams and stops listening; idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stop.abort(new DOMException("ui stopped", "AbortError"));
      this.#hub.closeAll();
      await this.#poller.stop();
      await this.#actions.drain();
      await this.#console.close();
      await this.#server.finished;
    })();
    return this.#closed;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #publish(_state: PolledState): void {
    const snapshot = this.snapshot();
    this.#hub.publish(sseFrame("state", snapshot.seq, snapshot));
  }

  async #handle(request: Request): Promise<Response> {
    const guard = this.#guard!;
    const decision = guardRequest(request, guard);
    if (decision.kind === "refuse") return plain(`cohesix ui: ${decision.why}`, decision.status);
    if (decision.kind === "login") {
      return respond(null, 303, { location: "/", "set-cookie": decision.setCookie });
    }
    const url = new URL(request.url);
    const path = url.pathname;
    const isGet = request.method === "GET" || request.method === "HEAD";
    if (path.startsWith("/api/actions/")) {
      if (request.method !== "POST") return plain("actions are POST only", 405, { allow: "POST" });
      return await this.#action(path.slice("/api/actions/".length), request);
    }
    const known = path === "/" || path === "/api/state" || path === "/events" || path in ASSETS;
    if (!known) return plain("not found", 404);
    if (!isGet) return plain("this resource is GET only", 405, { allow: "GET, HEAD" });
    if (path === "/") {
      if (url.search !== "") return respond(null, 303, { location: "/" });
      return respond(pageHtml(guard.csrf), 200, { "content-type": "text/html; charset=utf-8" });
    }
    if (path === "/api/state") return json(this.snapshot());
    if (path === "/events") {
      const body = this.#hub.open();
      if (body === undefined) return plain("too many open event streams", 503);
      return respond(body, 200, { "content-type": "text/event-stream; charset=utf-8" });
    }
    const asset = ASSETS[path]!;
    return respond(asset.body, 200, { "content-type": asset.type });
  }

  async #action(name: string, request: Request): Promise<Response> {
    if (!UiActions.isAction(name)) return plain("no such action", 404);
    let body: Record<string, unknown>;
    try {
      body = await readJsonBody(request);
    } catch (error) {
      return json({ ok: false, audit: [], error: shownError(error) }, 400);
    }
    const result = await this.#actions.run(name, body);
    return json(redactSecrets(result, this.#secrets), result.ok ? 200 : 422);
  }
}

async function readJsonBody(request: Request): Promise<Record<string, unknown>> {
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader !== undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new ValidationError(`the action body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(concatBytes(chunks)));
  } catch {
    throw new ValidationError("the action body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError("the action body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
