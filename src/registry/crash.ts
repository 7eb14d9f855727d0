/**
 * Test-only kill points. When DEFASAGEM_TEST_CRASH_AT names a point, the process kills itself there
 * with SIGKILL (no cleanup, no finally blocks), which is how the crash-safety tests interrupt a
 * register or a promote mid-way. Unset in normal use: the check is one env lookup.
 */
export function crashPoint(name: string): void {
  if (process.env.DEFASAGEM_TEST_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
