import assert from "node:assert/strict";
import { ConnectionError, LimitError, ProtocolError } from "../core/errors.ts";
import {
  type ConsoleRequest,
  ResponseReader,
  type ResponseStep,
  staleLinesError,
} from "./response_reader.ts";

const LS: ConsoleRequest = { line: "LS /gpu", verb: "LS", shape: "stream", path: "/gpu" };
const CAT: ConsoleRequest = { line: "CAT /x", verb: "CAT", shape: "stream", path: "/x" };
const PING: ConsoleRequest = { line: "PING", verb: "PING", shape: "ping" };
const ECHO: ConsoleRequest = {
  line: "ECHO /log/x hi",
  verb: "ECHO",
  shape: "ack",
  path: "/log/x",
  expect: { bytes: "2" },
};

/** Feeds `lines` and returns every step. */
function feed(reader: ResponseReader, ...lines: string[]): ResponseStep[] {
  return lines.map((line) => reader.push(line));
}

function last(steps: ResponseStep[]): ResponseStep {
  return steps.at(-1)!;
}

Deno.test("a stream is its ack, every body line as is (ack-shaped ones too), then END", () => {
  const steps = feed(
    new ResponseReader(CAT, 1024),
    "OK CAT path=/x data=a",
    "a",
    "OK ECHO path=/y bytes=1",
    "ERR CAT reason=x",
    "END",
  );
  assert.deepEqual(steps.slice(0, -1).map((s) => s.kind), ["more", "more", "more", "more"]);
  const done = last(steps);
  assert.equal(done.kind, "done");
  if (done.kind !== "done") return;
  assert.deepEqual(done.response.lines, ["a", "OK ECHO path=/y bytes=1", "ERR CAT reason=x"]);
  assert.equal(done.response.ack.line, "OK CAT path=/x data=a");
  assert.equal(done.after, "END");
});

Deno.test("lines before the answer are skipped: stray body, another verb, another path", () => {
  const reader = new ResponseReader(LS, 1024);
  const steps = feed(reader, "PONG", "OK CAT path=/gpu", "OK LS path=/other", "ERR ECHO x");
  assert.deepEqual(steps.map((s) => s.kind), ["more", "more", "more", "more"]);
  assert.equal(last(feed(reader, "OK LS path=/gpu", "GPU-0", "END")).kind, "done");
});

Deno.test("an ack naming other expected values is stale; the one that matches answers", () => {
  const reader = new ResponseReader(ECHO, 1024);
  assert.equal(reader.push("OK ECHO path=/log/x bytes=7").kind, "more");
  const step = reader.push("OK ECHO path=/log/x bytes=2");
  assert.equal(step.kind, "done");
  if (step.kind === "done") assert.equal(step.after, "its ack");
});

for (const line of ["ERR LS reason=policy path=/gpu", "ERR PARSE reason=x", "ERR FRAME reason=y"]) {
  Deno.test(`${line.split(" ").slice(0, 2).join(" ")} answers the request as a refusal`, () => {
    const step = new ResponseReader(LS, 1024).push(line);
    assert.equal(step.kind, "refused");
    if (step.kind === "refused") assert.equal(step.ack.line, line);
  });
}

Deno.test("ERR CONSOLE ends the session, whatever was asked", () => {
  assert.deepEqual(new ResponseReader(PING, 1024).push("ERR CONSOLE reason=timeout"), {
    kind: "console-ended",
    line: "ERR CONSOLE reason=timeout",
  });
});

Deno.test("PING completes with OK PING and PONG, in either order", () => {
  for (const order of [["OK PING reply=pong", "PONG"], ["PONG", "OK PING reply=pong"]]) {
    const step = last(feed(new ResponseReader(PING, 1024), ...order));
    assert.equal(step.kind, "done", order.join(","));
    if (step.kind === "done") assert.deepEqual(step.response.lines, ["PONG"]);
  }
});

Deno.test("LS with entries=: an entry named END is an entry; END early waits and says so", () => {
  const reader = new ResponseReader(LS, 1024);
  const steps = feed(reader, "OK LS path=/gpu entries=2", "END", "x");
  assert.equal(last(steps).kind, "more");
  const done = reader.push("END");
  assert.equal(done.kind, "done");
  if (done.kind === "done") assert.deepEqual(done.response.lines, ["END", "x"]);

  const short = new ResponseReader(LS, 1024);
  feed(short, "OK LS path=/gpu entries=3", "a", "END");
  // With 1 of 3 entries, END counts as the second entry; a timeout would say why it waited.
  assert.equal(
    short.stallNote,
    "LS /gpu announced entries=3 and sent END after 1; waiting for the rest",
  );
});

Deno.test("LS sending more lines than announced is a ProtocolError, out of step", () => {
  const reader = new ResponseReader(LS, 1024);
  feed(reader, "OK LS path=/gpu entries=1", "a");
  assert.throws(() => reader.push("b"), (e: unknown) =>
    e instanceof ProtocolError &&
    e.summary === "the LS /gpu reply announced entries=1 but sent more lines; the connection " +
        "was dropped");
  assert.equal(reader.outOfStep, true);
});

Deno.test("the body cap counts lines joined with newlines: exactly at the cap ok, one over refused", () => {
  const atCap = new ResponseReader(CAT, 7); // "abc\ndef" is 7 bytes
  assert.equal(last(feed(atCap, "OK CAT path=/x", "abc", "def", "END")).kind, "done");
  const over = new ResponseReader(CAT, 6);
  feed(over, "OK CAT path=/x", "abc");
  assert.throws(
    () => over.push("def"),
    (e: unknown) =>
      e instanceof LimitError && e.limit === "max_bytes" && e.max === 6 &&
      e.summary === "read /x exceeds max bytes 6",
  );
  // The request's own cap wins over the connection's default.
  const own = new ResponseReader({ ...CAT, maxBodyBytes: 2 }, 1024);
  feed(own, "OK CAT path=/x");
  assert.throws(() => own.push("abc"), LimitError);
});

Deno.test("a stream that ends early: before the answer a ConnectionError, inside it a ProtocolError", () => {
  const before = new ResponseReader(LS, 1024);
  assert.ok(before.end() instanceof ConnectionError);
  assert.equal(before.end().message, "the Queen closed the connection before answering LS");
  const inside = new ResponseReader(LS, 1024);
  feed(inside, "OK LS path=/gpu", "a");
  const error = inside.end();
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.message, "the Queen closed the connection in the middle of the LS reply");
});

Deno.test("stale lines after a complete reply: the message fits the shape", () => {
  assert.match(
    staleLinesError(CAT, "END").message,
    /CAT \/x reply was followed by more lines after END/,
  );
  assert.match(staleLinesError(ECHO, "its ack").message, /out of step/);
});
