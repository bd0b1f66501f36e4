/**
 * Where the Queen's console is by default and the token of a Queen built without one: defined
 * once, in a module of their own so a caller that only needs the defaults (the mock path of the
 * examples and the CLI) does not load the connection code.
 *
 * @module
 */

/** Default console host (QEMU user-net forwards the guest's console here). */
export const DEFAULT_CONSOLE_HOST = "127.0.0.1";
/** Default console port (`crates/net-constants`). */
export const DEFAULT_CONSOLE_PORT = 31337;
/**
 * The console token of a Queen built without one (`changeme`): the client's last fallback
 * (OPERATIONS.md §1.5) and the in-repo console server's default.
 */
export const DEFAULT_CONSOLE_TOKEN = "changeme";
