/**
 * `synthetic` as a first-class field of a version: copied from the training metadata into the manifest
 * at register time, answered from the metadata for manifests written before the field, shown by list
 * and show, and diff warns when a synthetic version is compared with a real one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffVersions, showVersion } from './inspect.js';
import { listVersions } from './list.js';
import { readManifest } from './manifest.js';
import { versionProvenance } from './provenance.js';
import { registerVersion } from './register.js';
import { removeTempDirs, tempDir, tempRegistry, writeFixtureArtifacts } from './testing/fixtures.js';

afterAll(removeTempDirs);

const SHA = 'ab'.repeat(32);

describe('synthetic in the registry', () => {
  const { ctx } = tempRegistry();
  const register = (version: string, metadata: Record<string, unknown>, seed: number) =>
    registerVersion(ctx, {
      artifacts: writeFixtureArtifacts(tempDir('art'), { metadata, seed }),
      version,
      force: true,
      reason: 'fixtures',
    });

  it('copies the metadata into the manifest: top-level field, the older data.synthetic, or null', async () => {
    await register('v1.0.0', { synthetic: true, data: { synthetic: true } }, 1);
    await register('v1.1.0', { data: { synthetic: false, source_sha256: SHA } }, 2);
    await register('v1.2.0', {}, 3);
    const synthetic = async (v: string) => (await readManifest(ctx.storage, v))?.synthetic;
    expect([await synthetic('v1.0.0'), await synthetic('v1.1.0'), await synthetic('v1.2.0')]).toEqual([
      true,
      false,
      null,
    ]);
    expect(await versionProvenance(ctx, (await readManifest(ctx.storage, 'v1.1.0'))!)).toEqual({
      synthetic: false,
      source_sha256: SHA,
    });
  });

  it('reads the metadata for a manifest written before the field', async () => {
    const file = path.join(ctx.storage.location, 'v1.0.0', 'manifest.json');
    const { synthetic: _dropped, ...older } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify(older, null, 2));
    expect((await readManifest(ctx.storage, 'v1.0.0'))?.synthetic).toBeUndefined();
    const list = await listVersions(ctx);
    expect(list.map((v) => [v.version, v.synthetic])).toEqual([
      ['v1.0.0', true],
      ['v1.1.0', false],
      ['v1.2.0', null],
    ]);
    expect((await showVersion(ctx, 'v1.0.0')).synthetic).toBe(true);
  });

  it('diff warns when one side was trained on synthetic data and the other was not', async () => {
    const mixed = await diffVersions(ctx, 'v1.0.0', 'v1.1.0');
    expect(mixed.synthetic).toEqual({
      a: true,
      b: false,
      warning:
        'v1.0.0 was trained and tested on SYNTHETIC data (fake students), v1.1.0 on real data: their metrics are measured on different students and do not compare',
    });
    const reversed = await diffVersions(ctx, 'v1.1.0', 'v1.0.0');
    expect(reversed.synthetic.warning).toMatch(/^v1\.0\.0 was trained .* v1\.1\.0 on real data/);
    expect((await diffVersions(ctx, 'v1.0.0', 'v1.2.0')).synthetic.warning).toContain(
      'v1.2.0 on data it does not say is synthetic or real',
    );
    expect(await diffVersions(ctx, 'v1.1.0', 'v1.2.0').then((d) => d.synthetic)).toEqual({
      a: false,
      b: null,
    });
  });
});
