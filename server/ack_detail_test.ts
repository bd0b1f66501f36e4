import assert from "node:assert/strict";
import { formatDetail, refusalPieces, renderOk, renderRefusal } from "./ack_detail.ts";

Deno.test("a piece that does not fit is dropped with everything after it", () => {
  assert.equal(formatDetail(["ab", "cd", "e"], 4), "abcd");
  assert.equal(formatDetail(["ab", "cde", "f"], 4), "ab");
});

Deno.test("LS of a 91-char path loses its whole detail (live: trailing space)", () => {
  const path = `/${"a".repeat(90)}`;
  const line = renderRefusal(
    "LS",
    "policy",
    refusalPieces("invalid-path", { path, error: "invalid path" }),
  );
  assert.equal(line, "ERR LS reason=policy ");
});

Deno.test("a short refusal is rendered whole", () => {
  const line = renderRefusal(
    "LS",
    "policy",
    refusalPieces("invalid-path", { path: "/nope", error: "invalid path" }),
  );
  assert.equal(line, "ERR LS reason=policy detail=invalid-path path=/nope error=invalid path");
  assert.equal(
    renderRefusal("KILL", "policy", refusalPieces("invalid-path", { error: "invalid path" })),
    "ERR KILL reason=policy detail=invalid-path error=invalid path",
  );
});

Deno.test("SPAWN with a 150-char payload acks with an empty payload=", () => {
  assert.equal(renderOk("SPAWN", ["payload=", "x".repeat(150)]), "OK SPAWN payload=");
  assert.equal(renderOk("SPAWN", ["payload=", "{}"]), "OK SPAWN payload={}");
  assert.equal(renderOk("HELP"), "OK HELP");
});
