/**
 * The one sanitizer for text that came from outside (server lines, Queen-supplied names and
 * paths, file contents) before it reaches a person: an error message, a human output line, an
 * `audit.txt`. {@link displayText} masks the secrets and renders every control visibly, so a
 * quoted value is always exactly one line and can neither move the cursor, recolour, retitle
 * or reorder the terminal nor forge a line of our own.
 *
 * JSON output needs none of this: it escapes by construction and must stay exact.
 *
 * @module
 */

/**
 * Shortest piece of a secret (token, ticket) masked when it occurs cut: a hostile or buggy
 * server may echo a secret back whole or cut (ack details are cut at 128 bytes).
 */
export const SECRET_PIECE_CHARS = 8;

/** What a masked secret (or piece of one) is replaced with. */
export const REDACTED = "<redacted>";

/** A short secret glued to one of these is part of a longer word, not the secret itself. */
const WORD_CHAR = /^[A-Za-z0-9_-]$/;

/**
 * Replaces in `text` every piece of a secret with {@link REDACTED}:
 * - a secret of at least {@link SECRET_PIECE_CHARS} characters: every run of at least that many
 *   characters that occurs in the secret (the whole secret, its cut prefix, any cut piece);
 * - a shorter secret: only whole occurrences, not inside a longer word (letters, digits, `_`,
 *   `-`): masking its pieces would mangle every word sharing a few letters with it.
 *
 * Empty secrets are ignored.
 */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length === 0) continue;
    out = secret.length < SECRET_PIECE_CHARS
      ? maskWholeShortSecret(out, secret)
      : maskSecretPieces(out, secret);
  }
  return out;
}

function maskSecretPieces(text: string, secret: string): string {
  const piece = SECRET_PIECE_CHARS;
  if (text.length < piece) return text;
  let masked = "";
  let i = 0;
  while (i < text.length) {
    let run = 0;
    if (i + piece <= text.length && secret.includes(text.slice(i, i + piece))) {
      run = piece;
      while (i + run < text.length && secret.includes(text.slice(i, i + run + 1))) run++;
    }
    if (run > 0) {
      masked += REDACTED;
      i += run;
    } else {
      masked += text[i];
      i++;
    }
  }
  return masked;
}

function maskWholeShortSecret(text: string, secret: string): string {
  let masked = "";
  let from = 0;
  while (true) {
    const at = text.indexOf(secret, from);
    if (at < 0) return masked + text.slice(from);
    const end = at + secret.length;
    const whole = !WORD_CHAR.test(text[at - 1] ?? "") && !WORD_CHAR.test(text[end] ?? "");
    masked += text.slice(from, at) + (whole ? REDACTED : secret);
    from = end;
  }
}

/**
 * C0 controls (line breaks included), DEL, C1 controls, the bidi controls (U+061C, U+200E,
 * U+200F, U+202A–U+202E, U+2066–U+2069) and the Unicode line and paragraph separators.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Renders every control character of `text` visibly: `\n`, `\r`, `\t`, else `\xHH` (C0, DEL,
 * C1) or `\uHHHH` (bidi controls, line and paragraph separators). The result is one line with
 * no escape sequence in it; printable text (any script, emoji) is kept as is.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (char) => {
    const named = NAMED[char];
    if (named !== undefined) return named;
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * `text` made safe to show a person: the secrets masked ({@link maskSecrets}), then every
 * control rendered visibly ({@link escapeControls}). Use it for every line an error, a human
 * output or an audit file quotes from outside.
 */
export function displayText(
  text: string,
  secrets: readonly (string | undefined)[] = [],
): string {
  return escapeControls(maskSecrets(text, secrets));
}
