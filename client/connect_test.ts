import assert from "node:assert/strict";
import {
  backendNeeds,
  DEFAULT_TCP_HOST,
  DEFAULT_TCP_PORT,
  describeBackend,
  FALLBACK_TOKEN,
  resolveAuthToken,
} from "./connect.ts";

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("auth token: flag, then COH_AUTH_TOKEN, then COHSH_AUTH_TOKEN, then changeme", () => {
  const both = env({ COH_AUTH_TOKEN: " coh ", COHSH_AUTH_TOKEN: "cohsh" });
  assert.equal(resolveAuthToken(" flag ", both), "flag");
  assert.equal(resolveAuthToken(undefined, both), "coh");
  assert.equal(resolveAuthToken("  ", env({ COH_AUTH_TOKEN: " ", COHSH_AUTH_TOKEN: "x" })), "x");
  assert.equal(resolveAuthToken(undefined, env({})), FALLBACK_TOKEN);
  assert.equal(FALLBACK_TOKEN, "changeme");
});

Deno.test("the console defaults are the live Queen's: 127.0.0.1:31337", () => {
  assert.equal(DEFAULT_TCP_HOST, "127.0.0.1");
  assert.equal(DEFAULT_TCP_PORT, 31337);
});

const tcp = (authToken: string | undefined) => ({
  kind: "tcp" as const,
  host: DEFAULT_TCP_HOST,
  port: 4000,
  authToken,
  role: "queen",
  ticket: undefined,
  timeoutMs: 5000,
  maxAttempts: 3,
});

Deno.test("permission needs: the net flag, and the token variables only without a token", () => {
  assert.deepEqual(backendNeeds(tcp("t")).map((n) => n.flag), ["--allow-net=127.0.0.1:4000"]);
  assert.deepEqual(backendNeeds(tcp(undefined)).map((n) => n.flag), [
    "--allow-net=127.0.0.1:4000",
    "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN",
    "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN",
  ]);
  assert.deepEqual(backendNeeds({ kind: "mock", root: undefined, includeMig: false }), []);
  assert.deepEqual(
    backendNeeds({ kind: "filesystem", root: "mnt" }).map((n) => n.flag),
    ["--allow-read=mnt", "--allow-write=mnt"],
  );
});

Deno.test("describeBackend names where the choice points", () => {
  assert.equal(describeBackend(tcp(undefined)), "the Queen at 127.0.0.1:4000");
  assert.equal(
    describeBackend({ kind: "filesystem", root: "mnt" }),
    "the namespace mounted at mnt",
  );
  assert.equal(
    describeBackend({ kind: "mock", root: undefined, includeMig: false }),
    "the mock Queen",
  );
});
