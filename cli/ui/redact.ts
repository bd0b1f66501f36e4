/**
 * The last line of defence before anything reaches the browser: every string of a value goes
 * through the one sanitizer for outside text (`core/display_text.ts`), so the console token and
 * the ticket are masked even if the Queen echoed one into a log line or a telemetry ring, and
 * control characters (bidi overrides included) show as escapes instead of reordering the page.
 * The page puts every string in with `textContent`, never as HTML.
 *
 * @module
 */

import { displayText } from "../../core/display_text.ts";

/** `value` with every string made safe to show ({@link displayText} with `secrets`). */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return displayText(item, secrets);
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(Object.entries(item).map(([key, field]) => [key, walk(field)]));
    }
    return item;
  };
  return walk(value) as T;
}
