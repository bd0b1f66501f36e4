/**
 * One TAIL snapshot of a path, whatever the backend: the `Backend` interface has no TAIL yet,
 * and the hive needs it for the two paths the Queen serves only that way (`/log/queen.log`
 * lines and `/worker/<id>/telemetry`). TCP sends `TAIL`; the mock asks its Queen model the same
 * question and reports a refusal as the `CommandError` TCP would; a mounted namespace reads the
 * file. Replace with the backend method once the interface carries one.
 *
 * @module
 */

import type { Backend, CallOptions } from "../../backends/backend.ts";
import { MockBackend, NamespaceError } from "../../backends/mock.ts";
import { AbortedError, CommandError } from "../../core/errors.ts";
import { validatePath } from "../../core/paths.ts";
import { parseAck, serverErrorFields } from "../../wire/ack.ts";

/** A backend that can TAIL by itself (`TcpBackend`). */
interface Tailing {
  tail(path: string, options?: CallOptions): Promise<string[]>;
}

function canTail(backend: Backend): backend is Backend & Tailing {
  return typeof (backend as Partial<Tailing>).tail === "function";
}

const decoder = new TextDecoder();

/** The lines of one TAIL of `path`, read with at most `maxBytes` on a mounted namespace. */
export async function tailLines(
  backend: Backend,
  path: string,
  maxBytes: number,
  options: CallOptions = {},
): Promise<string[]> {
  if (canTail(backend)) return await backend.tail(path, options);
  if (backend instanceof MockBackend) {
    if (options.signal?.aborted) {
      throw new AbortedError("mock request aborted before it ran", {
        cause: options.signal.reason,
      });
    }
    validatePath(path);
    try {
      return backend.namespace.tail(path);
    } catch (error) {
      if (!(error instanceof NamespaceError)) throw error;
      const ack = parseAck(error.toErrLine("TAIL"));
      if (ack === undefined) throw error;
      throw new CommandError("TAIL", serverErrorFields(ack));
    }
  }
  const text = decoder.decode(await backend.readFile(path, maxBytes, options));
  return text.split("\n").filter((line) => line.length > 0);
}
