import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promoteVersion, readHistory } from './champion.js';
import { readChampion } from './champion-file.js';
import { breakStale, withFileLock } from './lock.js';
import { registerVersion } from './register.js';
import { codeOf, removeTempDirs, tempDir, tempRegistry, writeFixtureArtifacts } from './testing/fixtures.js';
import { canFakeHost, runWorker, stopped } from './testing/spawn.js';
import { verifyAll } from './verify.js';

afterAll(removeTempDirs);

const BOOT = existsSync('/proc/sys/kernel/random/boot_id')
  ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  : null;

/** A lock file as a holder would write it. */
function lockOf(fields: Partial<Record<'pid' | 'host' | 'boot' | 'start' | 'token', unknown>>): string {
  return JSON.stringify({
    pid: process.pid,
    host: os.hostname(),
    boot: BOOT,
    start: null,
    token: 'someone',
    created_at: Date.now(),
    ...fields,
  });
}

const HOUR_AGO = new Date(Date.now() - 3600_000);

describe('registry lock', () => {
  it('serialises critical sections in one process and leaves nothing behind', async () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(lock, { timeoutMs: 5000, leaseMs: 30000 }, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 3));
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['a dead pid', { pid: 4194305 }],
    ['a host that rebooted since', { boot: 'another-boot' }],
    ['a reused pid (another process start time)', { start: '1' }],
  ])('takes over at once a lock left by %s on this host', async (_, fields) => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    writeFileSync(lock, lockOf(fields));
    // A long lease: only the holder check can let this through before the wait times out.
    expect(await withFileLock(lock, { timeoutMs: 2000, leaseMs: 3600_000 }, async () => 'ran')).toBe('ran');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never takes over a live holder on this host, however old its lease', async () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    const own = readFileSync('/proc/self/stat', 'utf8');
    const start = own.slice(own.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(lock, lockOf({ start, token: 'live' }));
    utimesSync(lock, HOUR_AGO, HOUR_AGO);
    expect(await codeOf(withFileLock(lock, { timeoutMs: 300, leaseMs: 100 }, async () => 1))).toBe(
      'DEF_ERR_REGISTRY_LOCK_TIMEOUT',
    );
    expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('live');
  });

  it("waits for another host's lock while its lease is fresh, takes it over once it expired", async () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    writeFileSync(lock, lockOf({ pid: 1, host: 'elsewhere', token: 'remote' }));
    expect(await codeOf(withFileLock(lock, { timeoutMs: 200, leaseMs: 60000 }, async () => 1))).toBe(
      'DEF_ERR_REGISTRY_LOCK_TIMEOUT',
    );
    utimesSync(lock, HOUR_AGO, HOUR_AGO);
    expect(await withFileLock(lock, { timeoutMs: 2000, leaseMs: 60000 }, async () => 2)).toBe(2);
    expect(existsSync(lock)).toBe(false);
  });

  it('fencing: a holder whose lock was taken over fails its check and leaves the new lock alone', async () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    let checked = 'not run';
    await withFileLock(lock, { timeoutMs: 1000, leaseMs: 60000 }, async (held) => {
      held.assertHeld();
      // Taken over meanwhile (as after an expired lease): the next write must not happen.
      writeFileSync(lock, lockOf({ token: 'new-holder' }));
      checked = await codeOf(Promise.resolve().then(() => held.assertHeld()));
    });
    expect(checked).toBe('DEF_ERR_REGISTRY_LOCK_LOST');
    expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('new-holder');
  });

  it('breaking a stale lock never removes the fresh lock that replaced it', () => {
    const dir = tempDir('lock');
    const lock = path.join(dir, '.lock');
    const stale = lockOf({ pid: 4194305, token: 'stale' });
    // Judged stale, then released and re-taken by a live holder before the break runs.
    writeFileSync(lock, lockOf({ token: 'fresh' }));
    breakStale(lock, stale, 60000);
    expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('fresh');
    writeFileSync(lock, stale);
    breakStale(lock, stale, 60000);
    expect(existsSync(lock)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** A registry with v1.0.0 champion and v1.1.0, v1.2.0 registered. */
async function registryWithThree(settings: Parameters<typeof tempRegistry>[0] = {}) {
  const reg = tempRegistry(settings);
  const art = writeFixtureArtifacts(tempDir('art'));
  for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0'])
    await registerVersion(reg.ctx, { artifacts: art, version: v });
  await promoteVersion(reg.ctx, { version: 'v1.0.0' });
  return reg;
}

describe('registry lock between real processes (a holder paused with SIGSTOP)', () => {
  it('a paused holder on this host is never taken over, long past its lease; it finishes when resumed', async () => {
    const { dir, ctx } = await registryWithThree({ lockTimeoutMs: 3000, lockLeaseMs: 1000 });
    let pid = 0;
    const holder = runWorker(dir, 'promote', 'v1.1.0', undefined, {
      env: { DEFASAGEM_TEST_STOP_AT: 'promote:after-lock', REGISTRY_LOCK_LEASE_MS: '1000' },
      onSpawn: (c) => {
        pid = c.pid!;
      },
    });
    await stopped(pid);
    // Waits three leases (what used to be "30 s: stale") and gives up: the lock is still the holder's.
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.2.0' }))).toBe('DEF_ERR_REGISTRY_LOCK_TIMEOUT');
    process.kill(pid, 'SIGCONT');
    const r = await holder;
    expect(r.stdout, r.stderr).toContain('"ok":true');
    expect((await readChampion(ctx))!.version).toBe('v1.1.0');
    expect((await readHistory(ctx)).map((e) => `${e.from}→${e.to}`)).toEqual([
      'null→v1.0.0',
      'v1.0.0→v1.1.0',
    ]);
  });

  it.skipIf(!canFakeHost())(
    'a paused holder on another host is taken over after its lease, and its late write is fenced off',
    async () => {
      const { dir, ctx } = await registryWithThree({ lockTimeoutMs: 20000, lockLeaseMs: 1000 });
      let pid = 0;
      const remote = runWorker(dir, 'promote', 'v1.1.0', undefined, {
        hostname: 'other-registry-host',
        env: { DEFASAGEM_TEST_STOP_AT: 'promote:after-lock', REGISTRY_LOCK_LEASE_MS: '1000' },
        onSpawn: (c) => {
          pid = c.pid!;
        },
      });
      await stopped(pid);
      expect((await promoteVersion(ctx, { version: 'v1.2.0' })).changed).toBe(true);
      process.kill(pid, 'SIGCONT');
      const r = await remote;
      expect(r.stdout, r.stderr).toContain('DEF_ERR_REGISTRY_LOCK_LOST');
      // The late holder wrote nothing: one pointer, a history that is still a chain.
      expect((await readChampion(ctx))!.version).toBe('v1.2.0');
      expect((await readHistory(ctx)).map((e) => `${e.from}→${e.to}`)).toEqual([
        'null→v1.0.0',
        'v1.0.0→v1.2.0',
      ]);
      expect((await verifyAll(ctx)).ok).toBe(true);
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    },
  );
});
