/**
 * The floor for round-trip benchmarks: a minimal hand-written console client over
 * `Deno.connect`. It writes pre-encoded command frames and reads until the reply's terminator
 * (a frame whose payload is exactly `END`, or one starting with a given ack prefix), with no
 * validation, no timers, no queue and no text decoding. Benchmarks only; not part of the API.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Bytes of the `END` line that closes an LS / CAT / TAIL reply. */
const END = encoder.encode("END");

/** A pre-encoded command and how to recognise the last frame of its reply. */
export interface BareCommand {
  /** The command frame: 4-byte little-endian total length, then the ASCII line. */
  readonly frame: Uint8Array;
  /** The last frame's payload is exactly this (`exact`) or starts with it (`prefix`). */
  readonly terminator: Uint8Array;
  /** How {@link terminator} is compared. */
  readonly match: "exact" | "prefix";
}

/** Frames `line` as the console does (length includes the 4-byte header). */
export function bareFrame(line: string): Uint8Array {
  const payload = encoder.encode(line);
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, frame.length, true);
  frame.set(payload, 4);
  return frame;
}

/** A streaming command (`LS`, `CAT`): read until the `END` frame. */
export function streamCommand(line: string): BareCommand {
  return { frame: bareFrame(line), terminator: END, match: "exact" };
}

/** A single-ack command (`ECHO`, `ATTACH`): read until the frame starting with `ackPrefix`. */
export function ackCommand(line: string, ackPrefix: string): BareCommand {
  return { frame: bareFrame(line), terminator: encoder.encode(ackPrefix), match: "prefix" };
}

/** One raw console connection; see the module doc. */
export class BareClient {
  readonly #conn: Deno.TcpConn;
  #buffer = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  /** Frames seen by the last {@link roundTrip} (for sanity checks, not validation). */
  lastFrames = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects, sends `AUTH <token>` and `ATTACH queen ` (as cohsh), and waits for both acks. */
  static async connect(port: number, token = "changeme"): Promise<BareClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port, transport: "tcp" });
    conn.setNoDelay(true);
    const client = new BareClient(conn);
    await client.roundTrip(ackCommand(`AUTH ${token}`, "OK AUTH"));
    await client.roundTrip(ackCommand("ATTACH queen ", "OK ATTACH"));
    return client;
  }

  /** Writes the command frame and reads until its terminator frame. */
  async roundTrip(command: BareCommand): Promise<void> {
    const frame = command.frame;
    let written = 0;
    while (written < frame.length) written += await this.#conn.write(frame.subarray(written));
    let frames = 0;
    for (;;) {
      // Scan every complete frame buffered so far.
      while (this.#end - this.#start >= 4) {
        const b = this.#buffer;
        const s = this.#start;
        const length = (b[s]! | (b[s + 1]! << 8) | (b[s + 2]! << 16) | (b[s + 3]! << 24)) >>> 0;
        if (this.#end - s < length) break;
        this.#start = s + length;
        frames++;
        if (isTerminator(b, s + 4, s + length, command)) {
          this.lastFrames = frames;
          if (this.#start === this.#end) this.#start = this.#end = 0;
          return;
        }
      }
      if (this.#start === this.#end) this.#start = this.#end = 0;
      if (this.#end === this.#buffer.length) this.#makeRoom();
      const n = await this.#conn.read(this.#buffer.subarray(this.#end));
      if (n === null) throw new Error("the server closed the connection mid-reply");
      this.#end += n;
    }
  }

  /** Sends `quit` and closes without waiting (the server closes after `OK QUIT`). */
  async quit(): Promise<void> {
    try {
      await this.#conn.write(bareFrame("quit"));
    } catch { /* already gone */ }
    this.close();
  }

  /** Closes the socket at once; idempotent. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  #makeRoom(): void {
    const used = this.#end - this.#start;
    if (used * 2 > this.#buffer.length) {
      const bigger = new Uint8Array(this.#buffer.length * 2);
      bigger.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = bigger;
    } else {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    }
    this.#start = 0;
    this.#end = used;
  }
}

function isTerminator(b: Uint8Array, from: number, to: number, command: BareCommand): boolean {
  const t = command.terminator;
  const length = to - from;
  if (command.match === "exact" ? length !== t.length : length < t.length) return false;
  for (let i = 0; i < t.length; i++) if (b[from + i] !== t[i]) return false;
  return true;
}
