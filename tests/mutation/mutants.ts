/**
 * The mutants the suite must kill: each is one textual change to one file (a behaviour broken
 * on purpose) and the tests that pin that behaviour. `run.ts` applies each to a temporary copy
 * of the repository and runs its tests; a mutant whose tests still pass SURVIVED (the behaviour
 * is not pinned), and one whose `search` text no longer occurs is STALE (update it to where
 * the code lives now).
 *
 * The first twelve are issue 8's survivors and accidental kills; the rest pin later rules.
 *
 * @module
 */

/** One mutation and the tests that must catch it. */
export interface Mutant {
  /** Short unique name. */
  readonly name: string;
  /** File to mutate, relative to the repository root. */
  readonly file: string;
  /** Exact text to replace (its first occurrence). */
  readonly search: string;
  /** What to put instead. */
  readonly replace: string;
  /** Test files to run, relative to the repository root. */
  readonly tests: readonly string[];
}

/** Every mutant, in the order they run. */
export const MUTANTS: readonly Mutant[] = [
  {
    name: "atomic writer writes in place (large data, streaming path)",
    file: "core/atomic_file.ts",
    search: "await writeFileAtomicWith(path, (file) => writeAll(file, path, bytes));",
    replace: "await Deno.writeFile(path, bytes);",
    tests: ["client/local_files_test.ts", "core/atomic_file_test.ts"],
  },
  {
    name: "atomic writer writes in place (small data, synchronous path)",
    file: "core/atomic_file.ts",
    search: "if (bytes.length <= SYNC_IO_MAX_BYTES) return writeFileAtomicSync(path, bytes);",
    replace: "if (bytes.length <= SYNC_IO_MAX_BYTES) return Deno.writeFileSync(path, bytes);",
    tests: ["client/local_files_test.ts", "core/atomic_file_test.ts"],
  },
  {
    name: "body lines that look like acks are dropped",
    file: "transport/response_reader.ts",
    search: "lines.push(line); // Body lines are opaque, even ones that look like acks.",
    replace: "if (parseAck(line) === undefined) lines.push(line);",
    tests: ["tests/server_fault_test.ts", "transport/response_reader_test.ts"],
  },
  {
    name: "the ended-console-session error is not masked",
    file: "transport/console_connection.ts",
    search: "the Queen ended the console session: ${this.#mask(step.line)}",
    replace: "the Queen ended the console session: ${step.line}",
    tests: ["tests/hostile_server_test.ts"],
  },
  {
    name: "telemetry push takes the first line of latest",
    file: "client/telemetry_push.ts",
    search: "lastNonEmptyLine(decodeUtf8(latest, `${latestPath}`))",
    replace: 'decodeUtf8(latest, `${latestPath}`).split("\\n").map((l) => l.trim()).find(Boolean)',
    tests: ["client/telemetry_push_test.ts"],
  },
  {
    name: "error= no longer runs to the end of the line",
    file: "wire/ack.ts",
    search: 'new Set(["data", "payload", "error"])',
    replace: 'new Set(["data", "payload"])',
    tests: ["wire/ack_test.ts"],
  },
  {
    name: "ERR FRAME no longer answers a request",
    file: "transport/response_reader.ts",
    search: '(ack.label === "PARSE" || ack.label === "FRAME")',
    replace: 'ack.label === "PARSE"',
    tests: ["tests/tcp_fault_test.ts", "transport/response_reader_test.ts"],
  },
  {
    name: "ECHO payload accepts NUL",
    file: "wire/echo_payload.ts",
    search: "if (unsafe !== undefined) {",
    replace: 'if (unsafe !== undefined && unsafe !== "a NUL byte") {',
    tests: ["wire/echo_payload_test.ts"],
  },
  {
    name: "ECHO payload CR check removed",
    file: "wire/echo_payload.ts",
    search: 'if (text.includes("\\n") || text.includes("\\r")) {',
    replace: 'if (text.includes("\\n")) {',
    tests: ["wire/echo_payload_test.ts"],
  },
  {
    name: "layering: a client/ file imports tests/",
    file: "client/text.ts",
    search: 'import { OperationError } from "../core/errors.ts";',
    replace: 'import { OperationError } from "../core/errors.ts";\nimport "../tests/fixtures.ts";',
    tests: ["tests/layers_test.ts"],
  },
  {
    name: "every arm of the request deadline reschedules its timer",
    file: "transport/deadline.ts",
    search:
      "if (this.#timer === undefined || this.#firesAt > this.#deadline) this.#schedule(ms, now);",
    replace: "this.#schedule(ms, now);",
    tests: ["transport/deadline_test.ts"],
  },
  {
    name: "frame buffer never compacts (grows instead)",
    file: "wire/frame.ts",
    search: "if (needed > this.#buffer.length) {",
    replace: "if (true) {",
    tests: ["wire/frame_test.ts"],
  },
  {
    name: "an interrupted ECHO is quietly resent",
    file: "backends/tcp.ts",
    search: "const failure = conn.framesSent === before ? error : mayHaveBeenApplied(error, path);",
    replace: "if (conn.framesSent !== before) {\n" +
      "          await this.#ensureConnection(options.signal).then((fresh) =>\n" +
      '            fresh.request({ line, verb: "ECHO", shape: "ack", path }, {})\n' +
      "          ).catch(() => {});\n" +
      "        }\n" +
      "        const failure = conn.framesSent === before ? error : mayHaveBeenApplied(error, path);",
    tests: ["tests/server_fault_test.ts"],
  },
  {
    name: "the operation deadline is never seen as passed",
    file: "client/operation_run.ts",
    search: "return performance.now() >= this.#deadlineAt;",
    replace: "return false;",
    tests: ["client/operation_run_test.ts", "tests/deadline_test.ts"],
  },
  {
    name: "the filesystem backend skips the ECHO payload rules",
    file: "backends/filesystem.ts",
    search: "    normalizeEchoPayload(payload, this.#defaults);\n",
    replace: "",
    tests: ["tests/backend_contract_test.ts"],
  },
  {
    name: "the console's listing cap counts separators (stricter than coh's)",
    file: "transport/response_reader.ts",
    search: "(listing || lines.length === 0 ? 0 : 1)",
    replace: "(lines.length === 0 ? 0 : 1)",
    tests: ["tests/backend_contract_test.ts"],
  },
  {
    name: "the mock words its read cap its own way",
    file: "backends/mock.ts",
    search: "throw readCapError(path, maxBytes);",
    replace: "throw readCapError(`${path} (mock)`, maxBytes);",
    tests: ["tests/backend_contract_test.ts"],
  },
  {
    name: "the shell reads an answer that never ends without bound",
    file: "cli/shell/cohsh_console.ts",
    search: "    if (budget.left < 0) {",
    replace: "    if (budget.left < 0 && false) {",
    tests: ["tests/hostile_shell_test.ts"],
  },
  {
    name: "a PING failure that caused a reconnect is forgotten",
    file: "backends/tcp.ts",
    search: "throw pingFailure === undefined ? failure : afterFailedPing(failure, pingFailure);",
    replace: "throw failure;",
    tests: ["tests/server_fault_test.ts"],
  },
  {
    name: "a synchronous read runs past the synchronous slice",
    file: "core/sync_io.ts",
    search:
      "return file.readSync(buffer.subarray(0, Math.min(buffer.length, SYNC_IO_MAX_BYTES - offset)));",
    replace: "return file.readSync(buffer);",
    tests: ["core/sync_io_test.ts"],
  },
  {
    name: "a large file is synced on the event loop's thread",
    file: "core/sync_io.ts",
    search: "if (file.statSync().size <= SYNC_IO_MAX_BYTES) return file.syncDataSync();",
    replace: "return file.syncDataSync();",
    tests: ["core/sync_io_test.ts"],
  },
];
