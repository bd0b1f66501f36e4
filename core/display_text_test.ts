import assert from "node:assert/strict";
import { displayText, escapeControls, maskSecrets, REDACTED } from "./display_text.ts";
import { CohesixError } from "./errors.ts";

const TOKEN = "s3cret-token-0123456789";

Deno.test("a long secret is masked whole, cut at either end, and as a piece", () => {
  assert.equal(maskSecrets(`ERR AUTH reason=${TOKEN}`, [TOKEN]), `ERR AUTH reason=${REDACTED}`);
  assert.equal(maskSecrets(`x=${TOKEN.slice(0, 9)}`, [TOKEN]), `x=${REDACTED}`);
  assert.equal(maskSecrets(`${TOKEN.slice(5, 14)}/x`, [TOKEN]), `${REDACTED}/x`);
  assert.equal(maskSecrets(`/gpu/${TOKEN}/info`, [undefined, "", TOKEN]), `/gpu/${REDACTED}/info`);
  // Seven characters of it are not enough to be recognised (and not enough to use).
  assert.equal(maskSecrets(`${TOKEN.slice(0, 7)}`, [TOKEN]), TOKEN.slice(0, 7));
});

Deno.test("a short secret is masked only as a whole token, never inside other words", () => {
  assert.equal(maskSecrets("abc/x and abc", ["abc"]), `${REDACTED}/x and ${REDACTED}`);
  assert.equal(maskSecrets("abcdef cab xabc abc_d", ["abc"]), "abcdef cab xabc abc_d");
  assert.equal(maskSecrets("a banana", ["a"]), `${REDACTED} banana`);
  assert.equal(maskSecrets("id=abc,", ["abc"]), `id=${REDACTED},`);
});

Deno.test("controls, DEL, C1, bidi and line breaks are rendered visibly on one line", () => {
  const hostile = "ok\x1b]0;title\x07\x1b[31mred\x9b2J\x7f\u202egnp.exe\u2066x\u2069\r\n" +
    "telemetry_write_pull: ok\u2028\ttab";
  const shown = escapeControls(hostile);
  assert.equal(
    shown,
    "ok\\x1b]0;title\\x07\\x1b[31mred\\x9b2J\\x7f\\u202egnp.exe\\u2066x\\u2069\\r\\n" +
      "telemetry_write_pull: ok\\u2028\\ttab",
  );
  // deno-lint-ignore no-control-regex -- looking for control characters
  assert.doesNotMatch(shown, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028]/);
  // Printable text of any script is kept as is.
  assert.equal(escapeControls("GPU-0 名前 é 😀"), "GPU-0 名前 é 😀");
});

Deno.test("displayText masks before escaping, so a control inside the token cannot hide it", () => {
  assert.equal(displayText(`\x1b[2J${TOKEN}\n`, [TOKEN]), `\\x1b[2J${REDACTED}\\n`);
});

Deno.test("every CohesixError message and hint is one line without controls", () => {
  const error = new CohesixError("listed \x1b[2Jname\nforged: ok", { hint: "a\u202eb" });
  assert.equal(error.message, "listed \\x1b[2Jname\\nforged: ok (hint: a\\u202eb)");
  assert.equal(error.summary, "listed \\x1b[2Jname\\nforged: ok");
  assert.equal(error.hint, "a\\u202eb");
});
