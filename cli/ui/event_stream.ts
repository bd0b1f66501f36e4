/**
 * Server-sent events to the open pages: each new hive state is one `event: state` frame whose
 * `data:` is the snapshot as one line of JSON (`JSON.stringify` never emits a newline), with an
 * `id:` of its poll number. A comment line every 15 s keeps proxies and idle tabs connected. The
 * number of open streams is capped, so a runaway tab cannot pile up connections.
 *
 * @module
 */

/** Streams open at once, at most. */
export const MAX_EVENT_STREAMS = 16;

const KEEPALIVE_MS = 15_000;
const encoder = new TextEncoder();

/** One SSE frame: `event:`, `id:` and a single-line `data:`, ended by a blank line. */
export function sseFrame(event: string, id: number, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The open event streams and the last frame, replayed to every new stream. */
export class EventHub {
  readonly #streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #last: string | undefined;
  #keepalive: ReturnType<typeof setInterval> | undefined;

  /** How many streams are open. */
  get size(): number {
    return this.#streams.size;
  }

  /** Sends `frame` to every open stream and keeps it for new ones. */
  publish(frame: string): void {
    this.#last = frame;
    const bytes = encoder.encode(frame);
    for (const stream of this.#streams) {
      try {
        stream.enqueue(bytes);
      } catch {
        this.#streams.delete(stream);
      }
    }
  }

  /** A new `text/event-stream` body, or `undefined` when {@link MAX_EVENT_STREAMS} are open. */
  open(): ReadableStream<Uint8Array> | undefined {
    if (this.#streams.size >= MAX_EVENT_STREAMS) return undefined;
    let self: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        this.#streams.add(controller);
        controller.enqueue(encoder.encode("retry: 2000\n\n"));
        if (this.#last !== undefined) controller.enqueue(encoder.encode(this.#last));
        this.#keepalive ??= setInterval(() => this.#ping(), KEEPALIVE_MS);
      },
      cancel: () => {
        if (self !== undefined) this.#streams.delete(self);
        this.#stopKeepaliveIfIdle();
      },
    });
    return body;
  }

  /** Ends every stream (the UI is stopping). */
  closeAll(): void {
    for (const stream of this.#streams) {
      try {
        stream.close();
      } catch {
        // already closed by the client
      }
    }
    this.#streams.clear();
    this.#stopKeepaliveIfIdle();
  }

  #ping(): void {
    this.publishComment("keepalive");
  }

  /** Sends an SSE comment line (ignored by `EventSource`). */
  publishComment(text: string): void {
    const bytes = encoder.encode(`: ${text}\n\n`);
    for (const stream of this.#streams) {
      try {
        stream.enqueue(bytes);
      } catch {
        this.#streams.delete(stream);
      }
    }
  }

  #stopKeepaliveIfIdle(): void {
    if (this.#streams.size === 0 && this.#keepalive !== undefined) {
      clearInterval(this.#keepalive);
      this.#keepalive = undefined;
    }
  }
}
