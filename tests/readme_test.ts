/**
 * Keeps README.md's promise: its first code block holds the two newcomer commands (the mock
 * demo, then the test suite), both name real deno.json tasks, the demo runs on the mock, and
 * `.ci/run` runs exactly README's test command.
 */

import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readme = Deno.readTextFileSync(new URL("README.md", root));
const denoJson = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root))) as {
  tasks: Record<string, string>;
};
const ciRun = Deno.readTextFileSync(new URL(".ci/run", root));

function newcomerCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README.md has no sh code block");
  return block[1]!.split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter((l) => l !== "");
}

Deno.test("README starts with two commands: the mock demo, then the tests", () => {
  const commands = newcomerCommands();
  assert.equal(commands.length, 2, `expected two commands, got ${JSON.stringify(commands)}`);
  const [demo, test] = commands as [string, string];
  const demoTask = /^deno task (\S+)$/.exec(demo)?.[1];
  assert.ok(demoTask && denoJson.tasks[demoTask], `${demo} is not a deno.json task`);
  assert.match(denoJson.tasks[demoTask]!, /--mock\b/, "the demo must run on the built-in mock");
  assert.doesNotMatch(denoJson.tasks[demoTask]!, /--allow-net|--allow-all|\s-A\b/);
  const testTask = /^deno task (\S+)$/.exec(test)?.[1];
  assert.ok(testTask && denoJson.tasks[testTask], `${test} is not a deno.json task`);
  assert.match(denoJson.tasks[testTask]!, /^deno test\b/);
});

Deno.test(".ci/run runs exactly README's test command and prints the summary line", () => {
  const test = newcomerCommands()[1]!;
  const invocations = ciRun.split("\n").filter((l) => !l.trim().startsWith("#"))
    .filter((l) => /^\s*deno (task|test)\b/.test(l));
  assert.equal(invocations.length, 1, `one test invocation expected, got ${invocations}`);
  assert.ok(invocations[0]!.trim().startsWith(test), `.ci/run runs "${invocations[0]}"`);
  assert.match(ciRun, /echo "\$\{passed\} passed, \$\{failed:-0\} failed"/);
});
