/**
 * The last line of defence for the Queen's secrets: every string of a value going to the browser
 * has the console token and the ticket replaced, even if the Queen echoed one into a log line
 * or a telemetry ring.
 *
 * @module
 */

/** Shortest secret worth masking (shorter ones would blank out ordinary words). */
const MIN_SECRET_LENGTH = 4;

/** `value` with every occurrence of each secret in its strings replaced by `<redacted>`. */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const masks = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (masks.length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") {
      return masks.reduce((text, secret) => text.replaceAll(secret, "<redacted>"), item);
    }
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(Object.entries(item).map(([key, field]) => [key, walk(field)]));
    }
    return item;
  };
  return walk(value) as T;
}
