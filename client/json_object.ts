/**
 * Strict parsing of the one-object JSON documents the Queen serves (lease lines, GPU info):
 * the text must be one JSON object, and no key may appear twice. `JSON.parse` keeps the last
 * of duplicate keys, while coh (serde) refuses them; a hostile server could otherwise show one
 * value to coh and another to this client (`"state":"RELEASED","state":"ACTIVE"`).
 *
 * @module
 */

/** Why a text is not an acceptable JSON object (`not JSON`, `duplicate key "x"`, …). */
export type JsonObjectProblem = { readonly why: string; readonly cause?: unknown };

/** Parses `text` as one JSON object with unique keys, or returns the problem. */
export function parseJsonObject(
  text: string,
): { readonly value: Record<string, unknown> } | JsonObjectProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { why: "not JSON", cause };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { why: "not an object" };
  }
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) return { why: `duplicate key ${JSON.stringify(key)}` };
    seen.add(key);
  }
  return { value: value as Record<string, unknown> };
}

/** The keys of the outermost object of `text`, which must already have parsed as JSON. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(start, i + 1)));
      expectKey = false;
    } else if (ch === "{" || ch === "[") {
      depth++;
      expectKey = depth === 1 && ch === "{";
    } else if (ch === "}" || ch === "]") {
      depth--;
    } else if (ch === "," && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}
