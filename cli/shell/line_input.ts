/**
 * Where the REPL's command lines come from: a pipe (plain lines; the prompt is still printed
 * before each read, as cohsh does), or a terminal in raw mode with line editing (←/→, Home/End,
 * Ctrl-A/E/U/K/W, Backspace, Delete), history (↑/↓) and tab completion supplied by the caller.
 *
 * @module
 */

const decoder = new TextDecoder();

/** A source of command lines. */
export interface LineInput {
  /** The next line (without its newline), or `undefined` at end of input. */
  next(): Promise<string | undefined>;
  /** Releases the terminal (leaves raw mode). */
  close(): void;
}

/** Splits a byte stream into lines. */
export class PipedLines implements LineInput {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  #done = false;

  /** Reads lines from `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async next(): Promise<string | undefined> {
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line.endsWith("\r") ? line.slice(0, -1) : line;
      }
      if (this.#done) {
        if (this.#buffer === "") return undefined;
        const rest = this.#buffer;
        this.#buffer = "";
        return rest;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#buffer += decoder.decode();
        this.#done = true;
      } else {
        this.#buffer += decoder.decode(value, { stream: true });
      }
    }
  }

  close(): void {
    this.#reader.releaseLock();
  }
}

/** Completes the word before the cursor: the candidates for `line` (full replacement words). */
export type Completer = (line: string) => Promise<string[]>;

/** What the terminal editor needs. */
export interface TerminalOptions {
  /** Raw key bytes. */
  readonly stdin: ReadableStream<Uint8Array>;
  /** Writes to the terminal. */
  readonly write: (text: string) => Promise<void>;
  /** The prompt (already printed before {@link TerminalLines.next} is called). */
  readonly prompt: string;
  /** Switches raw mode (`Deno.stdin.setRaw`). */
  readonly setRaw: (raw: boolean) => void;
  /** Tab completion. */
  readonly complete?: Completer;
  /** Most history entries kept. */
  readonly historySize?: number;
}

/** The longest common prefix of `words`. */
export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return "";
  let prefix = words[0]!;
  for (const word of words) {
    while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** A line editor on a raw-mode terminal. */
export class TerminalLines implements LineInput {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #options: TerminalOptions;
  readonly #history: string[] = [];
  #pending: number[] = [];
  #closed = false;

  /** An editor on the terminal; raw mode is on only while a line is being read. */
  constructor(options: TerminalOptions) {
    this.#options = options;
    this.#reader = options.stdin.getReader();
  }

  /** The lines entered so far, oldest first. */
  get history(): readonly string[] {
    return this.#history;
  }

  async #byte(): Promise<number | undefined> {
    while (this.#pending.length === 0) {
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#pending = Array.from(value);
    }
    return this.#pending.shift();
  }

  async next(): Promise<string | undefined> {
    // Raw only while editing: command output and Ctrl-C during a command behave as usual.
    this.#options.setRaw(true);
    try {
      return await this.#edit();
    } finally {
      if (!this.#closed) this.#options.setRaw(false);
    }
  }

  async #edit(): Promise<string | undefined> {
    const { write, prompt } = this.#options;
    let line = "";
    let cursor = 0;
    let historyAt = this.#history.length;
    const redraw = async () => {
      const back = line.length - cursor;
      await write(`\r${prompt}${line}\x1b[K${back > 0 ? `\x1b[${back}D` : ""}`);
    };
    for (;;) {
      const byte = await this.#byte();
      if (byte === undefined) return undefined;
      if (byte === 0x0d || byte === 0x0a) {
        await write("\r\n");
        if (line.trim() !== "" && this.#history[this.#history.length - 1] !== line) {
          this.#history.push(line);
          if (this.#history.length > (this.#options.historySize ?? 500)) this.#history.shift();
        }
        return line;
      }
      if (byte === 0x04) { // Ctrl-D: end of input on an empty line, else delete.
        if (line === "") {
          return undefined;
        }
        line = line.slice(0, cursor) + line.slice(cursor + 1);
      } else if (byte === 0x03) { // Ctrl-C: drop the line.
        await write("^C\r\n");
        line = "";
        cursor = 0;
      } else if (byte === 0x7f || byte === 0x08) {
        if (cursor > 0) {
          line = line.slice(0, cursor - 1) + line.slice(cursor);
          cursor--;
        }
      } else if (byte === 0x01) cursor = 0;
      else if (byte === 0x05) cursor = line.length;
      else if (byte === 0x15) {
        line = line.slice(cursor);
        cursor = 0;
      } else if (byte === 0x0b) line = line.slice(0, cursor);
      else if (byte === 0x17) {
        const start = line.slice(0, cursor).replace(/\S+\s*$/, "").length;
        line = line.slice(0, start) + line.slice(cursor);
        cursor = start;
      } else if (byte === 0x09) {
        const completed = await this.#complete(line.slice(0, cursor));
        if (completed !== undefined) {
          line = completed + line.slice(cursor);
          cursor = completed.length;
        }
      } else if (byte === 0x1b) {
        const key = await this.#escape();
        if (key === "A" || key === "B") {
          const to = key === "A" ? historyAt - 1 : historyAt + 1;
          if (to >= 0 && to <= this.#history.length) {
            historyAt = to;
            line = this.#history[to] ?? "";
            cursor = line.length;
          }
        } else if (key === "C") cursor = Math.min(line.length, cursor + 1);
        else if (key === "D") cursor = Math.max(0, cursor - 1);
        else if (key === "H") cursor = 0;
        else if (key === "F") cursor = line.length;
        else if (key === "3~") line = line.slice(0, cursor) + line.slice(cursor + 1);
      } else if (byte >= 0x20) {
        // Printable (UTF-8 continuation bytes are kept as they come).
        const bytes = [byte];
        const extra = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : byte >= 0xc0 ? 1 : 0;
        for (let i = 0; i < extra; i++) {
          const next = await this.#byte();
          if (next === undefined) break;
          bytes.push(next);
        }
        const text = decoder.decode(new Uint8Array(bytes));
        line = line.slice(0, cursor) + text + line.slice(cursor);
        cursor += text.length;
      }
      await redraw();
    }
  }

  async #escape(): Promise<string> {
    const first = await this.#byte();
    if (first !== 0x5b && first !== 0x4f) return "";
    let key = "";
    for (;;) {
      const byte = await this.#byte();
      if (byte === undefined) return key;
      key += String.fromCharCode(byte);
      if (byte >= 0x40 && byte <= 0x7e) return key;
    }
  }

  async #complete(before: string): Promise<string | undefined> {
    const complete = this.#options.complete;
    if (complete === undefined) return undefined;
    const candidates = await complete(before);
    if (candidates.length === 0) return undefined;
    const start = before.length - (/\S*$/.exec(before)?.[0].length ?? 0);
    const head = before.slice(0, start);
    if (candidates.length === 1) {
      const word = candidates[0]!;
      return head + word + (word.endsWith("/") ? "" : " ");
    }
    const prefix = commonPrefix(candidates);
    if (prefix.length > before.length - start) return head + prefix;
    await this.#options.write(`\r\n${candidates.join("  ")}\r\n`);
    return undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.setRaw(false);
    this.#reader.releaseLock();
  }
}
