import assert from "node:assert/strict";
import { parseArgs as nodeParseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { type ArgOption, parseArgs } from "./parse_args.ts";

const OPTIONS: Record<string, ArgOption> = {
  mock: { type: "boolean" },
  out: { type: "string", multiple: true },
  gpu: { type: "string", short: "g" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
};

const CASES: string[][] = [
  [],
  ["--mock"],
  ["--out=a", "--out", "b"],
  ["-vh", "--gpu", "GPU-0"],
  ["-g", "GPU-1", "--gpu=GPU-2"],
  ["-gGPU-3"],
  ["--gpu="],
  ["--gpu", "-"],
  ["--foo"],
  ["-x"],
  ["--out"],
  ["--mock=1"],
  ["--gpu", "--mock"],
  ["stray"],
];

Deno.test("parseArgs: the same values and the same refusals as node:util for every case", () => {
  for (const positionalsAllowed of [false, true]) {
    for (const args of [...CASES, ["x", "--", "--mock"]]) {
      let expected: unknown;
      try {
        const parsed = nodeParseArgs({
          args,
          options: OPTIONS,
          strict: true,
          allowPositionals: positionalsAllowed,
        });
        expected = { values: { ...parsed.values }, positionals: parsed.positionals };
      } catch (error) {
        expected = (error as Error).message.split("\n")[0];
      }
      let actual: unknown;
      try {
        const parsed = parseArgs({ args, options: OPTIONS, allowPositionals: positionalsAllowed });
        actual = { values: { ...parsed.values }, positionals: parsed.positionals };
      } catch (error) {
        assert.ok(error instanceof UsageError, `${args.join(" ")}: a UsageError`);
        actual = error.summary;
      }
      const label = `${JSON.stringify(args)} positionals=${positionalsAllowed}`;
      if (typeof actual === "string" && typeof expected === "string") {
        // Node words some refusals longer; ours say the same first sentence (and add a hint).
        assert.ok(expected.startsWith(actual), `${label}: ${actual} vs ${expected}`);
      } else {
        assert.deepEqual(actual, expected, label);
      }
    }
  }
});
