/**
 * Mutation check: applies each mutant of `mutants.ts` to a fresh temporary copy of the
 * repository, runs that mutant's tests there (without type checking, so only behaviour can
 * kill it), and prints KILLED, SURVIVED or STALE per mutant, then a summary. The named tests
 * are first run once on an unmutated copy: a mutant only counts as killed by tests that pass
 * without it. Exit status 0 only when every mutant was killed.
 *
 *   deno task mutation                 # every mutant
 *   deno task mutation frame deadline  # only mutants whose name contains one of the words
 *
 * @module
 */

import { type Mutant, MUTANTS } from "./mutants.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
/** Fixtures stay where they are: the copies read them through `COHESIX_SHARED`. */
const SHARED = Deno.env.get("COHESIX_SHARED") ?? `${ROOT}/../shared`;
/** Not copied: history, build output, caches. */
const SKIP = new Set([".git", "out", "dist", "node_modules"]);
/** The permissions `deno task test` grants. */
const TEST_FLAGS = [
  "--allow-net=127.0.0.1",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
];

type Verdict = "KILLED" | "SURVIVED" | "STALE";

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (SKIP.has(entry.name)) continue;
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory) await copyTree(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

/** Runs `tests` in `dir`; true when they pass. */
async function testsPass(dir: string, tests: readonly string[]): Promise<boolean> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--no-check", "--quiet", ...TEST_FLAGS, ...tests],
    cwd: dir,
    env: { COHESIX_SHARED: SHARED, NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).output();
  return code === 0;
}

/** A fresh copy of the repository, removed when disposed. */
async function scratchCopy(): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "cohesix-mutant-" });
  await copyTree(ROOT, dir);
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function judge(mutant: Mutant): Promise<Verdict> {
  await using copy = await scratchCopy();
  const path = `${copy.dir}/${mutant.file}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return "STALE";
  }
  const at = text.indexOf(mutant.search);
  if (at < 0) return "STALE";
  const mutated = text.slice(0, at) + mutant.replace + text.slice(at + mutant.search.length);
  await Deno.writeTextFile(path, mutated);
  return await testsPass(copy.dir, mutant.tests) ? "SURVIVED" : "KILLED";
}

async function main(words: readonly string[]): Promise<number> {
  const chosen = MUTANTS.filter((m) =>
    words.length === 0 || words.some((w) => m.name.toLowerCase().includes(w.toLowerCase()))
  );
  const tests = [...new Set(chosen.flatMap((m) => m.tests))].sort();
  {
    await using baseline = await scratchCopy();
    const missing: string[] = [];
    for (const test of tests) {
      try {
        await Deno.stat(`${baseline.dir}/${test}`);
      } catch {
        missing.push(test);
      }
    }
    const present = tests.filter((t) => !missing.includes(t));
    if (missing.length > 0) console.log(`missing test files (their mutants fail): ${missing}`);
    if (!(await testsPass(baseline.dir, present))) {
      console.log(`BASELINE FAILED: the unmutated tests do not pass (${present.join(" ")})`);
      return 1;
    }
  }
  const counts: Record<Verdict, number> = { KILLED: 0, SURVIVED: 0, STALE: 0 };
  for (const mutant of chosen) {
    const started = performance.now();
    const verdict = await judge(mutant);
    counts[verdict]++;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${verdict.padEnd(8)} ${mutant.name} (${mutant.file}; ${
        mutant.tests.join(", ")
      }) ${seconds}s`,
    );
  }
  console.log(
    `${chosen.length} mutants: ${counts.KILLED} killed, ${counts.SURVIVED} survived, ` +
      `${counts.STALE} stale`,
  );
  return counts.KILLED === chosen.length ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
