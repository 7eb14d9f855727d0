import { afterAll, describe, expect, it } from 'vitest';
import { promoteVersion, readHistory } from './champion.js';
import { readChampion } from './champion-file.js';
import { listVersions } from './list.js';
import { registerVersion } from './register.js';
import { BACKENDS, backendMissing, openTestRegistry } from './testing/backends.js';
import { removeTempDirs, tempDir, writeFixtureArtifacts } from './testing/fixtures.js';
import { runWorker } from './testing/spawn.js';
import { verifyAll } from './verify.js';

afterAll(removeTempDirs);

describe.each(BACKENDS)('on %s', (backend) => {
  // S3 requests cost tens of milliseconds where a rename costs microseconds: fewer writers there.
  const run = describe.skipIf(backendMissing(backend));
  const writers = backend === 's3' ? 4 : 20;
  const contenders = backend === 's3' ? 4 : 8;
  const timeout = backend === 's3' ? 240_000 : undefined;
  // Every write waits for the lock in turn; on S3 a turn is a dozen requests, not a few syscalls.
  const env: Record<string, string> = backend === 's3' ? { REGISTRY_LOCK_TIMEOUT_MS: '180000' } : {};

  run('concurrency (separate processes)', () => {
    it(`${writers} processes registering distinct versions and promoting them leave a consistent registry`, {
      timeout,
    }, async () => {
      const { dir, ctx, raw } = await openTestRegistry(backend);
      const art = writeFixtureArtifacts(tempDir('art'));
      const versions = Array.from({ length: writers }, (_, i) => `v1.${i}.0`);
      const results = await Promise.all(
        versions.map((v) => runWorker(dir, 'register-promote', v, art, { env })),
      );
      for (const r of results) expect(r.stdout, r.stderr).toContain('"ok":true');

      const report = await verifyAll(ctx);
      expect(report.ok).toBe(true);
      expect(report.leftovers).toEqual([]);
      expect((await listVersions(ctx)).map((v) => v.version)).toEqual(
        [...versions].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])),
      );
      // Every move is in the history, in a chain: each one starts where the previous one ended.
      const lines = (await raw.read('history.jsonl'))!.toString('utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(writers);
      const history = await readHistory(ctx);
      expect(history).toHaveLength(writers);
      expect(new Set(history.map((e) => e.to))).toEqual(new Set(versions));
      expect(history[0]!.from).toBeNull();
      for (let i = 1; i < history.length; i++) expect(history[i]!.from).toBe(history[i - 1]!.to);
      const champion = await readChampion(ctx);
      expect(champion!.version).toBe(history.at(-1)!.to);
      expect(champion!.previous_champion).toBe(history.at(-1)!.from);
      // No torn or temp file anywhere.
      expect(await raw.hidden()).toEqual([]);
    });

    it('two processes registering the same version: exactly one wins, the other gets VERSION_EXISTS', {
      timeout,
    }, async () => {
      const { dir, ctx, raw } = await openTestRegistry(backend);
      const a = writeFixtureArtifacts(tempDir('a'), { seed: 1 });
      const b = writeFixtureArtifacts(tempDir('b'), { seed: 2 });
      const [ra, rb] = await Promise.all(
        [a, b].map((art) => runWorker(dir, 'register', 'v2.0.0', art, { env })),
      );
      const codes = [ra!.code, rb!.code].sort();
      expect(codes).toEqual([0, 1]);
      const loser = ra!.code === 1 ? ra! : rb!;
      expect(JSON.parse(loser.stdout).code).toBe('DEF_ERR_REGISTRY_VERSION_EXISTS');
      const winner = ra!.code === 0 ? a : b;
      const seed = JSON.parse((await raw.read('v2.0.0/model.json'))!.toString('utf8')).training.seed;
      expect(seed).toBe(winner === a ? 1 : 2);
      expect((await verifyAll(ctx)).ok).toBe(true);
      expect(await raw.entries()).toEqual(['v2.0.0']);
      expect(await raw.hidden()).toEqual([]);
    });
  });

  run('--bump under concurrency', () => {
    it('4 processes registering with --bump minor at once all succeed, each with its own next version', {
      timeout,
    }, async () => {
      const { dir, ctx, raw } = await openTestRegistry(backend);
      const art = writeFixtureArtifacts(tempDir('art'));
      await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
      const results = await Promise.all(
        Array.from({ length: 4 }, () => runWorker(dir, 'register', 'bump:minor', art, { env })),
      );
      for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
      const got = results.map((r) => JSON.parse(r.stdout).version as string).sort();
      expect(got).toEqual(['v1.1.0', 'v1.2.0', 'v1.3.0', 'v1.4.0']);
      expect((await verifyAll(ctx)).ok).toBe(true);
      expect(await raw.hidden()).toEqual([]);
    });
  });

  run('compare-and-set on the champion', () => {
    it(`of ${contenders} promotions expecting the same current champion, exactly one wins`, {
      timeout,
    }, async () => {
      const { ctx } = await openTestRegistry(backend);
      const art = writeFixtureArtifacts(tempDir('art'));
      const versions = Array.from({ length: contenders + 1 }, (_, i) => `v1.${i}.0`);
      for (const v of versions) await registerVersion(ctx, { artifacts: art, version: v });
      await promoteVersion(ctx, { version: 'v1.0.0' });
      const outcomes = await Promise.allSettled(
        versions.slice(1).map((v) => promoteVersion(ctx, { version: v, expectCurrent: 'v1.0.0' })),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((o) => (o.reason as { code: string }).code)).toEqual(
        Array(contenders - 1).fill('DEF_ERR_REGISTRY_CHAMPION_CONFLICT'),
      );
      const history = await readHistory(ctx);
      expect(history).toHaveLength(2);
      expect(history[1]!.from).toBe('v1.0.0');
      expect((await readChampion(ctx))!.version).toBe(history[1]!.to);
    });
  });
});
