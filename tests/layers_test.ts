/**
 * Keeps the layering visible in the folder list honest: a module imports only modules of its own
 * layer or of layers below it (core → wire → queen → transport → backends → client → server →
 * cli → examples). Tests and benchmarks may import anything; production code never imports them
 * (a target outside the layer list is a violation, not a layer −1).
 */

import assert from "node:assert/strict";

const LAYERS = [
  "core",
  "wire",
  "queen",
  "transport",
  "backends",
  "client",
  "server",
  "cli",
  "examples",
];
const root = new URL("../", import.meta.url);

function* sources(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sources(url);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield url;
  }
}

function exists(url: URL): boolean {
  try {
    return Deno.statSync(url).isDirectory;
  } catch {
    return false;
  }
}

function layerOf(url: URL): number {
  const top = url.pathname.slice(root.pathname.length).split("/")[0]!;
  return LAYERS.indexOf(top);
}

Deno.test("each layer imports only its own layer and the layers below it", () => {
  const violations: string[] = [];
  for (const layer of LAYERS) {
    const dir = new URL(`${layer}/`, root);
    if (!exists(dir)) continue;
    for (const file of sources(dir)) {
      const text = Deno.readTextFileSync(file);
      for (const match of text.matchAll(/(?:from|import)\s+"(\.[^"]+)"/g)) {
        const target = new URL(match[1]!, file);
        const targetLayer = layerOf(target);
        if (targetLayer === -1 || targetLayer > layerOf(file)) {
          violations.push(`${file.pathname.slice(root.pathname.length)} imports ${match[1]}`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("the core layers need no network, npm or remote imports", () => {
  for (const layer of ["core", "wire", "queen", "transport", "backends", "client"]) {
    for (const file of sources(new URL(`${layer}/`, root))) {
      const text = Deno.readTextFileSync(file);
      assert.doesNotMatch(text, /from\s+"(npm:|jsr:|https?:)/, file.pathname);
    }
  }
});
