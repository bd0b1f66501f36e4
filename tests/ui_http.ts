/**
 * Helpers for the `cohesix ui` tests: a logged-in `fetch` against a running UI, a raw HTTP/1.1
 * request (to send a `Host` header `fetch` would not let through), and reading SSE frames.
 */

/** The cookie header that `?token=` sets, taken from a real login. */
export async function login(url: string): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  const cookie = response.headers.get("set-cookie");
  if (response.status !== 303 || cookie === null) {
    throw new Error(`login failed: ${response.status}`);
  }
  return cookie.split(";")[0]!;
}

/** Sends one raw HTTP/1.1 request and returns the status code and the whole response text. */
export async function rawRequest(
  port: number,
  lines: readonly string[],
): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode([...lines, "Connection: close", "", ""].join("\r\n")),
    );
    const text = new TextDecoder().decode(
      await new Response(conn.readable).arrayBuffer(),
    );
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
  } finally {
    try {
      conn.close();
    } catch {
      // closed by the readable already
    }
  }
}

/** One parsed SSE frame. */
export interface SseFrame {
  /** `event:`. */
  readonly event: string;
  /** `id:`. */
  readonly id: string;
  /** `data:` lines joined. */
  readonly data: string;
}

/** Reads SSE frames from `body` until `until` accepts one (returns it) or the stream ends. */
export async function readFrames(
  body: ReadableStream<Uint8Array>,
  until: (frame: SseFrame, raw: string) => boolean,
): Promise<{ frame: SseFrame; raw: string }> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("event stream ended");
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const raw = buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string[]> = {};
        for (const line of raw.split("\n")) {
          if (line === "" || line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const key = line.slice(0, colon);
          (fields[key] ??= []).push(line.slice(colon + 1).replace(/^ /, ""));
        }
        if (fields.event === undefined) continue;
        const frame = {
          event: fields.event.join(""),
          id: (fields.id ?? []).join(""),
          data: (fields.data ?? []).join("\n"),
        };
        if (until(frame, raw)) return { frame, raw };
      }
    }
  } finally {
    await reader.cancel();
  }
}
