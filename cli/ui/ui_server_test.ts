import assert from "node:assert/strict";
import { MockBackend } from "../../backends/mock.ts";
import { login, rawRequest, readFrames } from "../../tests/ui_http.ts";
import { CONTENT_SECURITY_POLICY } from "./http_guard.ts";
import { UiServer } from "./ui_server.ts";

async function startUi(options: { secrets?: string[] } = {}) {
  const backend = new MockBackend({ seed: "demo" });
  const server = await UiServer.start({
    backend,
    listen: { hostname: "127.0.0.1", port: 0 },
    pollMs: 250,
    target: "the mock Queen",
    registryRoot: "out/model_registry",
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  return {
    backend,
    server,
    async [Symbol.asyncDispose]() {
      await server.close();
      await backend.close();
    },
  };
}

Deno.test("no token, a wrong token, or a token anywhere but / is refused", async () => {
  await using ui = await startUi();
  const base = ui.server.origin;
  for (const url of [`${base}/`, `${base}/?token=wrong`, `${base}/api/state`, `${base}/events`]) {
    const response = await fetch(url, { redirect: "manual" });
    assert.equal(response.status, 401, url);
    assert.match(await response.text(), /needs the URL with the token/);
  }
  const token = new URL(ui.server.url).searchParams.get("token")!;
  const elsewhere = await fetch(`${base}/api/state?token=${token}`);
  assert.equal(elsewhere.status, 401);
  await elsewhere.body?.cancel();
});

Deno.test("the token URL sets an HttpOnly SameSite=Strict cookie and redirects to drop it", async () => {
  await using ui = await startUi();
  const response = await fetch(ui.server.url, { redirect: "manual" });
  await response.body?.cancel();
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/");
  const cookie = response.headers.get("set-cookie")!;
  assert.match(cookie, new RegExp(`^cohesix_ui_${ui.server.port}=`));
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Strict/);
  const page = await fetch(`${ui.server.origin}/`, { headers: { cookie: cookie.split(";")[0]! } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<meta name="cohesix-csrf" content="[A-Za-z0-9_-]{20,}">/);
});

Deno.test("every response carries the strict CSP; the page has no inline script or style", async () => {
  await using ui = await startUi();
  const cookie = await login(ui.server.url);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe|\*|https?:/);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/);
  const refused = await fetch(`${ui.server.origin}/`);
  await refused.body?.cancel();
  assert.equal(refused.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  const page = await fetch(`${ui.server.origin}/`, { headers: { cookie } });
  assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
  const html = await page.text();
  for (const script of html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []) {
    assert.match(script, /^<script src="\/assets\/app\.js" defer><\/script>$/);
  }
  assert.doesNotMatch(html, /<style|style=|\son[a-z]+=|https?:\/\/(?!www\.w3\.org)/);
  for (const [path, type] of [["app.js", "text/javascript"], ["app.css", "text/css"]]) {
    const asset = await fetch(`${ui.server.origin}/assets/${path}`, { headers: { cookie } });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("content-type")!, new RegExp(`^${type}`));
    assert.doesNotMatch(await asset.text(), /https?:\/\//, `${path} fetches nothing from outside`);
  }
});

Deno.test("a Host or Origin that is not the listen address is refused, even with the cookie", async () => {
  await using ui = await startUi();
  const cookie = await login(ui.server.url);
  const port = ui.server.port;
  for (const host of [`localhost:${port}`, `evil.example:${port}`, `127.0.0.1:${port + 1}`]) {
    const { status, text } = await rawRequest(port, [
      "GET /api/state HTTP/1.1",
      `Host: ${host}`,
      `Cookie: ${cookie}`,
    ]);
    assert.equal(status, 403, host);
    assert.match(text, /Host header is not this UI's address/);
  }
  const good = await rawRequest(port, [
    "GET /api/state HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    `Cookie: ${cookie}`,
  ]);
  assert.equal(good.status, 200);
  const crossOrigin = await fetch(`${ui.server.origin}/api/state`, {
    headers: { cookie, origin: "http://evil.example" },
  });
  assert.equal(crossOrigin.status, 403);
  assert.match(await crossOrigin.text(), /another origin/);
  const crossSite = await fetch(`${ui.server.origin}/api/state`, {
    headers: { cookie, "sec-fetch-site": "cross-site" },
  });
  assert.equal(crossSite.status, 403);
  await crossSite.body?.cancel();
});

Deno.test("actions are POST only, need the Origin, the CSRF token and a JSON body", async () => {
  await using ui = await startUi();
  const cookie = await login(ui.server.url);
  const page = await (await fetch(`${ui.server.origin}/`, { headers: { cookie } })).text();
  const csrf = /name="cohesix-csrf" content="([^"]+)"/.exec(page)![1]!;
  const url = `${ui.server.origin}/api/actions/spawn`;
  const origin = ui.server.origin;
  const json = "application/json";
  const body = JSON.stringify({ ticks: 3 });
  const attempts: [string, RequestInit, number, RegExp][] = [
    ["GET", { headers: { cookie } }, 405, /POST only/],
    [
      "no Origin",
      {
        method: "POST",
        headers: { cookie, "content-type": json, "x-cohesix-csrf": csrf },
        body,
      },
      403,
      /without an Origin/,
    ],
    [
      "cross-site form post",
      {
        method: "POST",
        headers: { cookie, origin: "http://evil.example", "content-type": "text/plain" },
        body,
      },
      403,
      /another origin/,
    ],
    [
      "no CSRF token",
      {
        method: "POST",
        headers: { cookie, origin, "content-type": json },
        body,
      },
      403,
      /CSRF token/,
    ],
    [
      "wrong CSRF token",
      {
        method: "POST",
        headers: { cookie, origin, "content-type": json, "x-cohesix-csrf": `${csrf}x` },
        body,
      },
      403,
      /CSRF token/,
    ],
    [
      "text/plain body",
      {
        method: "POST",
        headers: { cookie, origin, "content-type": "text/plain", "x-cohesix-csrf": csrf },
        body,
      },
      415,
      /JSON body/,
    ],
    [
      "no cookie",
      {
        method: "POST",
        headers: { origin, "content-type": json, "x-cohesix-csrf": csrf },
        body,
      },
      401,
      /token/,
    ],
  ];
  for (const [what, init, status, text] of attempts) {
    const response = await fetch(url, init);
    assert.equal(response.status, status, what);
    assert.match(await response.text(), text, what);
  }
  assert.deepEqual(ui.backend.namespace.workers(), [], "no refused request spawned anything");
  const accepted = await fetch(url, {
    method: "POST",
    headers: { cookie, origin, "content-type": json, "x-cohesix-csrf": csrf },
    body,
  });
  assert.equal(accepted.status, 200);
  assert.deepEqual(await accepted.json(), {
    ok: true,
    audit: ["OK ECHO path=/queen/ctl bytes=32", "spawn requested role=heartbeat ticks=3"],
  });
  assert.deepEqual(ui.backend.namespace.workers(), ["worker-1"]);
});

Deno.test("a failed action answers with the CohesixError message and hint, never a stack", async () => {
  await using ui = await startUi();
  const cookie = await login(ui.server.url);
  const page = await (await fetch(`${ui.server.origin}/`, { headers: { cookie } })).text();
  const csrf = /name="cohesix-csrf" content="([^"]+)"/.exec(page)![1]!;
  const post = (name: string, body: unknown) =>
    fetch(`${ui.server.origin}/api/actions/${name}`, {
      method: "POST",
      headers: {
        cookie,
        origin: ui.server.origin,
        "content-type": "application/json",
        "x-cohesix-csrf": csrf,
      },
      body: JSON.stringify(body),
    });
  const unknown = await post("kill", { workerId: "worker-9" });
  assert.equal(unknown.status, 422);
  const result = await unknown.json();
  assert.equal(result.ok, false);
  assert.match(result.error.message, /ERR ECHO|invalid-path/);
  assert.deepEqual(Object.keys(result.error).sort(), ["hint", "message"]);
  assert.doesNotMatch(JSON.stringify(result), /\n\s+at |\.ts:\d+/);
  const denied = await (await post("lifecycle", { command: "resume" })).json();
  assert.equal(denied.error.message, "lifecycle transition denied: state=ONLINE action=resume");
  assert.match(denied.error.hint, /nothing was sent/);
  const state = await (await fetch(`${ui.server.origin}/api/state`, { headers: { cookie } }))
    .json();
  assert.ok(state.audit.includes("error: lifecycle transition denied: state=ONLINE action=resume"));
});

Deno.test("SSE: one event per poll, `event: state`, an id, and one line of JSON data", async () => {
  await using ui = await startUi();
  const cookie = await login(ui.server.url);
  const response = await fetch(`${ui.server.origin}/events`, { headers: { cookie } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
  let first: number | undefined;
  const { frame, raw } = await readFrames(response.body!, (frame) => {
    const seq = JSON.parse(frame.data).seq;
    first ??= seq;
    return seq > first!;
  });
  assert.match(raw, /^event: state\nid: \d+\ndata: \{[^\n]*\}\n\n$/);
  const state = JSON.parse(frame.data);
  assert.equal(String(state.seq), frame.id);
  assert.deepEqual(state.gpus.value.map((gpu: { id: string }) => gpu.id), ["GPU-0", "GPU-1"]);
  assert.equal(state.node.value.lifecycle, "ONLINE");
});

Deno.test("the token never reaches the browser, even echoed by the Queen; controls show escaped", async () => {
  const secret = "s3cret-console-token";
  await using ui = await startUi({ secrets: [secret] });
  ui.backend.namespace.appendLog(`someone typed ${secret} into the log`);
  ui.backend.namespace.appendLog("bidi \u202e reversed and \x1b[31m red");
  const cookie = await login(ui.server.url);
  const response = await fetch(`${ui.server.origin}/events`, { headers: { cookie } });
  const { frame } = await readFrames(
    response.body!,
    (frame) => JSON.parse(frame.data).log?.ok === true,
  );
  assert.ok(!frame.data.includes(secret));
  assert.match(frame.data, /someone typed <redacted> into the log/);
  const log: string[] = JSON.parse(frame.data).log.value;
  assert.ok(log.includes("bidi \\u202e reversed and \\x1b[31m red"), log.join("\n"));
});

Deno.test("the console panel runs cohsh lines through cohesix sh's shell on the same Queen", async () => {
  await using ui = await startUi();
  const cookie = await login(ui.server.url);
  const page = await (await fetch(`${ui.server.origin}/`, { headers: { cookie } })).text();
  const csrf = /name="cohesix-csrf" content="([^"]+)"/.exec(page)![1]!;
  const run = async (line: string) => {
    const response = await fetch(`${ui.server.origin}/api/actions/console`, {
      method: "POST",
      headers: {
        cookie,
        origin: ui.server.origin,
        "content-type": "application/json",
        "x-cohesix-csrf": csrf,
      },
      body: JSON.stringify({ line }),
    });
    return await response.json();
  };
  const first = await run("spawn heartbeat ticks=2");
  assert.deepEqual(first, {
    ok: true,
    audit: [],
    output: ["[console] OK ECHO path=/queen/ctl bytes=31"],
  });
  assert.deepEqual(ui.backend.namespace.workers(), ["worker-1"], "the UI's own Queen");
  for (const line of ["quit", "attach queen", "telemetry push /etc/hostname --device d", "test"]) {
    const refused = await run(line);
    assert.equal(refused.ok, false, line);
    assert.match(refused.error.message, /would end the session|not offered from the page/, line);
  }
  const bad = await run("lifecycle resume");
  assert.deepEqual(bad.output, [
    "[console] ERR LIFECYCLE action=resume state=ONLINE reason=invalid-transition",
    "Error: lifecycle transition denied: state=ONLINE action=resume",
  ]);
});
