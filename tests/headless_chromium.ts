/**
 * A headless Chromium driven over the DevTools protocol with Deno's built-in WebSocket (no npm
 * dependency): launch with a fresh profile and `--remote-debugging-port=0`, read the DevTools
 * URL from stderr, open pages (optionally in a fresh incognito context), navigate, evaluate,
 * click with real mouse events, and take screenshots.
 */

/** Where Chromium is: `$CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string | undefined {
  const candidates = [Deno.env.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** One DevTools connection (browser target), multiplexing page sessions. */
class DevTools {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(message: Record<string, unknown>) => void>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (typeof message.id === "number") {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(`CDP: ${JSON.stringify(message.error)}`));
        else pending?.resolve(message.result ?? {});
        return;
      }
      for (const listener of this.#listeners) listener(message);
    };
    socket.onclose = () => {
      for (const pending of this.#pending.values()) pending.reject(new Error("CDP closed"));
      this.#pending.clear();
    };
  }

  static async connect(url: string): Promise<DevTools> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot connect to DevTools at ${url}`));
    });
    return new DevTools(socket);
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(
        JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }),
      );
    });
  }

  /** Resolves with the first event `method` of `sessionId` that `accept` takes. */
  once(
    method: string,
    sessionId: string,
    accept: (params: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const listener = (message: Record<string, unknown>) => {
        const params = (message.params ?? {}) as Record<string, unknown>;
        if (message.method === method && message.sessionId === sessionId && accept(params)) {
          this.#listeners.delete(listener);
          resolve(params);
        }
      };
      this.#listeners.add(listener);
    });
  }

  close(): void {
    this.#socket.close();
  }
}

/** A page (tab) of the browser. */
export class Page {
  readonly #devtools: DevTools;
  readonly #sessionId: string;
  #viewport = { width: 1280, height: 800, mobile: false };

  /** @internal */
  constructor(devtools: DevTools, sessionId: string) {
    this.#devtools = devtools;
    this.#sessionId = sessionId;
  }

  /** Sends a CDP command to this page. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.#devtools.send(method, params, this.#sessionId);
  }

  /** Navigates and waits for the load event. */
  async goto(url: string): Promise<void> {
    const loaded = this.#devtools.once("Page.loadEventFired", this.#sessionId);
    const result = await this.send("Page.navigate", { url });
    if (typeof result.errorText === "string") throw new Error(`navigate: ${result.errorText}`);
    await loaded;
  }

  /** Evaluates `expression` in the page and returns its value (promises awaited). */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (result.exceptionDetails) {
      throw new Error(`page threw: ${JSON.stringify(result.exceptionDetails)}`);
    }
    return (result.result as { value: T }).value;
  }

  /** Waits until `expression` is truthy in the page (polling), or fails after `timeoutMs`. */
  async waitFor(expression: string, what: string, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await this.evaluate<boolean>(`Boolean(${expression})`)) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Clicks the element `selector` matches with real mouse events at its centre. */
  async click(selector: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const node = document.querySelector(${JSON.stringify(selector)});
      if (!node) return null;
      node.scrollIntoView({ block: "center", inline: "center" });
      const rect = node.getBoundingClientRect();
      return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    })()`);
    if (box === null) throw new Error(`no element matches ${selector}`);
    for (const type of ["mouseMoved", "mousePressed", "mouseReleased"]) {
      await this.send("Input.dispatchMouseEvent", {
        type,
        x: box.x,
        y: box.y,
        button: "left",
        clickCount: 1,
      });
    }
  }

  /** Types `text` into the focused element. */
  async type(text: string): Promise<void> {
    await this.send("Input.insertText", { text });
  }

  /** Sets the viewport (CSS pixels) and whether it is a phone. */
  async viewport(width: number, height: number, mobile = false): Promise<void> {
    this.#viewport = { width, height, mobile };
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile,
    });
  }

  /** Emulates `prefers-color-scheme`. */
  async colorScheme(scheme: "light" | "dark"): Promise<void> {
    await this.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: scheme }],
    });
  }

  /** Saves a PNG of the whole page to `path` (the viewport grown to the page's height). */
  async screenshot(path: string): Promise<void> {
    const { width, height, mobile } = this.#viewport;
    const metrics = await this.send("Page.getLayoutMetrics");
    const size = metrics.cssContentSize as { width: number; height: number };
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height: Math.max(height, Math.ceil(size.height)),
      deviceScaleFactor: 1,
      mobile,
    });
    const shot = await this.send("Page.captureScreenshot", { format: "png" });
    await this.viewport(width, height, mobile);
    const bytes = Uint8Array.from(atob(shot.data as string), (c) => c.charCodeAt(0));
    await Deno.writeFile(path, bytes);
  }
}

/** A running headless Chromium. */
export class HeadlessChromium implements AsyncDisposable {
  readonly #process: Deno.ChildProcess;
  readonly #devtools: DevTools;
  readonly #profile: string;

  private constructor(process: Deno.ChildProcess, devtools: DevTools, profile: string) {
    this.#process = process;
    this.#devtools = devtools;
    this.#profile = profile;
  }

  /** Starts Chromium at `path` with a fresh profile and connects to it. */
  static async launch(path: string): Promise<HeadlessChromium> {
    const profile = await Deno.makeTempDir({ prefix: "cohesix-chromium-" });
    const process = new Deno.Command(path, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = process.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let url: string | undefined;
    while (url === undefined) {
      const { value, done } = await reader.read();
      if (done) {
        await Deno.remove(profile, { recursive: true }).catch(() => {});
        throw new Error(`chromium exited before DevTools listened:\n${seen}`);
      }
      seen += value;
      url = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1];
    }
    // Keep draining stderr so Chromium never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* drain */ }
      } catch {
        // process ended
      }
    })();
    return new HeadlessChromium(process, await DevTools.connect(url), profile);
  }

  /** Opens a page; `incognito` gives it a fresh context (no cookies). */
  async newPage(options: { incognito?: boolean } = {}): Promise<Page> {
    const context = options.incognito
      ? {
        browserContextId:
          (await this.#devtools.send("Target.createBrowserContext")).browserContextId,
      }
      : {};
    const { targetId } = await this.#devtools.send("Target.createTarget", {
      url: "about:blank",
      ...context,
    });
    const { sessionId } = await this.#devtools.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new Page(this.#devtools, sessionId as string);
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    return page;
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    try {
      await this.#devtools.send("Browser.close");
    } catch {
      // already gone
    }
    this.#devtools.close();
    const timer = setTimeout(() => {
      try {
        this.#process.kill("SIGKILL");
      } catch {
        // exited
      }
    }, 5000);
    await this.#process.status;
    clearTimeout(timer);
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
