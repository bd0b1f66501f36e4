/**
 * Path and id rules shared by every backend and operation (OPERATIONS.md §3). One place, so a
 * path refused by one backend is refused by all of them, before anything reaches the Queen.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "./defaults.ts";
import { LimitError, ValidationError } from "./errors.ts";

/**
 * Byte length of `text` encoded as UTF-8 (lone surrogates count as U+FFFD, as `TextEncoder`
 * writes them). Counted without encoding: it runs per path, per listed entry and per body line.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      bytes += 2; // A pair is 4 bytes for 2 units; a lone high surrogate 3 bytes for 1.
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const WHITESPACE = /\s/;

/**
 * Checks one path component: non-empty, not `.` or `..`, no `/` or backslash, no NUL, no whitespace or
 * control character (the Queen cuts a path at its first space, so such a path would silently
 * name another node).
 */
export function validateComponent(component: string): string {
  if (component.length === 0) throw new ValidationError("path component must not be empty");
  if (component === "." || component === "..") {
    throw new ValidationError(`path component '${component}' is not permitted`);
  }
  if (component.includes("/")) {
    throw new ValidationError(`path component '${component}' contains '/'`);
  }
  if (component.includes("\0")) throw new ValidationError("path component contains NUL byte");
  if (component.includes("\\")) {
    // Names from the Queen become local file names (pulls, exports); on Windows `\` separates.
    throw new ValidationError(`path component '${component}' contains '\\'`);
  }
  if (WHITESPACE.test(component) || CONTROL.test(component)) {
    throw new ValidationError(
      `path component ${JSON.stringify(component)} contains whitespace or a control character`,
      { hint: "the Queen cuts paths at the first space; rename the node or pick another id" },
    );
  }
  return component;
}

/**
 * Validates an absolute Queen path and returns its components (`/` gives `[]`). Rules: starts
 * with `/`; at most `console.max_path_len` bytes; at most `secure9p.walk_depth` components;
 * every component valid ({@link validateComponent}). A single trailing `/` is refused, because
 * the Queen treats `/a/` and `/a` differently.
 */
export function validatePath(path: string, defaults: CohesixDefaults = DEFAULTS): string[] {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new ValidationError(`path ${JSON.stringify(path)} must be absolute (start with '/')`);
  }
  const max = defaults.console.maxPathLen;
  const length = utf8Length(path);
  if (length > max) {
    throw new LimitError(
      `path exceeds max length ${max} bytes (got ${length})`,
      "console.max_path_len",
      max,
    );
  }
  if (path === "/") return [];
  const components = path.slice(1).split("/");
  const depth = defaults.secure9p.walkDepth;
  if (components.length > depth) {
    throw new LimitError(
      `path exceeds maximum depth of ${depth} components (got ${components.length})`,
      "secure9p.walk_depth",
      depth,
    );
  }
  for (const component of components) validateComponent(component);
  return components;
}

/** Joins validated components under `base` (an absolute Queen path). */
export function joinPath(base: string, ...components: string[]): string {
  const parts = components.map(validateComponent);
  return base === "/" ? `/${parts.join("/")}` : [base, ...parts].join("/");
}

/**
 * Checks a value that is inserted into JSON without escaping (gpu ids, worker ids, device ids):
 * non-empty, and no `"`, `\` or control character.
 */
export function ensureJsonString(value: string, label: string): string {
  if (value.length === 0) throw new ValidationError(`${label} must not be empty`);
  if (/["\\]/.test(value) || CONTROL.test(value)) {
    throw new ValidationError(`${label} contains unsupported character`);
  }
  return value;
}

/** Checks an id's UTF-8 length against `coh.peft.activate.max_model_id_bytes`. */
export function enforceIdBytes(id: string, defaults: CohesixDefaults = DEFAULTS): string {
  const max = defaults.coh.peft.activate.maxModelIdBytes;
  const length = utf8Length(id);
  if (length > max) {
    throw new LimitError(
      `id length ${length} exceeds max ${max}`,
      "coh.peft.activate.max_model_id_bytes",
      max,
    );
  }
  return id;
}
