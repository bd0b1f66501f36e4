/**
 * A `node:net` socket behind the small pull-style connection interface the console server uses
 * (`read`, `write`, `close`, `setNoDelay`), plus {@link NodeSocketConn.reset}: node's
 * `resetAndDestroy()` sends a real TCP RST, which Deno's own `TcpConn.close()` never does. The
 * live Queen refuses a second console client with exactly that RST (PROTOCOL.md §2.1).
 *
 * @module
 */

import type { Socket } from "node:net";

/** Options of {@link NodeSocketConn}. */
export interface NodeSocketConnOptions {
  /** Bytes buffered unread before the socket is paused (backpressure); default 64 KiB. */
  readonly highWaterMark?: number;
}

/** A pending write: settled by node's write callback, or by the socket closing first. */
interface PendingWrite {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Adapts one accepted `node:net` socket to `read`/`write`/`close`/`reset`. */
export class NodeSocketConn {
  readonly #socket: Socket;
  readonly #highWaterMark: number;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #eof = false;
  #error: Error | undefined;
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly #writes = new Set<PendingWrite>();
  readonly #fullyClosed: Promise<void>;

  /** Takes ownership of `socket` (attach no other 'data' listener). */
  constructor(socket: Socket, options: NodeSocketConnOptions = {}) {
    this.#socket = socket;
    this.#highWaterMark = options.highWaterMark ?? 64 * 1024;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#fullyClosed = promise;
    const onData = (chunk: Uint8Array) => {
      // Copied: the chunk may sit in the queue while the runtime reuses its own buffers.
      this.#chunks.push(new Uint8Array(chunk));
      this.#buffered += chunk.byteLength;
      if (this.#buffered >= this.#highWaterMark) socket.pause();
      this.#wake();
    };
    const onEnd = () => {
      this.#eof = true;
      this.#wake();
    };
    const onError = (error: Error) => {
      this.#error ??= error;
      this.#wake();
    };
    const onClose = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      this.#closed = true;
      this.#eof = true;
      const error = this.#error ?? new Error("the connection closed before the write completed");
      for (const write of [...this.#writes]) write.reject(error);
      this.#wake();
      resolve();
    };
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.once("close", onClose);
    if (socket.destroyed) onClose();
  }

  /** Resolves once the socket is fully closed (node's 'close' event). */
  get closed(): Promise<void> {
    return this.#fullyClosed;
  }

  /**
   * Reads into `buffer`: the byte count, `null` at EOF or once closed; rejects with the socket
   * error (e.g. the peer's reset) if one came before any unread data ran out.
   */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (true) {
      const head = this.#chunks[0];
      if (head !== undefined) return this.#take(head, buffer);
      if (this.#error !== undefined) throw this.#error;
      if (this.#eof || this.#closed) return null;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Writes all of `bytes`; resolves with its length once node handed them to the kernel. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed || this.#socket.destroyed) {
      return Promise.reject(this.#error ?? new Error("write on a closed connection"));
    }
    return new Promise<number>((resolve, reject) => {
      const pending: PendingWrite = {
        resolve: () => {
          if (this.#writes.delete(pending)) resolve(bytes.length);
        },
        reject: (error) => {
          if (this.#writes.delete(pending)) reject(error);
        },
      };
      this.#writes.add(pending);
      this.#socket.write(bytes, (error) => {
        if (error) pending.reject(error);
        else pending.resolve();
      });
    });
  }

  /** Sets TCP_NODELAY. */
  setNoDelay(noDelay = true): void {
    this.#socket.setNoDelay(noDelay);
  }

  /** Closes at once (FIN; unsent data is dropped). Pending reads resolve `null`. Idempotent. */
  close(): void {
    this.#shut();
    this.#socket.destroy();
  }

  /** Aborts with a TCP RST (the peer reads ECONNRESET). Pending reads resolve `null`. */
  reset(): void {
    this.#shut();
    if (this.#socket.destroyed) return;
    this.#socket.resetAndDestroy();
  }

  #shut(): void {
    this.#closed = true;
    this.#chunks.length = 0;
    this.#buffered = 0;
    this.#wake();
  }

  #take(head: Uint8Array, buffer: Uint8Array): number {
    const n = Math.min(head.length, buffer.length);
    buffer.set(head.subarray(0, n));
    if (n === head.length) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    this.#buffered -= n;
    if (this.#buffered < this.#highWaterMark && this.#socket.isPaused() && !this.#closed) {
      this.#socket.resume();
    }
    return n;
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
