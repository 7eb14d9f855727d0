import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promoteVersion } from './champion.js';
import { championFilePath, readChampion } from './champion-file.js';
import { listVersions } from './list.js';
import { sha256 } from './manifest.js';
import { registerVersion } from './register.js';
import { checkResolvedBytes, resolveModelSource } from './resolve.js';
import { BACKENDS, backendMissing, openTestRegistry } from './testing/backends.js';
import { codeOf, removeTempDirs, tempDir, tempRegistry, writeFixtureArtifacts } from './testing/fixtures.js';
import { verifyAll, verifyVersion } from './verify.js';

function devSettings(dir: string, registryDir: string, modelVersion = '') {
  return {
    modelVersion,
    modelPath: path.join(dir, 'model_v1.json'),
    metadataPath: path.join(dir, 'model_metadata_v1.json'),
    signaturePath: path.join(dir, 'model_signature_v1.json'),
    registryDir,
  };
}

afterAll(removeTempDirs);

describe('resolveModelSource', () => {
  it('empty MODEL_VERSION resolves to the development files, with metrics and baseline beside them', async () => {
    const art = writeFixtureArtifacts(tempDir('art'));
    const r = await resolveModelSource(devSettings(art, '/nonexistent/registry'));
    expect(r.kind).toBe('dev');
    expect(r.version).toBeNull();
    expect(r.requested).toBe('');
    expect(r.files.model).toBe(path.join(art, 'model_v1.json'));
    expect(r.files.metrics).toBe(path.join(art, 'metrics_v1.json'));
    expect(r.files.baseline).toBe(path.join(art, 'baseline_v1.json'));
    expect(r.manifest).toBeUndefined();
  });

  it('a missing development file is ARTIFACTS_MISSING naming the setting', async () => {
    const art = writeFixtureArtifacts(tempDir('art'), { omit: ['model_signature_v1.json'] });
    await expect(resolveModelSource(devSettings(art, '/nonexistent'))).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_ARTIFACTS_MISSING',
      message: expect.stringContaining('SIGNATURE_PATH='),
    });
  });

  it('champion and vX.Y.Z resolve to verified registry files; champion.json has the documented fields', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0', notes: 'first' });
    await registerVersion(ctx, { artifacts: art, version: 'v1.1.0' });
    await expect(codeOf(resolveModelSource(devSettings(art, dir, 'champion'), ctx))).resolves.toBe(
      'DEF_ERR_REGISTRY_CHAMPION_NOT_SET',
    );
    await promoteVersion(ctx, { version: 'v1.0.0', by: 'ana' });
    await promoteVersion(ctx, { version: 'v1.1.0', by: 'bia' });

    const champion = await readChampion(dir);
    expect(champion).toMatchObject({ version: 'v1.1.0', promoted_by: 'bia', previous_champion: 'v1.0.0' });
    expect(Number.isNaN(Date.parse(champion!.promoted_at))).toBe(false);
    expect(championFilePath(dir)).toBe(path.resolve(dir, 'champion.json'));
    expect(JSON.parse(readFileSync(championFilePath(dir), 'utf8')).version).toBe('v1.1.0');

    const r = await resolveModelSource(devSettings(art, dir, 'champion'));
    expect(r).toMatchObject({ kind: 'registry', version: 'v1.1.0', requested: 'champion' });
    expect(r.files.model).toBe(path.resolve(dir, 'v1.1.0', 'model.json'));
    expect(r.files.metadata).toBe(path.resolve(dir, 'v1.1.0', 'model_metadata.json'));
    expect(r.files.signature).toBe(path.resolve(dir, 'v1.1.0', 'model_signature.json'));
    expect(r.files.metrics).toBe(path.resolve(dir, 'v1.1.0', 'metrics.json'));
    expect(r.files.baseline).toBe(path.resolve(dir, 'v1.1.0', 'baseline.json'));
    expect(r.manifest?.version).toBe('v1.1.0');

    const pinned = await resolveModelSource(devSettings(art, dir, 'v1.0.0'));
    expect(pinned).toMatchObject({ kind: 'registry', version: 'v1.0.0', requested: 'v1.0.0' });
    expect(pinned.manifest?.notes).toBe('first');

    const list = await listVersions(dir);
    expect(list.map((v) => [v.version, v.is_champion])).toEqual([
      ['v1.0.0', false],
      ['v1.1.0', true],
    ]);
  });

  it('a manifest edited to list a path (../x, sub/) is an integrity failure, not a crash', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    const manifestPath = path.join(dir, 'v1.0.0', 'manifest.json');
    const original = JSON.parse(readFileSync(manifestPath, 'utf8'));
    mkdirSync(path.join(dir, 'v1.0.0', 'sub'));
    for (const name of ['sub/', '../v1.0.0/model.json']) {
      const edited = {
        ...original,
        files: { ...original.files, [name]: { sha256: '0'.repeat(64), size: 0 } },
      };
      writeFileSync(manifestPath, JSON.stringify(edited));
      const rep = await verifyVersion(dir, 'v1.0.0');
      expect(rep.ok).toBe(false);
      expect(rep.problems).toEqual([
        {
          kind: 'manifest_invalid',
          file: 'manifest.json',
          message: `files lists ${JSON.stringify(name)}, which is not a plain file name`,
        },
      ]);
      expect(await codeOf(resolveModelSource(devSettings(art, dir, 'v1.0.0'), ctx))).toBe(
        'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
      );
    }
  });

  it('names the precise problem: bad MODEL_VERSION, unknown version, champion pointing nowhere or unreadable', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    expect(await codeOf(resolveModelSource(devSettings(art, dir, 'latest'), ctx))).toBe(
      'DEF_ERR_REGISTRY_VERSION_INVALID',
    );
    expect(await codeOf(resolveModelSource(devSettings(art, dir, '../v1.0.0'), ctx))).toBe(
      'DEF_ERR_REGISTRY_VERSION_INVALID',
    );
    expect(await codeOf(resolveModelSource(devSettings(art, dir, 'v9.9.9'), ctx))).toBe(
      'DEF_ERR_REGISTRY_VERSION_NOT_FOUND',
    );
    const pointer = { version: 'v7.0.0', promoted_at: 'x', promoted_by: 'y', previous_champion: null };
    writeFileSync(
      path.join(dir, 'champion.json'),
      JSON.stringify({ ...pointer, manifest_sha256: '0'.repeat(64) }),
    );
    expect(await codeOf(resolveModelSource(devSettings(art, dir, 'champion'), ctx))).toBe(
      'DEF_ERR_REGISTRY_CHAMPION_INVALID',
    );
    const all = await verifyAll(ctx);
    expect(all.ok).toBe(false);
    expect(all.champion).toEqual({
      ok: false,
      version: 'v7.0.0',
      message: 'points at v7.0.0, which does not exist',
    });
    writeFileSync(path.join(dir, 'champion.json'), '{"version": "v1.0.0", ');
    expect(await codeOf(resolveModelSource(devSettings(art, dir, 'champion'), ctx))).toBe(
      'DEF_ERR_REGISTRY_CHAMPION_INVALID',
    );
    expect(await codeOf(readChampion(dir))).toBe('DEF_ERR_REGISTRY_CHAMPION_INVALID');
    expect(await codeOf(resolveModelSource(devSettings(art, path.join(dir, 'nope'), 'champion')))).toBe(
      'DEF_ERR_REGISTRY_CHAMPION_NOT_SET',
    );
    expect(existsSync(path.join(dir, 'nope'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['champion.json', 'v1.0.0']);
  });
});

describe.each(BACKENDS)('immutability and tamper detection on %s', (backend) => {
  const run = describe.skipIf(backendMissing(backend));
  run('a version is what its manifest says', () => {
    it('a registered version is never replaced: registering it again is VERSION_EXISTS, its bytes unchanged', async () => {
      const { ctx, raw } = await openTestRegistry(backend);
      await registerVersion(ctx, {
        artifacts: writeFixtureArtifacts(tempDir('a'), { seed: 1 }),
        version: 'v1.0.0',
      });
      const before = (await raw.read('v1.0.0/model.json'))!;
      const other = writeFixtureArtifacts(tempDir('b'), { seed: 2 });
      expect(await codeOf(registerVersion(ctx, { artifacts: other, version: 'v1.0.0' }))).toBe(
        'DEF_ERR_REGISTRY_VERSION_EXISTS',
      );
      expect((await raw.read('v1.0.0/model.json'))!.equals(before)).toBe(true);
      expect((await verifyVersion(ctx, 'v1.0.0')).ok).toBe(true);
      expect(await raw.hidden()).toEqual([]);
    });

    it('refuses a hand-edited, a missing-file or an extra-file version and never falls back', async () => {
      const { dir, ctx, raw } = await openTestRegistry(backend);
      const art = writeFixtureArtifacts(tempDir('art'));
      for (const v of ['v1.0.0', 'v1.0.1', 'v1.0.2', 'v1.0.3'])
        await registerVersion(ctx, { artifacts: art, version: v });
      await promoteVersion(ctx, { version: 'v1.0.3' });

      await raw.write(
        'v1.0.3/metrics.json',
        Buffer.concat([(await raw.read('v1.0.3/metrics.json'))!, Buffer.from(' ')]),
      );
      const rep = await verifyVersion(ctx, 'v1.0.3');
      expect(rep.ok).toBe(false);
      expect(rep.problems.map((p) => [p.kind, p.file])).toEqual([['size_mismatch', 'metrics.json']]);
      await expect(resolveModelSource(devSettings(art, dir, 'champion'), ctx)).rejects.toMatchObject({
        code: 'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
        details: { version: 'v1.0.3' },
      });

      // Same size, different bytes: caught by the hash.
      const text = (await raw.read('v1.0.0/model.json'))!.toString('utf8');
      await raw.write('v1.0.0/model.json', text.replace('"threshold":0.45', '"threshold":0.05'));
      expect((await verifyVersion(ctx, 'v1.0.0')).problems.map((p) => p.kind)).toEqual(['hash_mismatch']);
      expect(await codeOf(resolveModelSource(devSettings(art, dir, 'v1.0.0'), ctx))).toBe(
        'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
      );

      await raw.remove('v1.0.1/baseline.json');
      expect((await verifyVersion(ctx, 'v1.0.1')).problems.map((p) => p.kind)).toEqual(['missing']);

      await raw.write('v1.0.2/notes.txt', 'x');
      expect((await verifyVersion(ctx, 'v1.0.2')).problems.map((p) => [p.kind, p.file])).toEqual([
        ['extra', 'notes.txt'],
      ]);
      expect(await codeOf(resolveModelSource(devSettings(art, dir, 'v1.0.2'), ctx))).toBe(
        'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
      );
    });
  });

  run('champion pinned by its manifest hash', () => {
    it('refuses a champion whose files and manifest were rewritten together', async () => {
      const { dir, ctx, raw } = await openTestRegistry(backend);
      const art = writeFixtureArtifacts(tempDir('art'));
      await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
      await promoteVersion(ctx, { version: 'v1.0.0' });
      const champion = await readChampion(ctx);
      expect(champion!.manifest_sha256).toBe(sha256((await raw.read('v1.0.0/manifest.json'))!));
      // Rewrite model.json and fix its hash in the manifest: per-version verify cannot see it...
      const model = (await raw.read('v1.0.0/model.json'))!
        .toString('utf8')
        .replace('"threshold":0.45', '"threshold":0.05');
      await raw.write('v1.0.0/model.json', model);
      const manifest = JSON.parse((await raw.read('v1.0.0/manifest.json'))!.toString('utf8'));
      manifest.files['model.json'] = { sha256: sha256(model), size: Buffer.byteLength(model) };
      await raw.write('v1.0.0/manifest.json', JSON.stringify(manifest, null, 2));
      expect((await verifyVersion(ctx, 'v1.0.0')).ok).toBe(true);
      // ...but the champion pointer pinned the manifest it promoted.
      await expect(resolveModelSource(devSettings(art, dir, 'champion'), ctx)).rejects.toMatchObject({
        code: 'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
        message: expect.stringContaining('changed after it was promoted'),
      });
      const all = await verifyAll(ctx);
      expect(all.ok).toBe(false);
      expect(all.champion.message).toContain('changed after it was promoted');
    });
  });
});

describe('integrity gaps closed', () => {
  it('reads the manifest once on resolve: the bytes checked against the pin are the bytes used', async () => {
    const { ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    await promoteVersion(ctx, { version: 'v1.0.0' });
    let manifestReads = 0;
    const readFile = ctx.storage.readFile.bind(ctx.storage);
    const counting = {
      ...ctx,
      storage: Object.assign(Object.create(ctx.storage), {
        readFile: (version: string, name: string) => {
          if (name === 'manifest.json') manifestReads++;
          return readFile(version, name);
        },
      }),
    };
    const r = await resolveModelSource(devSettings(art, ctx.storage.location, 'champion'), counting);
    expect(manifestReads).toBe(1);
    expect(r.version).toBe('v1.0.0');
  });

  it('a manifest without the model, metadata or signature entry is an integrity failure', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    // Files and manifest edited together, so nothing else is wrong: the entry is simply not listed.
    const manifestPath = path.join(dir, 'v1.0.0', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    delete manifest.files['model_metadata.json'];
    writeFileSync(manifestPath, JSON.stringify(manifest));
    rmSync(path.join(dir, 'v1.0.0', 'model_metadata.json'));
    const rep = await verifyVersion(ctx, 'v1.0.0');
    expect(rep.problems.map((p) => [p.kind, p.message])).toEqual([
      ['manifest_invalid', 'files does not list model_metadata.json'],
    ]);
    await expect(resolveModelSource(devSettings(art, dir, 'v1.0.0'), ctx)).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    });
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.0.0' }))).toBe(
      'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    );
  });

  it('the loader never skips a hash: a role without one in a registry source is refused', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    const src = await resolveModelSource(devSettings(art, dir, 'v1.0.0'), ctx);
    const metadata = readFileSync(src.files.metadata);
    expect(() => checkResolvedBytes(src, 'metadata', metadata)).not.toThrow();
    expect(() => checkResolvedBytes(src, 'metadata', Buffer.concat([metadata, Buffer.from(' ')]))).toThrow(
      /model_metadata\.json changed after it was verified/,
    );
    const withoutHash = { ...src, sha256: { ...src.sha256, metadata: undefined } };
    expect(() => checkResolvedBytes(withoutHash, 'metadata', metadata)).toThrow(
      /has no hash in the manifest/,
    );
    // Development files carry no hashes: nothing to check.
    const dev = await resolveModelSource(devSettings(art, dir));
    expect(() => checkResolvedBytes(dev, 'metadata', Buffer.from('x'))).not.toThrow();
  });

  it('a champion.json without its manifest pin is invalid: never served, reported by verify --all', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    await promoteVersion(ctx, { version: 'v1.0.0' });
    const pointer = JSON.parse(readFileSync(path.join(dir, 'champion.json'), 'utf8'));
    delete pointer.manifest_sha256;
    writeFileSync(path.join(dir, 'champion.json'), JSON.stringify(pointer));
    expect(await codeOf(resolveModelSource(devSettings(art, dir, 'champion'), ctx))).toBe(
      'DEF_ERR_REGISTRY_CHAMPION_INVALID',
    );
    const all = await verifyAll(ctx);
    expect(all.ok).toBe(false);
    expect(all.champion.message).toContain('"manifest_sha256" pin is missing');
    // Promoting again writes the pin.
    expect((await promoteVersion(ctx, { version: 'v1.0.0' })).changed).toBe(true);
    expect((await resolveModelSource(devSettings(art, dir, 'champion'), ctx)).version).toBe('v1.0.0');
  });
});

describe('symbolic links are never followed out of the root', () => {
  /** v1.0.0 registered; v2.0.0 a symbolic link to a verified copy of it kept outside the registry. */
  async function linkedRegistry() {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    await registerVersion(ctx, { artifacts: art, version: 'v2.0.0' });
    const outside = path.join(tempDir('outside'), 'v2.0.0');
    renameSync(path.join(dir, 'v2.0.0'), outside);
    symlinkSync(outside, path.join(dir, 'v2.0.0'));
    return { dir, ctx, art };
  }

  it('a version directory that is a link: refused by resolve, verify --all and promote, flagged by list', async () => {
    const { dir, ctx, art } = await linkedRegistry();
    await expect(resolveModelSource(devSettings(art, dir, 'v2.0.0'), ctx)).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
      message: expect.stringContaining('symbolic link'),
    });
    expect(await codeOf(promoteVersion(ctx, { version: 'v2.0.0' }))).toBe(
      'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    );
    expect(existsSync(path.join(dir, 'champion.json'))).toBe(false);
    const all = await verifyAll(ctx);
    expect(all.ok).toBe(false);
    expect(all.versions.map((v) => [v.version, v.ok, v.problems.map((p) => p.kind)])).toEqual([
      ['v1.0.0', true, []],
      ['v2.0.0', false, ['not_a_directory']],
    ]);
    const list = await listVersions(ctx);
    expect(list.map((v) => [v.version, v.readable])).toEqual([
      ['v1.0.0', true],
      ['v2.0.0', false],
    ]);
    expect(list[1]!.problem).toContain('symbolic link');
  });

  it('a registered file replaced by a link (even to identical bytes) fails verification', async () => {
    const { dir, ctx, art } = await linkedRegistry();
    const file = path.join(dir, 'v1.0.0', 'model_metadata.json');
    const copy = path.join(tempDir('outside'), 'model_metadata.json');
    renameSync(file, copy);
    symlinkSync(copy, file);
    const rep = await verifyVersion(ctx, 'v1.0.0');
    expect(rep.problems.map((p) => [p.kind, p.file])).toEqual([['not_a_file', 'model_metadata.json']]);
    expect(await codeOf(resolveModelSource(devSettings(art, dir, 'v1.0.0'), ctx))).toBe(
      'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    );
    expect(await codeOf(ctx.storage.readFile('v1.0.0', 'model_metadata.json'))).toBe(
      'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    );
  });
});
