import { afterAll, describe, expect, it } from 'vitest';
import { promoteVersion, readHistory } from './champion.js';
import { readChampion } from './champion-file.js';
import { gcRegistry } from './gc.js';
import { registerVersion } from './register.js';
import { BACKENDS, type Backend, backendMissing, openTestRegistry } from './testing/backends.js';
import { removeTempDirs, tempDir, writeFixtureArtifacts } from './testing/fixtures.js';
import { runWorker } from './testing/spawn.js';
import { verifyAll, verifyVersion } from './verify.js';

/** A registry with v1.0.0 champion and v1.1.0 registered. */
async function base(backend: Backend) {
  const reg = await openTestRegistry(backend);
  const art = writeFixtureArtifacts(tempDir('art'));
  await registerVersion(reg.ctx, { artifacts: art, version: 'v1.0.0' });
  await registerVersion(reg.ctx, { artifacts: art, version: 'v1.1.0' });
  await promoteVersion(reg.ctx, { version: 'v1.0.0' });
  return { ...reg, art };
}

afterAll(removeTempDirs);

describe.each(BACKENDS)('on %s', (backend) => {
  describe.skipIf(backendMissing(backend))(
    'crash safety (child processes killed with SIGKILL at injected points)',
    () => {
      const timeout = backend === 's3' ? 120_000 : undefined;
      it.each([
        ['register:after-stage', false],
        ['register:before-rename', false],
        ['register:after-rename', true],
      ])(
        'register killed at %s: the version is complete or absent, the registry verifies',
        async (point, present) => {
          const { dir, ctx, art, raw } = await base(backend);
          const r = await runWorker(dir, 'register', 'v1.2.0', art, {
            env: { DEFASAGEM_TEST_CRASH_AT: point },
          });
          expect(r.signal).toBe('SIGKILL');
          expect((await raw.read('v1.2.0/model.json')) !== null).toBe(present);
          if (present) expect((await verifyVersion(ctx, 'v1.2.0')).ok).toBe(true);
          const report = await verifyAll(ctx);
          expect(report.ok).toBe(true);
          expect(report.versions.map((v) => v.version)).toEqual(
            present ? ['v1.0.0', 'v1.1.0', 'v1.2.0'] : ['v1.0.0', 'v1.1.0'],
          );
          if (!present) expect(report.leftovers.some((l) => l.kind === 'staging')).toBe(true);
          // The next command takes over the dead process's lock and finishes the job.
          const next = present ? 'v1.3.0' : 'v1.2.0';
          const again = await registerVersion(ctx, { artifacts: art, version: next });
          expect(again.version).toBe(next);
          expect((await verifyVersion(ctx, next)).ok).toBe(true);
          await gcRegistry(ctx);
          expect(await raw.hidden()).toEqual([]);
          expect((await verifyAll(ctx)).ok).toBe(true);
        },
      );

      it.each(
        [
          ['promote:after-lock', 'v1.0.0'],
          ['promote:after-temp', 'v1.0.0'],
          ['promote:after-rename', 'v1.1.0'],
          // On S3 there is no temp file: after-lock and after-temp are one point, tested once.
        ].filter(([point]) => backend !== 's3' || point !== 'promote:after-lock'),
      )(
        'promote killed at %s: the champion is one of the two valid values',
        { timeout },
        async (point, expected) => {
          const { dir, ctx, raw } = await base(backend);
          const r = await runWorker(dir, 'promote', 'v1.1.0', undefined, {
            env: { DEFASAGEM_TEST_CRASH_AT: point },
          });
          expect(r.signal).toBe('SIGKILL');
          const champion = JSON.parse((await raw.read('champion.json'))!.toString('utf8'));
          expect(['v1.0.0', 'v1.1.0']).toContain(champion.version);
          expect(champion.version).toBe(expected);
          expect((await verifyAll(ctx)).ok).toBe(true);
          // A later promotion works (stale lock taken over) and the history has every move that happened.
          await promoteVersion(ctx, { version: expected === 'v1.0.0' ? 'v1.1.0' : 'v1.0.0' });
          const history = await readHistory(ctx);
          for (let i = 1; i < history.length; i++) expect(history[i]!.from).toBe(history[i - 1]!.to);
          expect(history.at(-1)!.to).toBe((await readChampion(ctx))!.version);
          expect(history.map((e) => e.to)).toEqual(
            expected === 'v1.0.0' ? ['v1.0.0', 'v1.1.0'] : ['v1.0.0', 'v1.1.0', 'v1.0.0'],
          );
          await gcRegistry(ctx);
          expect(await raw.hidden()).toEqual([]);
        },
      );
    },
  );
});
