import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';

/** Who is acting: an explicit name, else $USER, else the OS account. */
export function actor(explicit?: string): string {
  const name = explicit?.trim() || process.env.USER?.trim();
  if (name) return name;
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** HEAD of the git repository holding `dir`, or null when it is not in one (or git is absent). */
export function gitCommitOf(dir: string): Promise<string | null> {
  // A folder that is not there (artifacts registered from memory) is in no repository: no git to run.
  if (!existsSync(dir)) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 3000 }, (err, stdout) => {
      const sha = String(stdout ?? '').trim();
      resolve(!err && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null);
    });
  });
}
