import assert from "node:assert/strict";
import { isPriorityLine, OutputLanes } from "./output_lanes.ts";

function run(lanes: OutputLanes, lines: string[], droppable = false): string[] {
  const out: string[] = [];
  for (const line of lines) out.push(...lanes.push(line, { droppable }));
  out.push(...lanes.flush());
  return out;
}

Deno.test("priority lines are OK/ERR prefixed or exactly END", () => {
  assert.equal(isPriorityLine("OK LS"), true);
  assert.equal(isPriorityLine("ERR X"), true);
  assert.equal(isPriorityLine("END"), true);
  assert.equal(isPriorityLine("ENDING"), false);
  assert.equal(isPriorityLine("OKAY"), false);
});

Deno.test("an ack overtakes a body produced before it (shape C)", () => {
  assert.deepEqual(run(new OutputLanes(), ["PONG", "OK PING reply=pong"]), [
    "OK PING reply=pong",
    "PONG",
  ]);
});

Deno.test("END waits behind data; stream order is ack, body, END", () => {
  assert.deepEqual(run(new OutputLanes(), ["OK LS path=/ entries=2", "a", "b", "END"]), [
    "OK LS path=/ entries=2",
    "a",
    "b",
    "END",
  ]);
});

Deno.test("content lines that look like protocol lines are reordered as live", () => {
  const body = ["line-1", "OK FAKE ack", "line-3", "END", "line-5", "ERR X y"];
  assert.deepEqual(run(new OutputLanes(), ["OK CAT path=/s data=x", ...body, "END"]), [
    "OK CAT path=/s data=x",
    "OK FAKE ack",
    "line-1",
    "line-3",
    "END",
    "ERR X y",
    "line-5",
    "END",
  ]);
});

Deno.test("non-streaming emitters lose lines past the data cap; streams do not", () => {
  const help = Array.from({ length: 10 }, (_, i) => `help ${i}`);
  const lanes = new OutputLanes(8);
  const out: string[] = [];
  for (const line of help) out.push(...lanes.push(line, { droppable: true }));
  out.push(...lanes.push("OK HELP"), ...lanes.flush());
  assert.deepEqual(out, ["OK HELP", ...help.slice(0, 8)]);
  const stream = Array.from({ length: 20 }, (_, i) => `e${i}`);
  assert.deepEqual(run(new OutputLanes(8), ["OK LS", ...stream, "END"]), [
    "OK LS",
    ...stream,
    "END",
  ]);
});

Deno.test("empty and whitespace-only lines are never sent", () => {
  assert.deepEqual(run(new OutputLanes(), ["OK CAT", "", "  ", "x", "END"]), [
    "OK CAT",
    "x",
    "END",
  ]);
});
