/**
 * Test support for replicas as real processes: `defasagem serve --port 0` in a child Node process
 * (the CLI, through tsx), its URL read from its `listening` log line, and ways to stop it (SIGTERM:
 * graceful, the monitoring events still queued are written; SIGKILL: nothing more is written).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { type ChildResult, REPO_ROOT, runTs } from '../../registry/testing/spawn.js';

export const CLI_MAIN = path.join(REPO_ROOT, 'src/cli/main.ts');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves when the process has exited (code, signal and everything it printed). */
  exited: Promise<ChildResult>;
}

/** Starts `defasagem serve --port 0` with `env` over this process's; resolves once it listens. */
export async function spawnServe(env: Record<string, string>, timeoutMs = 120_000): Promise<ServeProcess> {
  let child: ChildProcess | null = null;
  const exited = runTs(CLI_MAIN, ['serve', '--port', '0'], {
    env: { LOG_LEVEL: 'info', ...env },
    onSpawn: (c) => {
      child = c;
    },
  });
  const c = child as unknown as ChildProcess;
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`serve did not listen within ${timeoutMs} ms: ${out.slice(-2000)}`));
    }, timeoutMs);
    c.stdout!.on('data', (d) => {
      out += String(d);
      const m = /"event":"listening","url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${r.code ?? r.signal}) before listening: ${out}${r.stderr}`));
    });
  });
  return { url, child: c, exited };
}
