/**
 * Network scoping for tests that talk only to servers they start themselves: whatever the
 * suite was granted (even `-A`), such a test can reach 127.0.0.1 and nothing else, so a bug
 * that dials a default address cannot touch a real Queen on another interface.
 *
 * @module
 */

/**
 * A TCP port on 127.0.0.1 where nothing listens, for "connection refused" cases without a
 * close-then-reuse race: it lies below the ephemeral range every test server's port 0 is drawn
 * from, and it is privileged, so no test and no ordinary service holds it.
 */
export const CLOSED_PORT = 1;

/** What a loopback-only test may use: loopback, temporary files, and the commands it names. */
export function loopbackOnly(run: readonly string[] = []): Deno.PermissionOptionsObject {
  return {
    net: ["127.0.0.1"],
    read: true,
    write: true,
    env: true,
    run: run.length === 0 ? false : [...run],
  };
}

/** `Deno.test` with {@link loopbackOnly} permissions. */
export function loopbackTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, permissions: loopbackOnly(["true"]), fn });
}
