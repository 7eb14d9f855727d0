import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_ID } from '../core/durable-fs.js';
import type { ModelSignature } from '../model/types.js';
import { diffVersions } from './inspect.js';
import { withFileLock } from './lock.js';
import { sha256 } from './manifest.js';
import { registerVersion } from './register.js';
import {
  codeOf,
  removeTempDirs,
  snapshotTree,
  tempDir,
  tempRegistry,
  withoutIpp,
  writeFixtureArtifacts,
} from './testing/fixtures.js';
import type { Manifest } from './types.js';
import { verifyAll } from './verify.js';

afterAll(removeTempDirs);

describe('register', () => {
  it('copies `_v1` artifacts under normalised names and writes a complete manifest', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    writeFileSync(path.join(art, 'notes.txt'), 'not an artifact');
    const r = await registerVersion(ctx, {
      artifacts: art,
      version: 'v1.0.0',
      notes: 'first model',
      by: 'ana',
    });
    const files = readdirSync(path.join(dir, 'v1.0.0')).sort();
    // The design's names, exactly.
    expect(files).toEqual([
      'baseline.json',
      'manifest.json',
      'metrics.json',
      'model.json',
      'model_comparison.json',
      'model_metadata.json',
      'model_report.md',
      'model_signature.json',
    ]);
    expect(r.ignored_files).toEqual(['notes.txt']);
    const m = JSON.parse(readFileSync(path.join(dir, 'v1.0.0', 'manifest.json'), 'utf8')) as Manifest;
    expect(m).toMatchObject({
      manifest_version: 1,
      version: 'v1.0.0',
      created_by: 'ana',
      notes: 'first model',
      model_format_version: 1,
      source: {
        directory: path.resolve(art),
        git_commit: null, // a temp dir is not in a git repository
        files: {
          'model.json': 'model_v1.json',
          'model_metadata.json': 'model_metadata_v1.json',
          'model_signature.json': 'model_signature_v1.json',
          'metrics.json': 'metrics_v1.json',
          'baseline.json': 'baseline_v1.json',
          'model_comparison.json': 'model_comparison.json',
          'model_report.md': 'model_report.md',
        },
      },
    });
    expect(Number.isNaN(Date.parse(m.created_at))).toBe(false);
    for (const [name, f] of Object.entries(m.files)) {
      const data = readFileSync(path.join(dir, 'v1.0.0', name));
      expect(f).toEqual({ sha256: sha256(data), size: data.length });
    }
    expect(m.signature_sha256).toBe(m.files['model_signature.json']!.sha256);
    expect(m.metrics_summary.test).toMatchObject({ roc_auc: 0.82, precision: 0.7, recall: 0.66 });
    // The bytes are copied as they are.
    expect(readFileSync(path.join(dir, 'v1.0.0', 'model.json'))).toEqual(
      readFileSync(path.join(art, 'model_v1.json')),
    );
  });

  it('falls back to plain names, and prefers `_v1` when both exist', async () => {
    const { dir, ctx } = tempRegistry();
    const plain = writeFixtureArtifacts(tempDir('plain'), { plainNames: true, seed: 7 });
    const r = await registerVersion(ctx, { artifacts: plain, version: 'v1.0.0' });
    expect(r.manifest.source.files['model.json']).toBe('model.json');
    expect(r.manifest.source.files['model_metadata.json']).toBe('model_metadata.json');
    expect(r.manifest.source.files['baseline.json']).toBe('baseline.json');

    const both = writeFixtureArtifacts(tempDir('both'), { seed: 1 });
    writeFixtureArtifacts(both, { plainNames: true, seed: 2, extras: false });
    const r2 = await registerVersion(ctx, { artifacts: both, version: 'v1.0.1' });
    expect(r2.manifest.source.files['model.json']).toBe('model_v1.json');
    expect(JSON.parse(readFileSync(path.join(dir, 'v1.0.1', 'model.json'), 'utf8')).training.seed).toBe(1);
    expect(r2.ignored_files).toEqual([]);
  });

  it('--bump computes the next version from the latest in semver order', async () => {
    const { ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    expect((await registerVersion(ctx, { artifacts: art, bump: 'minor' })).version).toBe('v0.1.0');
    await registerVersion(ctx, { artifacts: art, version: 'v1.9.0' });
    await registerVersion(ctx, { artifacts: art, version: 'v1.2.0' });
    expect((await registerVersion(ctx, { artifacts: art, bump: 'minor' })).version).toBe('v1.10.0');
    expect((await registerVersion(ctx, { artifacts: art, bump: 'patch' })).version).toBe('v1.10.1');
    expect((await registerVersion(ctx, { artifacts: art, bump: 'major' })).version).toBe('v2.0.0');
  });

  it('each bad input gives its code and leaves the disk as it was', async () => {
    const { dir, ctx } = tempRegistry();
    const good = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: good, version: 'v1.0.0' });
    // A sibling directory that `--version ../x` would once have deleted.
    const sibling = path.join(path.dirname(dir), 'x');
    mkdirSync(sibling);
    writeFileSync(path.join(sibling, 'keep.txt'), 'keep');
    const partial = writeFixtureArtifacts(tempDir('partial'), { omit: ['metrics_v1.json'] });
    const badJson = writeFixtureArtifacts(tempDir('badjson'));
    writeFileSync(path.join(badJson, 'model_metadata_v1.json'), '{"trained_on": [2022,');
    const badModel = writeFixtureArtifacts(tempDir('badmodel'));
    writeFileSync(path.join(badModel, 'model_v1.json'), JSON.stringify({ format: 'onnx' }));
    const wrongNames = tempDir('wrong');
    copyFileSync(path.join(good, 'model_v1.json'), path.join(wrongNames, 'modelo_v1.json'));
    const empty = tempDir('empty');

    const before = snapshotTree(path.dirname(dir));
    const cases: Array<[string, Parameters<typeof registerVersion>[1], string]> = [
      ['../x', { artifacts: good, version: '../x' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      ['v1.0.0/../../y', { artifacts: good, version: 'v1.0.0/../../y' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      ['/abs', { artifacts: good, version: '/abs' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      ['v01.2.3', { artifacts: good, version: 'v01.2.3' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      ['v1.2', { artifacts: good, version: 'v1.2' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      ['full-width digits', { artifacts: good, version: 'v\uFF12.0.0' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      ['Cyrillic v', { artifacts: good, version: '\u0475' + '2.0.0' }, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      [
        'both version and bump',
        { artifacts: good, version: 'v2.0.0', bump: 'major' },
        'DEF_ERR_REGISTRY_VERSION_INVALID',
      ],
      ['existing version', { artifacts: good, version: 'v1.0.0' }, 'DEF_ERR_REGISTRY_VERSION_EXISTS'],
      [
        'missing artifacts dir',
        { artifacts: path.join(empty, 'nope'), version: 'v2.0.0' },
        'DEF_ERR_REGISTRY_ARTIFACTS_MISSING',
      ],
      ['empty artifacts dir', { artifacts: empty, version: 'v2.0.0' }, 'DEF_ERR_REGISTRY_ARTIFACTS_MISSING'],
      ['partial artifacts', { artifacts: partial, version: 'v2.0.0' }, 'DEF_ERR_REGISTRY_ARTIFACTS_MISSING'],
      ['wrong names', { artifacts: wrongNames, version: 'v2.0.0' }, 'DEF_ERR_REGISTRY_ARTIFACTS_MISSING'],
      ['invalid JSON', { artifacts: badJson, version: 'v2.0.0' }, 'DEF_ERR_REGISTRY_ARTIFACT_INVALID_JSON'],
      ['not a model file', { artifacts: badModel, version: 'v2.0.0' }, 'DEF_ERR_REGISTRY_ARTIFACT_INVALID'],
    ];
    for (const [label, opts, code] of cases) {
      expect(await codeOf(registerVersion(ctx, opts)), label).toBe(code);
    }
    expect(snapshotTree(path.dirname(dir))).toEqual(before);
    expect((await verifyAll(ctx)).ok).toBe(true);
  });

  it('--artifacts naming a file says it is a file, not that it does not exist', async () => {
    const { ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    const file = path.join(art, 'model_v1.json');
    await expect(registerVersion(ctx, { artifacts: file, version: 'v1.0.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_ARTIFACTS_MISSING',
      message: expect.stringContaining(
        'model_v1.json is a file; --artifacts takes the training output directory',
      ),
    });
    await expect(
      registerVersion(ctx, { artifacts: path.join(art, 'nope'), version: 'v1.0.0' }),
    ).rejects.toMatchObject({ message: expect.stringContaining('does not exist') });
  });

  it('the missing-artifact error lists what was looked for and the unrecognised files', async () => {
    const { ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'), { omit: ['model_signature_v1.json'] });
    writeFileSync(path.join(art, 'signature.v1.json'), '{}');
    await expect(registerVersion(ctx, { artifacts: art, version: 'v1.0.0' })).rejects.toMatchObject({
      message: expect.stringMatching(
        /model_signature\.json \(looked for model_signature_v1\.json, model_signature\.json\).*signature\.v1\.json/,
      ),
    });
  });

  it('enforces semver from the signature and explains the difference', async () => {
    const { dir, ctx } = tempRegistry();
    // The base lacks the optional input ipp; every variant is a signature the API can serve.
    const variant = (label: string, edit: (s: ModelSignature) => ModelSignature) =>
      writeFixtureArtifacts(tempDir(label), { signature: (s) => edit(withoutIpp(s)) });
    const base = variant('base', (s) => s);
    await registerVersion(ctx, { artifacts: base, version: 'v1.0.0' });
    const removed = variant('removed', (s) => ({ ...s, inputs: s.inputs.filter((f) => f.name !== 'fase') }));
    const renamed = variant('renamed', (s) => ({
      ...s,
      inputs: s.inputs.map((f) => (f.name === 'ieg' ? { ...f, name: 'ipp' as const } : f)),
    }));
    const retyped = variant('retyped', (s) => ({
      ...s,
      inputs: s.inputs.map((f) => (f.name === 'idade' ? { ...f, type: 'number' as const } : f)),
    }));
    const output = variant('output', (s) => ({
      ...s,
      outputs: s.outputs.map((o) => ({ ...o, type: 'string' })),
    }));
    const added = writeFixtureArtifacts(tempDir('added'));
    const before = snapshotTree(dir);
    for (const [art, detail] of [
      [removed, /required input "fase" \(integer\) removed/],
      [renamed, /input "ieg" renamed to "ipp"/],
      [retyped, /input "idade" type integer → number/],
      [output, /output "risk_score" type number → string/],
    ] as const) {
      await expect(registerVersion(ctx, { artifacts: art, version: 'v1.1.0' })).rejects.toMatchObject({
        code: 'DEF_ERR_REGISTRY_SEMVER_VIOLATION',
        message: expect.stringMatching(detail),
      });
      await expect(registerVersion(ctx, { artifacts: art, bump: 'patch' })).rejects.toMatchObject({
        code: 'DEF_ERR_REGISTRY_SEMVER_VIOLATION',
        message: expect.stringContaining('v2.0.0'),
      });
    }
    expect(snapshotTree(dir)).toEqual(before);
    // An optional input added is compatible; a breaking change with a MAJOR bump is accepted.
    const minor = await registerVersion(ctx, { artifacts: added, version: 'v1.1.0' });
    expect(minor.semver).toMatchObject({ compared_with: 'v1.0.0', required: 'minor', actual: 'minor' });
    const major = await registerVersion(ctx, { artifacts: removed, bump: 'major' });
    expect(major.version).toBe('v2.0.0');
    expect(major.semver.required).toBe('major');
    // A patch on an older line is compared with the version just below it, not with the newest.
    const patch = await registerVersion(ctx, { artifacts: base, version: 'v1.0.1' });
    expect(patch.semver.compared_with).toBe('v1.0.0');
  });

  it('a version slotted in below an existing one must be compatible with it too', async () => {
    const { dir, ctx } = tempRegistry();
    const base = writeFixtureArtifacts(tempDir('base'), { signature: withoutIpp });
    await registerVersion(ctx, { artifacts: base, version: 'v1.0.0' });
    await registerVersion(ctx, { artifacts: base, version: 'v1.2.0' });
    // Compatible with v1.0.0 (an optional input added), but v1.2.0 then drops that input again:
    // v1.1.0 → v1.2.0 would be a breaking change without a MAJOR bump.
    const added = writeFixtureArtifacts(tempDir('added'));
    const before = snapshotTree(dir);
    await expect(registerVersion(ctx, { artifacts: added, version: 'v1.1.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_SEMVER_VIOLATION',
      message: expect.stringMatching(/v1\.1\.0 would sit below v1\.2\.0 .*input "ipp" \(number\) removed/),
    });
    expect(snapshotTree(dir)).toEqual(before);
    // The same artifacts are fine where no newer version of the line would break them.
    expect((await registerVersion(ctx, { artifacts: added, version: 'v1.3.0' })).semver.compared_with).toBe(
      'v1.2.0',
    );
    // A newer version in another major line does not constrain it.
    await registerVersion(ctx, { artifacts: added, version: 'v0.9.0' });
    // And a compatible version slots in below an existing one as before.
    expect((await registerVersion(ctx, { artifacts: base, version: 'v1.1.0' })).semver.compared_with).toBe(
      'v1.0.0',
    );
  });

  it('breaking changes are allowed inside one X.0.0 pre-release line', async () => {
    const { ctx } = tempRegistry();
    await registerVersion(ctx, { artifacts: writeFixtureArtifacts(tempDir('a')), version: 'v1.0.0' });
    const noFase = writeFixtureArtifacts(tempDir('b'), {
      signature: (s) => ({ ...s, inputs: s.inputs.filter((f) => f.name !== 'fase') }),
    });
    await registerVersion(ctx, { artifacts: noFase, version: 'v2.0.0-rc.1' });
    const noIdade = writeFixtureArtifacts(tempDir('c'), {
      signature: (s) => ({ ...s, inputs: s.inputs.filter((f) => f.name !== 'fase' && f.name !== 'idade') }),
    });
    expect((await registerVersion(ctx, { artifacts: noIdade, version: 'v2.0.0' })).semver.compared_with).toBe(
      'v2.0.0-rc.1',
    );
    // `registry diff` gives the same verdict as register did.
    const d = await diffVersions(ctx, 'v2.0.0-rc.1', 'v2.0.0');
    expect(d.signature.required).toBe('major');
    expect(d.semver).toMatchObject({ ok: true, actual: 'patch' });
    expect(d.semver.verdict).toContain('inside the pre-release line');
    expect((await diffVersions(ctx, 'v1.0.0', 'v2.0.0-rc.1')).semver.ok).toBe(true);
  });

  it("cleans a dead local process's staging under the lock, never another host's by its pid", async () => {
    const { dir, ctx } = tempRegistry({ lockTimeoutMs: 300 });
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    // pid 2^22+1 is above Linux's pid_max default, so it is surely not running here.
    const local = `.tmp-stage-v1.0.1-${HOST_ID}-4194305-0badc0de`;
    const otherHost = HOST_ID === '00000000' ? '11111111' : '00000000';
    const remote = `.tmp-stage-v1.0.1-${otherHost}-4194305-0badc0de`;
    for (const name of [local, remote]) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'model.json'), '{');
    }
    expect((await verifyAll(ctx)).ok).toBe(true);
    // While another command holds the lock, nothing is judged or removed (the register waits and gives up).
    await withFileLock(path.join(dir, '.lock'), { timeoutMs: 1000, leaseMs: 30000 }, async () => {
      expect(await codeOf(registerVersion(ctx, { artifacts: art, version: 'v1.0.1' }))).toBe(
        'DEF_ERR_REGISTRY_LOCK_TIMEOUT',
      );
      expect(readdirSync(dir)).toContain(local);
    });
    const r = await registerVersion(ctx, { artifacts: art, version: 'v1.0.1' });
    expect(r.cleaned_leftovers).toBe(1);
    // Another host's staging directory may be work in progress there: kept (gc removes it once a day old).
    expect(readdirSync(dir).sort()).toEqual([remote, 'v1.0.0', 'v1.0.1'].sort());
  });

  it('an existing version directory is never replaced, even an empty one', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    mkdirSync(path.join(dir, 'v1.1.0'));
    expect(await codeOf(registerVersion(ctx, { artifacts: art, version: 'v1.1.0' }))).toBe(
      'DEF_ERR_REGISTRY_VERSION_EXISTS',
    );
    expect(readdirSync(path.join(dir, 'v1.1.0'))).toEqual([]);
    rmSync(path.join(dir, 'v1.1.0'), { recursive: true });
    expect((await registerVersion(ctx, { artifacts: art, version: 'v1.1.0' })).version).toBe('v1.1.0');
  });
});

describe('register when the disk fails', () => {
  it('reports IO_FAILED naming the registry (not an internal bug)', async () => {
    const parent = tempDir('io');
    writeFileSync(path.join(parent, 'file'), 'not a directory');
    const { openRegistry } = await import('./context.js');
    const { TEST_SETTINGS } = await import('./testing/fixtures.js');
    const ctx = openRegistry(path.join(parent, 'file', 'registry'), TEST_SETTINGS);
    const art = writeFixtureArtifacts(tempDir('art'));
    await expect(registerVersion(ctx, { artifacts: art, version: 'v1.0.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_IO_FAILED',
      message: expect.stringContaining('ENOTDIR'),
    });
  });
});

describe("register runs the server's own load and warm-up", () => {
  it.each([
    [
      'a right header with a broken learner',
      (m: Record<string, unknown>) => {
        const learner = m.learner as { state: Record<string, unknown> };
        return { ...m, learner: { ...learner, state: { ...learner.state, coef: [1, 2] } } };
      },
      /coef must be an array of \d+ finite numbers/,
    ],
    [
      'a learner that scores NaN',
      (m: Record<string, unknown>) => {
        const learner = m.learner as { state: { coef: number[] } };
        const coef = learner.state.coef.map((_, j) => (j % 2 === 0 ? 1e308 : -1e308));
        return { ...m, learner: { ...learner, state: { ...learner.state, coef } } };
      },
      /scores the signature example NaN, not a probability/,
    ],
    [
      'a threshold the API cannot use',
      (m: Record<string, unknown>) => ({
        ...m,
        threshold: 0,
        risk_bands: { medio_from: 0, alto_from: 0.6, alto_min_probability: 0.6 },
      }),
      /threshold 0 is not strictly between 0 and 1/,
    ],
  ])('refuses %s with MODEL_UNLOADABLE and writes nothing', async (_, model, message) => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'), { model });
    await expect(registerVersion(ctx, { artifacts: art, version: 'v1.0.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_MODEL_UNLOADABLE',
      message: expect.stringMatching(message),
    });
    expect(snapshotTree(dir)).toEqual({});
  });

  it('refuses a signature without an example request to warm up with', async () => {
    const { ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'), {
      signature: (s) => ({ ...s, example_request: undefined as never }),
    });
    expect(await codeOf(registerVersion(ctx, { artifacts: art, version: 'v1.0.0' }))).toBe(
      'DEF_ERR_REGISTRY_ARTIFACT_INVALID',
    );
  });
});

describe("register checks the signature with the API's own input validator", () => {
  it.each([
    [
      'an input the API does not know (not a student field)',
      (s: ModelSignature) => ({
        ...s,
        inputs: [
          ...s.inputs,
          {
            name: 'escola' as never,
            type: 'category' as const,
            nullable: true,
            categories: ['a'],
            description: 'x',
          },
        ],
      }),
      /cannot compile an input validator from its signature \(signature field escola is not a student field\)/,
    ],
    [
      'an example request the validator refuses',
      (s: ModelSignature) => ({ ...s, example_request: { ...s.example_request, fase: '3' } }),
      /example_request breaks the type rule of fase/,
    ],
    [
      'an example request without a required field',
      (s: ModelSignature) => {
        const { defasagem: _, ...rest } = s.example_request as Record<string, unknown>;
        return { ...s, example_request: rest };
      },
      /lacks the required field defasagem/,
    ],
  ])('refuses %s with MODEL_UNLOADABLE', async (_, signature, message) => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'), { signature });
    await expect(registerVersion(ctx, { artifacts: art, version: 'v1.0.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_MODEL_UNLOADABLE',
      message: expect.stringMatching(message),
    });
    expect(snapshotTree(dir)).toEqual({});
  });
});
