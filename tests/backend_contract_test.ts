/**
 * One Backend contract, proven on all three backends: `TcpBackend` (over the in-repo console
 * server), `MockBackend` and `FilesystemBackend` get the same namespace and the same checks for
 * every primitive: what a read returns, the read cap and its wording, coh's listing bound,
 * every ECHO payload rule (same error class and message, nothing written), bad paths, aborts.
 *
 * Where they differ by nature, the difference is stated here: a mount lists in code-point order
 * (a console in the Queen's insertion order; the names below are inserted sorted), and a
 * missing path is the Queen's `ERR` (`CommandError`) on a console but the mount's `ENOENT`
 * (`LocalFileError`) on a filesystem.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend } from "../backends/backend.ts";
import { FilesystemBackend } from "../backends/filesystem.ts";
import { MockBackend } from "../backends/mock.ts";
import { TcpBackend } from "../backends/tcp.ts";
import { listDirBounded } from "../client/remote.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import {
  AbortedError,
  CohesixError,
  CommandError,
  LimitError,
  LocalFileError,
  ValidationError,
} from "../core/errors.ts";
import { QueenNamespace } from "../queen/queen_namespace.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The namespace every backend serves (besides what its seed already holds). */
const DATA = "alpha\nbeta";
const NAMES = ["aaaa", "bbbb", "cccc", "dddd"]; // 16 bytes of names, 19 joined with newlines
const LOG = "/log/queen.log";

/** Bounds with a listing cap the fixture directory meets exactly. */
const AT_CAP: CohesixDefaults = {
  ...DEFAULTS,
  readCaps: { ...DEFAULTS.readCaps, maxDirListBytes: 16 },
};
/** Bounds one byte below it. */
const BELOW_CAP: CohesixDefaults = {
  ...DEFAULTS,
  readCaps: { ...DEFAULTS.readCaps, maxDirListBytes: 15 },
};

function seededNamespace(): QueenNamespace {
  const namespace = new QueenNamespace({ seed: "queen" });
  namespace.put("/contract/data", DATA);
  for (const name of NAMES) namespace.put(`/contract/list/${name}`, "");
  return namespace;
}

/** One backend under test, opened with the given bounds. */
interface Subject {
  readonly kind: "tcp" | "mock" | "filesystem";
  open(defaults: CohesixDefaults): Promise<Backend>;
  /** The log's bytes where the test can see them without the backend (mount only). */
  logBytes?(): Promise<Uint8Array>;
}

async function withSubjects(body: (subject: Subject) => Promise<void>): Promise<void> {
  await using server = await ConsoleServer.start({ namespace: seededNamespace() });
  const tcp: Subject = {
    kind: "tcp",
    open: (defaults) =>
      TcpBackend.connect({
        host: server.hostname,
        port: server.port,
        authToken: "changeme",
        defaults,
        timeoutMs: 5_000,
      }),
  };
  const mockNamespace = seededNamespace();
  const mock: Subject = {
    kind: "mock",
    open: (defaults) => Promise.resolve(new MockBackend({ namespace: mockNamespace, defaults })),
  };
  const root = await Deno.makeTempDir({ prefix: "cohesix-contract-" });
  try {
    await Deno.mkdir(`${root}/contract/list`, { recursive: true });
    await Deno.mkdir(`${root}/log`);
    await Deno.writeTextFile(`${root}/contract/data`, DATA);
    for (const name of NAMES) await Deno.writeTextFile(`${root}/contract/list/${name}`, "");
    await Deno.writeTextFile(`${root}${LOG}`, "");
    const filesystem: Subject = {
      kind: "filesystem",
      open: (defaults) => FilesystemBackend.open(root, { defaults }),
      logBytes: () => Deno.readFile(`${root}${LOG}`),
    };
    for (const subject of [tcp, mock, filesystem]) await body(subject);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** The rejection of `promise` (which must reject). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** What the ECHO payload rules say about `payload`: the error's class and summary. */
function ruleVerdict(payload: Uint8Array): [string, string] {
  try {
    normalizeEchoPayload(payload);
  } catch (error) {
    assert.ok(error instanceof CohesixError);
    return [error.name, error.summary];
  }
  assert.fail("the payload is valid");
}

const PERMISSIONS: Deno.PermissionOptions = { net: ["127.0.0.1"], read: true, write: true };

Deno.test({
  name: "contract: readFile returns the same bytes; the cap is exact and worded once",
  permissions: PERMISSIONS,
  async fn() {
    await withSubjects(async ({ kind, open }) => {
      await using backend = await open(DEFAULTS);
      const bytes = await backend.readFile("/contract/data", DATA.length);
      assert.equal(decoder.decode(bytes), DATA, kind);
      const error = await rejection(backend.readFile("/contract/data", DATA.length - 1));
      assert.ok(error instanceof LimitError, `${kind}: ${error}`);
      assert.equal(error.summary, `read /contract/data exceeds max bytes ${DATA.length - 1}`);
      assert.equal(error.limit, "max_bytes", kind);
      assert.equal(error.max, DATA.length - 1, kind);
      // The backend is still usable afterwards (TCP reconnects after dropping the reply).
      assert.equal(decoder.decode(await backend.readFile("/contract/data", 64)), DATA, kind);
    });
  },
});

Deno.test({
  name: "contract: listings hold the same names, and coh's bound counts names only",
  permissions: PERMISSIONS,
  async fn() {
    await withSubjects(async ({ kind, open }) => {
      {
        await using backend = await open(AT_CAP);
        assert.deepEqual(await backend.listDir("/contract/list"), NAMES, kind);
        assert.deepEqual(await listDirBounded(backend, "/contract/list", AT_CAP), NAMES, kind);
      }
      await using backend = await open(BELOW_CAP);
      const error = await rejection(listDirBounded(backend, "/contract/list", BELOW_CAP));
      assert.ok(error instanceof LimitError, `${kind}: ${error}`);
      assert.equal(error.summary, "list /contract/list exceeds max bytes 15", kind);
      assert.equal(error.limit, "read_caps.max_dir_list_bytes", kind);
      assert.equal(error.max, 15, kind);
    });
  },
});

/** Payloads every backend must refuse, as the console does. */
const REFUSED: ReadonlyArray<[string, Uint8Array]> = [
  ["NUL", encoder.encode("a\0b")],
  ["TAB", encoder.encode("a\tb")],
  ["DEL", encoder.encode("a\x7fb")],
  ["non-ASCII", encoder.encode("h\u00e9llo")],
  ["empty", new Uint8Array()],
  ["only a newline", encoder.encode("\n")],
  ["blank", encoder.encode("   ")],
  ["CR", encoder.encode("a\rb")],
  ["inner LF", encoder.encode("a\nb")],
  ["two newlines", encoder.encode("a\n\n")],
  ["not UTF-8", new Uint8Array([0x61, 0xff])],
  ["too long", encoder.encode("x".repeat(DEFAULTS.console.maxEchoLen + 1))],
];

Deno.test({
  name: "contract: every ECHO payload rule, with the same error class and message",
  permissions: PERMISSIONS,
  async fn() {
    await withSubjects(async ({ kind, open, logBytes }) => {
      await using backend = await open(DEFAULTS);
      const before = await logBytes?.();
      for (const [name, payload] of REFUSED) {
        const error = await rejection(backend.writeAppend(LOG, payload));
        assert.ok(error instanceof ValidationError, `${kind} ${name}: ${error}`);
        assert.deepEqual([error.name, error.summary], ruleVerdict(payload), `${kind} ${name}`);
      }
      if (before !== undefined) assert.deepEqual(await logBytes!(), before, "nothing written");
      // What the rules accept, every backend writes, and counts as the caller gave it.
      const max = "y".repeat(DEFAULTS.console.maxEchoLen);
      assert.equal(await backend.writeAppend(LOG, encoder.encode("marker\n")), 7, kind);
      assert.equal(await backend.writeAppend(LOG, encoder.encode(max)), max.length, kind);
    });
  },
});

Deno.test({
  name: "contract: bad paths are refused before use; a missing one is the backend's refusal",
  permissions: PERMISSIONS,
  async fn() {
    await withSubjects(async ({ kind, open }) => {
      await using backend = await open(DEFAULTS);
      for (const path of ["relative", "/contract/../data", "/contract/da ta", "/contract//data"]) {
        for (
          const call of [
            () => backend.readFile(path, 64),
            () => backend.listDir(path),
            () => backend.writeAppend(path, encoder.encode("x")),
          ]
        ) {
          const error = await rejection(call());
          assert.ok(error instanceof ValidationError, `${kind} ${path}: ${error}`);
        }
      }
      const missing = await rejection(backend.readFile("/contract/missing", 64));
      const expected = kind === "filesystem" ? LocalFileError : CommandError;
      assert.ok(missing instanceof expected, `${kind}: ${missing}`);
      assert.match((missing as Error).message, /\/contract\/missing/);
    });
  },
});

Deno.test({
  name: "contract: an aborted signal stops every primitive with an AbortedError",
  permissions: PERMISSIONS,
  async fn() {
    await withSubjects(async ({ kind, open }) => {
      await using backend = await open(DEFAULTS);
      const signal = AbortSignal.abort();
      for (
        const call of [
          () => backend.readFile("/contract/data", 64, { signal }),
          () => backend.listDir("/contract/list", { signal }),
          () => backend.writeAppend(LOG, encoder.encode("x"), { signal }),
        ]
      ) {
        const error = await rejection(call());
        assert.ok(error instanceof AbortedError, `${kind}: ${error}`);
      }
    });
  },
});
