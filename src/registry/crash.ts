/**
 * Test-only interruption points. When DEFASAGEM_TEST_CRASH_AT names a point, the process kills itself
 * there with SIGKILL (no cleanup, no finally blocks), which is how the crash-safety tests interrupt a
 * register or a promote mid-way; DEFASAGEM_TEST_STOP_AT stops it there with SIGSTOP instead (a paused
 * laptop, a hung mount), so a test can resume it later with SIGCONT. Unset in normal use: the check
 * is two env lookups.
 */
export function crashPoint(name: string): void {
  if (process.env.DEFASAGEM_TEST_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
  if (process.env.DEFASAGEM_TEST_STOP_AT === name) process.kill(process.pid, 'SIGSTOP');
}
