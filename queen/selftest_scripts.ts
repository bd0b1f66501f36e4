/**
 * The Queen's self-test scripts under `/proc/tests`, byte-identical to upstream
 * `resources/proc_tests/*.coh` as the live Queen serves them (CLI.md Appendix A; recorded in
 * `fixtures/live2/selftest_bodies`), in the live `LS /proc/tests` order.
 *
 * @module
 */

/** File name → content (each ends with a newline; CAT returns the lines without it). */
export const SELFTEST_SCRIPTS: Readonly<Record<string, string>> = Object.freeze({
  "selftest_quick.coh": [
    "# Author: Lukas Bower",
    "# Purpose: Quick in-session selftest script for cohsh.",
    "ping",
    "EXPECT OK",
    "cat /proc/boot",
    "EXPECT OK",
    "tail /log/queen.log",
    "EXPECT OK",
    "WAIT 200",
    "quit",
  ].join("\n") + "\n",
  "selftest_full.coh": [
    "# Author: Lukas Bower",
    "# Purpose: Full in-session selftest script for cohsh.",
    "ping",
    "EXPECT OK",
    "cat /proc/boot",
    "EXPECT OK",
    "ls /proc",
    "EXPECT OK",
    "echo test-ack-1 > /log/queen.log",
    "EXPECT OK",
    "echo test-ack-2 > /log/queen.log",
    "EXPECT OK",
    "cat /log/queen.log",
    "EXPECT OK",
    "tail /log/queen.log",
    "EXPECT OK",
    "WAIT 200",
    "spawn heartbeat ticks=2 ttl_s=30",
    "EXPECT OK",
    "tail /shard/13/worker/worker-1/telemetry",
    "EXPECT OK",
    "WAIT 200",
    "kill worker-1",
    "EXPECT OK",
    "quit",
  ].join("\n") + "\n",
  "selftest_negative.coh": [
    "# Author: Lukas Bower",
    "# Purpose: Negative-path selftest script for cohsh.",
    'echo {"bind":{"from":"/proc/../boot","to":"/tmp"}} > /queen/ctl',
    "EXPECT ERR",
    "cat /proc/a/b/c/d/e/f/g/h/i",
    "EXPECT ERR",
    "echo denied-write > /proc/tests/selftest_quick.coh",
    "EXPECT ERR",
    "echo {{msize_overflow}} > /queen/ctl",
    "EXPECT ERR",
  ].join("\n") + "\n",
});
