import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '../features/catalog.js';
import { nextVersion, requiredBump } from './bump.js';
import { changelogEntries, renderChangelog } from './changelog.js';
import { diffVersions } from './inspect.js';
import { registerVersion } from './register.js';
import {
  codeOf,
  removeTempDirs,
  snapshotTree,
  type TrainedFixture,
  tempDir,
  tempRegistry,
  withoutIpp,
  writeFixtureArtifacts,
} from './testing/fixtures.js';
import type { Manifest } from './types.js';

afterAll(removeTempDirs);

const DROPPED = 'ieg';
const WITHOUT = DEFAULT_FEATURES.filter((f) => f !== DROPPED);
const artifacts = (label: string, trained: TrainedFixture) =>
  writeFixtureArtifacts(tempDir(label), { trained });
const manifestOf = (dir: string, version: string) =>
  JSON.parse(readFileSync(path.join(dir, version, 'manifest.json'), 'utf8')) as Manifest;

/** A registry that went through every rule: what the changelog must tell. */
async function journey() {
  const { dir, ctx } = tempRegistry();
  const rf = artifacts('rf', { learner: 'random_forest' });
  const gbdt = artifacts('gbdt', { learner: 'gbdt' });
  const fewer = artifacts('fewer', { learner: 'gbdt', features: WITHOUT });
  const newData = artifacts('data', { learner: 'gbdt', newData: true });
  const params = artifacts('params', { learner: 'gbdt', newData: true, params: { max_depth: 3 } });
  await registerVersion(ctx, { artifacts: rf, version: 'v1.1.1', by: 'ana' });
  return { dir, ctx, rf, gbdt, fewer, newData, params };
}

describe('register follows the versioning rules (contract and model)', () => {
  it('random forest → GBDT with the same signature needs MAJOR; each refused bump names the rule', async () => {
    const { dir, ctx, gbdt } = await journey();
    const before = snapshotTree(dir);
    for (const attempt of [{ version: 'v1.1.2' }, { version: 'v1.2.0' }, { bump: 'patch' as const }]) {
      await expect(registerVersion(ctx, { artifacts: gbdt, ...attempt })).rejects.toMatchObject({
        code: 'DEF_ERR_REGISTRY_BUMP_TOO_SMALL',
        message: expect.stringContaining(
          'its changes need MAJOR: learner random_forest → gbdt [MAJOR: algorithm change (design example v1.1.1 → v2.0.0: random forest → XGBoost)]. The smallest version allowed is v2.0.0',
        ),
      });
    }
    expect(snapshotTree(dir)).toEqual(before);
    const r = await registerVersion(ctx, { artifacts: gbdt, version: 'v2.0.0' });
    expect(r.semver).toMatchObject({
      compared_with: 'v1.1.1',
      required: 'major',
      actual: 'major',
      contract: { required: 'patch', changes: [] },
      model: { required: 'major' },
      forced: null,
    });
    expect(manifestOf(dir, 'v2.0.0').bump).toMatchObject({
      compared_with: 'v1.1.1',
      required: 'major',
      actual: 'major',
      contract_required: 'patch',
      model_required: 'major',
      reasons: [{ source: 'model', kind: 'learner_changed', rule: 'algorithm_change', bump: 'major' }],
      forced: null,
    });
  });

  it('a derived feature removed needs MAJOR, one added MINOR, new data MINOR, an identical model a PATCH', async () => {
    const { dir, ctx, gbdt, fewer, newData } = await journey();
    await registerVersion(ctx, { artifacts: gbdt, version: 'v2.0.0' });
    expect(await codeOf(registerVersion(ctx, { artifacts: fewer, version: 'v2.1.0' }))).toBe(
      'DEF_ERR_REGISTRY_BUMP_TOO_SMALL',
    );
    await expect(registerVersion(ctx, { artifacts: fewer, version: 'v2.0.1' })).rejects.toThrow(
      `1 derived feature(s) removed: ${DROPPED} [MAJOR: features removed from the feature set]`,
    );
    expect((await registerVersion(ctx, { artifacts: fewer, version: 'v3.0.0' })).semver.required).toBe(
      'major',
    );

    await expect(registerVersion(ctx, { artifacts: gbdt, version: 'v3.0.1' })).rejects.toThrow(
      `+1 derived feature(s): ${DROPPED} [MINOR: feature engineering: features added (design example: +9 features)]. The smallest version allowed is v3.1.0`,
    );
    expect((await registerVersion(ctx, { artifacts: gbdt, version: 'v3.1.0' })).semver.required).toBe(
      'minor',
    );

    await expect(registerVersion(ctx, { artifacts: newData, version: 'v3.1.1' })).rejects.toThrow(
      /training data changed: data sha256 .*\[MINOR: retrained on new data\]\. The smallest version allowed is v3\.2\.0/,
    );
    const retrained = await registerVersion(ctx, { artifacts: newData, bump: 'minor' });
    expect(retrained.semver).toMatchObject({ compared_with: 'v3.1.0', required: 'minor', actual: 'minor' });

    // The same artifacts again: nothing changed, a PATCH is enough.
    const same = await registerVersion(ctx, { artifacts: newData, bump: 'patch' });
    expect(same.version).toBe('v3.2.1');
    expect(same.semver).toMatchObject({ required: 'patch', reasons: [] });
    expect(manifestOf(dir, 'v3.2.1').bump).toMatchObject({ required: 'patch', actual: 'patch', reasons: [] });
  });

  it('new parameters of the same learner need MINOR; a preprocessing fix with the same features is a PATCH', async () => {
    const { ctx, newData, params } = await journey();
    await registerVersion(ctx, { artifacts: newData, version: 'v2.0.0' });
    await expect(registerVersion(ctx, { artifacts: params, version: 'v2.0.1' })).rejects.toThrow(
      'gbdt parameters changed: max_depth 2 → 3 [MINOR: same learner, new parameters]',
    );
    await registerVersion(ctx, { artifacts: params, version: 'v2.1.0' });
    // The age medians fixed (a preprocessing bug), same features, same data.
    const fixed = writeFixtureArtifacts(tempDir('fixed'), {
      trained: { learner: 'gbdt', newData: true, params: { max_depth: 3 } },
      model: (m) => {
        const features = m.features as { params: { idade_mediana_por_fase: Record<string, number> } };
        const medians = Object.fromEntries(
          Object.entries(features.params.idade_mediana_por_fase).map(([k, v]) => [k, v + 0.5]),
        );
        return { ...m, features: { ...features, params: { idade_mediana_por_fase: medians } } };
      },
    });
    const patch = await registerVersion(ctx, { artifacts: fixed, version: 'v2.1.1' });
    expect(patch.semver.required).toBe('patch');
    expect(patch.semver.reasons.map((r) => [r.kind, r.rule])).toEqual([
      ['pipeline_changed', 'preprocessing_fix'],
    ]);
  });

  it('--force --reason registers below the rules and records who, why and the verdict overridden', async () => {
    const { dir, ctx, gbdt } = await journey();
    expect(await codeOf(registerVersion(ctx, { artifacts: gbdt, version: 'v1.2.0', force: true }))).toBe(
      'DEF_ERR_REGISTRY_REASON_REQUIRED',
    );
    const r = await registerVersion(ctx, {
      artifacts: gbdt,
      version: 'v1.2.0',
      force: true,
      reason: 'the GBDT only replaces a forest that was never promoted',
      by: 'bia',
    });
    const overridden = {
      by: 'bia',
      reason: 'the GBDT only replaces a forest that was never promoted',
      overridden: [
        {
          position: 'above',
          against: 'v1.1.1',
          required: 'major',
          allowed: 'minor',
          reasons: [
            'learner random_forest → gbdt [MAJOR: algorithm change (design example v1.1.1 → v2.0.0: random forest → XGBoost)]',
          ],
        },
      ],
    };
    expect(r.semver.forced).toEqual(overridden);
    expect(manifestOf(dir, 'v1.2.0').bump).toMatchObject({
      required: 'major',
      actual: 'minor',
      forced: overridden,
    });
    // --force with nothing to override records nothing.
    const plain = await registerVersion(ctx, {
      artifacts: gbdt,
      version: 'v1.2.1',
      force: true,
      reason: 'x',
    });
    expect(plain.semver.forced).toBeNull();
  });

  it('a breaking change of the API contract cannot be forced', async () => {
    const { ctx } = tempRegistry();
    await registerVersion(ctx, { artifacts: writeFixtureArtifacts(tempDir('a')), version: 'v1.0.0' });
    const noFase = writeFixtureArtifacts(tempDir('b'), {
      signature: (s) => ({ ...s, inputs: s.inputs.filter((f) => f.name !== 'fase') }),
    });
    await expect(
      registerVersion(ctx, { artifacts: noFase, version: 'v1.1.0', force: true, reason: 'please' }),
    ).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_SEMVER_VIOLATION',
      message: expect.stringContaining('cannot be forced'),
    });
  });

  it('a compatible contract change needs MINOR, and the required bump is the larger of the two verdicts', async () => {
    const { ctx } = tempRegistry();
    const base = writeFixtureArtifacts(tempDir('base'), {
      signature: withoutIpp,
      trained: { learner: 'gbdt' },
    });
    await registerVersion(ctx, { artifacts: base, version: 'v1.0.0' });
    // ipp back as an optional input (contract MINOR) and a forest instead of the GBDT (model MAJOR).
    const both = writeFixtureArtifacts(tempDir('both'), { trained: { learner: 'random_forest' } });
    const verdict = await requiredBump(ctx, both);
    expect(verdict).toMatchObject({
      compared_with: 'v1.0.0',
      required: 'major',
      contract: { required: 'minor' },
      model: { required: 'major' },
    });
    expect(verdict.reasons.map((r) => `${r.source}:${r.rule}`)).toEqual([
      'contract:compatible_contract',
      'model:algorithm_change',
    ]);
    const onlyContract = writeFixtureArtifacts(tempDir('contract'), { trained: { learner: 'gbdt' } });
    await expect(registerVersion(ctx, { artifacts: onlyContract, version: 'v1.0.1' })).rejects.toThrow(
      'optional input "ipp" (number) added [MINOR: new capability of the API contract (backwards compatible)]',
    );
  });

  it('a version slotted in below an existing one must leave a step the rules allow up to it', async () => {
    const { dir, ctx, gbdt, rf } = await journey();
    await registerVersion(ctx, { artifacts: gbdt, version: 'v2.0.0' });
    const before = snapshotTree(dir);
    // v1.1.1 is a forest and v2.0.0 a GBDT: a GBDT at v1.5.0 would leave v1.1.1 → v1.5.0 an algorithm change.
    await expect(registerVersion(ctx, { artifacts: gbdt, version: 'v1.5.0' })).rejects.toThrow(
      'v1.5.0 is a MINOR bump from v1.1.1',
    );
    expect(snapshotTree(dir)).toEqual(before);
    // A forest at v1.9.9 is fine below it, but then v1.9.9 → v2.0.0 must be MAJOR, and it is.
    expect((await registerVersion(ctx, { artifacts: rf, version: 'v1.9.9' })).semver.next).toMatchObject({
      version: 'v2.0.0',
      required: 'major',
      allowed: 'major',
    });
    // A GBDT at v2.0.0-rc.1 would sit below v2.0.0 in its own pre-release line: allowed.
    expect((await registerVersion(ctx, { artifacts: gbdt, version: 'v2.0.0-rc.1' })).semver.required).toBe(
      'major',
    );
    expect(Object.keys(snapshotTree(dir)).length).toBeGreaterThan(Object.keys(before).length);
  });

  it('next-version and --bump auto give the version the rules require, with the reasons', async () => {
    const { ctx, gbdt, newData } = await journey();
    const empty = tempRegistry().ctx;
    expect(await nextVersion(empty, gbdt)).toMatchObject({ latest: null, version: 'v1.0.0', ok: true });
    const next = await nextVersion(ctx, gbdt);
    expect(next).toMatchObject({
      latest: 'v1.1.1',
      version: 'v2.0.0',
      bump: 'major',
      required: 'major',
      smallest_allowed: 'v2.0.0',
      ok: true,
    });
    expect(next.verdict.reasons.map((r) => r.rule)).toEqual(['algorithm_change']);
    expect(await nextVersion(ctx, gbdt, 'minor')).toMatchObject({
      version: 'v1.2.0',
      ok: false,
      smallest_allowed: 'v2.0.0',
    });
    expect((await registerVersion(ctx, { artifacts: gbdt, bump: 'auto' })).version).toBe('v2.0.0');
    expect((await registerVersion(ctx, { artifacts: newData, bump: 'auto' })).version).toBe('v2.1.0');
    expect((await registerVersion(ctx, { artifacts: newData, bump: 'auto' })).version).toBe('v2.1.1');
    // Nothing was written by next-version: the registry holds exactly what register wrote.
    expect((await changelogEntries(ctx)).map((e) => e.version)).toEqual([
      'v2.1.1',
      'v2.1.0',
      'v2.0.0',
      'v1.1.1',
    ]);
  });

  it('diff and the changelog show both verdicts with the reasons, and a forced registration', async () => {
    const { ctx, gbdt, fewer, newData } = await journey();
    await registerVersion(ctx, { artifacts: gbdt, version: 'v2.0.0', notes: 'GBDT' });
    await registerVersion(ctx, {
      artifacts: fewer,
      version: 'v2.1.0',
      force: true,
      reason: 'ieg\nis noisy',
      by: 'caio',
    });
    await registerVersion(ctx, { artifacts: gbdt, version: 'v2.2.0' });
    await registerVersion(ctx, { artifacts: newData, version: 'v2.3.0' });
    await registerVersion(ctx, { artifacts: newData, version: 'v2.3.1' });

    const d = await diffVersions(ctx, 'v2.0.0', 'v1.1.1');
    expect(d.semver).toMatchObject({
      from: 'v1.1.1',
      to: 'v2.0.0',
      contract_required: 'patch',
      model_required: 'major',
      required: 'major',
      ok: true,
    });
    expect(d.model.changes.map((c) => c.rule)).toEqual(['algorithm_change']);
    const below = await diffVersions(ctx, 'v2.0.0', 'v2.1.0');
    expect(below.semver.ok).toBe(false);
    expect(below.semver.verdict).toContain(
      'the changes need MAJOR (contract PATCH, model MAJOR), but v2.0.0 → v2.1.0 is a minor bump',
    );

    const md = await renderChangelog(ctx);
    const section = (v: string) => md.slice(md.indexOf(`## ${v} `)).split('\n## ')[0]!;
    expect(section('v2.0.0')).toContain('- Version bump from v1.1.1: MAJOR; the rules require MAJOR.');
    expect(section('v2.0.0')).toContain('  - Contract (API signature), PATCH: unchanged.');
    expect(section('v2.0.0')).toContain(
      '  - Model, MAJOR: learner random_forest → gbdt [MAJOR: algorithm change',
    );
    expect(section('v2.1.0')).toContain(
      '- Version bump from v2.0.0: MINOR; the rules require MAJOR (**below the rules**).',
    );
    expect(section('v2.1.0')).toContain(
      `  - Model, MAJOR: 1 derived feature(s) removed: ${DROPPED} [MAJOR: features removed from the feature set].`,
    );
    expect(section('v2.1.0')).toContain(
      '- Registered with --force by caio, overriding MAJOR required against v2.0.0: ieg is noisy',
    );
    expect(section('v2.2.0')).toContain(`+1 derived feature(s): ${DROPPED} [MINOR: feature engineering`);
    expect(section('v2.3.0')).toMatch(
      /Model, MINOR: training data changed: .*\[MINOR: retrained on new data\]/,
    );
    expect(section('v2.3.1')).toContain('- Version bump from v2.3.0: PATCH; the rules require PATCH.');
    expect(section('v2.3.1')).toContain('  - Model, PATCH: unchanged.');
    expect(section('v1.1.1')).not.toContain('Version bump');
    const entries = await changelogEntries(ctx);
    expect(entries.find((e) => e.version === 'v2.1.0')).toMatchObject({
      bump: { actual: 'minor', required: 'major', ok: false },
      forced: { by: 'caio', reason: 'ieg\nis noisy' },
    });
  });
});
