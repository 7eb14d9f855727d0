import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withFileLock } from './lock.js';
import { removeTempDirs, tempDir } from './testing/fixtures.js';

afterAll(removeTempDirs);

describe('registry lock', () => {
  it('serialises critical sections in one process', async () => {
    const lock = path.join(tempDir('lock'), '.lock');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(lock, { timeoutMs: 5000, staleMs: 30000 }, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 3));
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose holder process is dead', async () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    writeFileSync(
      lock,
      JSON.stringify({ pid: 4194305, host: os.hostname(), token: 'dead', created_at: Date.now() }),
    );
    const started = Date.now();
    expect(await withFileLock(lock, { timeoutMs: 2000, staleMs: 60000 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over an old lock from another host, but waits for a live fresh one and times out', async () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    writeFileSync(
      lock,
      JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old', created_at: Date.now() - 120_000 }),
    );
    expect(await withFileLock(lock, { timeoutMs: 2000, staleMs: 60000 }, async () => 1)).toBe(1);
    // Held by this (live) process, fresh: a second taker times out with LOCK_TIMEOUT.
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'live', created_at: Date.now() }),
    );
    await expect(withFileLock(lock, { timeoutMs: 200, staleMs: 60000 }, async () => 1)).rejects.toMatchObject(
      {
        code: 'DEF_ERR_REGISTRY_LOCK_TIMEOUT',
      },
    );
    expect(existsSync(lock)).toBe(true);
  });

  it('does not remove a lock it does not own on release', async () => {
    const dir = tempDir('lock');
    mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, '.lock');
    await withFileLock(lock, { timeoutMs: 1000, staleMs: 60000 }, async () => {
      // Someone broke our lock as stale and took it: release must leave theirs alone.
      writeFileSync(
        lock,
        JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'other', created_at: Date.now() }),
      );
    });
    expect(existsSync(lock)).toBe(true);
  });
});
