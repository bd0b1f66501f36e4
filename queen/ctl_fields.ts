/**
 * The Queen's loose `/queen/ctl` field lookup (PROTOCOL.md §9.2): not a JSON parser. It finds
 * `"key"` followed by `:` and a quoted string (or a number) anywhere in the text, so unknown
 * fields are ignored and nesting is not checked.
 *
 * @module
 */

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The first `"key": "<value>"` string value in `text`, or `undefined`. */
export function findStringField(text: string, key: string): string | undefined {
  const match = new RegExp(`"${escapeRegExp(key)}"\\s*:\\s*"([^"]*)"`).exec(text);
  return match?.[1];
}

/** The first `"key": <digits>` unsigned integer value in `text`, or `undefined`. */
export function findUintField(text: string, key: string): number | undefined {
  const match = new RegExp(`"${escapeRegExp(key)}"\\s*:\\s*(\\d+)(?![\\d.eE])`).exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Whether `text` names `key` at all (`"key"` followed by `:`). */
export function hasField(text: string, key: string): boolean {
  return new RegExp(`"${escapeRegExp(key)}"\\s*:`).test(text);
}

/** The object text after `"key":` up to its matching `}` (string-aware), or `undefined`. */
export function findObjectField(text: string, key: string): string | undefined {
  const match = new RegExp(`"${escapeRegExp(key)}"\\s*:\\s*\\{`).exec(text);
  if (match === null) return undefined;
  const start = match.index + match[0].length - 1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{") depth++;
    else if (char === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}
