import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { championStack, promoteVersion, readHistory, reconcileHistory, rollbackVersion } from './champion.js';
import { readChampion } from './champion-file.js';
import { gcRegistry } from './gc.js';
import { sha256 } from './manifest.js';
import { registerVersion } from './register.js';
import {
  codeOf,
  removeTempDirs,
  snapshotTree,
  tempDir,
  tempRegistry,
  writeFixtureArtifacts,
} from './testing/fixtures.js';
import type { HistoryEntry } from './types.js';
import { verifyVersion } from './verify.js';

async function setup(versions: string[], test?: Record<string, number>) {
  const reg = tempRegistry();
  const art = writeFixtureArtifacts(tempDir('art'), test ? { test } : {});
  for (const v of versions) await registerVersion(reg.ctx, { artifacts: art, version: v });
  return reg;
}

afterAll(removeTempDirs);

describe('promote', () => {
  it('moves champion.json and appends who, when, from, to, reason, action to the history', async () => {
    const { dir, ctx } = await setup(['v1.0.0', 'v1.1.0']);
    const at = new Date('2026-11-29T10:00:00Z');
    const r1 = await promoteVersion(ctx, { version: 'v1.0.0', by: 'ana', reason: 'first', now: () => at });
    expect(r1).toMatchObject({ changed: true, previous: null, version: 'v1.0.0', forced: false });
    const r2 = await promoteVersion(ctx, { version: 'v1.1.0', by: 'bia' });
    expect(r2.previous).toBe('v1.0.0');
    const champion = JSON.parse(readFileSync(path.join(dir, 'champion.json'), 'utf8'));
    expect(champion).toMatchObject({
      version: 'v1.1.0',
      promoted_by: 'bia',
      previous_champion: 'v1.0.0',
      action: 'promote',
    });
    const history = await readHistory(ctx);
    expect(history.map((e) => [e.action, e.from, e.to, e.by])).toEqual([
      ['promote', null, 'v1.0.0', 'ana'],
      ['promote', 'v1.0.0', 'v1.1.0', 'bia'],
    ]);
    expect(history[0]).toMatchObject({ at: at.toISOString(), reason: 'first', forced: false });
    expect(history[0]!.guardrails!.every((g) => g.ok)).toBe(true);
    // Promoting the champion again changes nothing.
    const before = snapshotTree(dir);
    expect((await promoteVersion(ctx, { version: 'v1.1.0' })).changed).toBe(false);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('refuses what must not become the champion, with no change on disk', async () => {
    const { dir, ctx } = await setup(['v1.0.0', 'v1.1.0', 'v1.2.0']);
    await promoteVersion(ctx, { version: 'v1.0.0' });
    appendFileSync(path.join(dir, 'v1.1.0', 'model.json'), '\n');
    const before = snapshotTree(dir);
    expect(await codeOf(promoteVersion(ctx, { version: 'v9.0.0' }))).toBe(
      'DEF_ERR_REGISTRY_VERSION_NOT_FOUND',
    );
    expect(await codeOf(promoteVersion(ctx, { version: '../v1.0.0' }))).toBe(
      'DEF_ERR_REGISTRY_VERSION_INVALID',
    );
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.1.0' }))).toBe(
      'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    );
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.1.0', force: true, reason: 'x' }))).toBe(
      'DEF_ERR_REGISTRY_INTEGRITY_FAILED',
    );
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.2.0', expectCurrent: 'v1.1.0' }))).toBe(
      'DEF_ERR_REGISTRY_CHAMPION_CONFLICT',
    );
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.2.0', expectCurrent: 'none' }))).toBe(
      'DEF_ERR_REGISTRY_CHAMPION_CONFLICT',
    );
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.2.0', force: true }))).toBe(
      'DEF_ERR_REGISTRY_REASON_REQUIRED',
    );
    expect(snapshotTree(dir)).toEqual(before);
    const ok = await promoteVersion(ctx, { version: 'v1.2.0', expectCurrent: 'v1.0.0' });
    expect(ok.previous).toBe('v1.0.0');
  });

  it('refuses a registered version the API cannot load, even forced (files and manifest rewritten together)', async () => {
    const { dir, ctx } = await setup(['v1.0.0', 'v1.1.0']);
    await promoteVersion(ctx, { version: 'v1.0.0' });
    // A version registered before the load check existed, or edited consistently: hashes all agree.
    const modelPath = path.join(dir, 'v1.1.0', 'model.json');
    const model = JSON.parse(readFileSync(modelPath, 'utf8'));
    model.learner.state.coef = [1];
    const text = JSON.stringify(model);
    writeFileSync(modelPath, text);
    const manifestPath = path.join(dir, 'v1.1.0', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.files['model.json'] = { sha256: sha256(text), size: Buffer.byteLength(text) };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect((await verifyVersion(ctx, 'v1.1.0')).ok).toBe(true);
    const before = snapshotTree(dir);
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.1.0' }))).toBe(
      'DEF_ERR_REGISTRY_MODEL_UNLOADABLE',
    );
    expect(await codeOf(promoteVersion(ctx, { version: 'v1.1.0', force: true, reason: 'x' }))).toBe(
      'DEF_ERR_REGISTRY_MODEL_UNLOADABLE',
    );
    expect(await codeOf(rollbackVersion(ctx, { version: 'v1.1.0', reason: 'x' }))).toBe(
      'DEF_ERR_REGISTRY_MODEL_UNLOADABLE',
    );
    expect(snapshotTree(dir)).toEqual(before);
    expect((await readChampion(ctx))!.version).toBe('v1.0.0');
  });

  it('guardrails from settings block a weak model; --force with a reason overrides and is recorded', async () => {
    const { ctx } = await setup(['v1.0.0'], { recall: 0.4 });
    await expect(promoteVersion(ctx, { version: 'v1.0.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_GUARDRAIL_FAILED',
      message: expect.stringContaining('test recall 0.400 < 0.6'),
    });
    expect(await readChampion(ctx)).toBeNull();
    const r = await promoteVersion(ctx, {
      version: 'v1.0.0',
      force: true,
      reason: 'only model we have',
      by: 'coord',
    });
    expect(r.forced).toBe(true);
    const [entry] = await readHistory(ctx);
    expect(entry).toMatchObject({ forced: true, reason: 'only model we have', by: 'coord' });
    expect(entry!.guardrails!.find((g) => g.metric === 'recall')).toEqual({
      metric: 'recall',
      min: 0.6,
      value: 0.4,
      ok: false,
    });
    // Lower thresholds from settings let it through without force.
    const lenient = { ...ctx, settings: { ...ctx.settings, promoteMinRecall: 0.3 } };
    const { ctx: other } = await setup(['v1.0.0'], { recall: 0.4 });
    expect(
      (await promoteVersion({ ...other, settings: lenient.settings }, { version: 'v1.0.0' })).forced,
    ).toBe(false);
  });

  it('a model without test metrics fails the guardrails', async () => {
    const reg = tempRegistry();
    await registerVersion(reg.ctx, {
      artifacts: writeFixtureArtifacts(tempDir('a'), { test: null }),
      version: 'v1.0.0',
    });
    await expect(promoteVersion(reg.ctx, { version: 'v1.0.0' })).rejects.toMatchObject({
      code: 'DEF_ERR_REGISTRY_GUARDRAIL_FAILED',
      message: expect.stringContaining('test roc_auc is missing'),
    });
  });

  it('a champion file that points nowhere can be replaced by a promotion', async () => {
    const { dir, ctx } = await setup(['v1.0.0']);
    writeFileSync(path.join(dir, 'champion.json'), 'garbage');
    const r = await promoteVersion(ctx, { version: 'v1.0.0' });
    expect(r.previous).toBeNull();
    // Replacing a broken pointer is the repair path, but it is said, not passed off as "no champion".
    expect(r.replaced_invalid).toBe('champion.json is not valid JSON');
    expect((await readChampion(ctx))?.version).toBe('v1.0.0');
    const again = await promoteVersion(ctx, { version: 'v1.0.0' });
    expect(again.replaced_invalid).toBeUndefined();
  });
});

describe('rollback', () => {
  it('goes back through the champions in the history, and to a named version', async () => {
    const { ctx } = await setup(['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0']);
    for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0']) await promoteVersion(ctx, { version: v });
    expect(await codeOf(rollbackVersion(ctx, { reason: '  ' }))).toBe('DEF_ERR_REGISTRY_REASON_REQUIRED');
    const r1 = await rollbackVersion(ctx, { reason: 'recall dropped', by: 'ana' });
    expect([r1.previous, r1.version]).toEqual(['v1.2.0', 'v1.1.0']);
    const r2 = await rollbackVersion(ctx, { reason: 'still bad' });
    expect([r2.previous, r2.version]).toEqual(['v1.1.0', 'v1.0.0']);
    expect(await codeOf(rollbackVersion(ctx, { reason: 'again' }))).toBe('DEF_ERR_REGISTRY_NO_HISTORY');
    const r3 = await rollbackVersion(ctx, { version: 'v1.2.0', reason: 'fixed upstream' });
    expect(r3.version).toBe('v1.2.0');
    const champion = await readChampion(ctx);
    expect(champion).toMatchObject({
      version: 'v1.2.0',
      previous_champion: 'v1.0.0',
      action: 'rollback',
      reason: 'fixed upstream',
    });
    const history = await readHistory(ctx);
    expect(history.map((e) => `${e.action}:${e.from}->${e.to}`)).toEqual([
      'promote:null->v1.0.0',
      'promote:v1.0.0->v1.1.0',
      'promote:v1.1.0->v1.2.0',
      'rollback:v1.2.0->v1.1.0',
      'rollback:v1.1.0->v1.0.0',
      'rollback:v1.0.0->v1.2.0',
    ]);
    expect(history[3]).toMatchObject({ by: 'ana', reason: 'recall dropped' });
    // The next default rollback returns to v1.0.0, the champion before the named move.
    expect((await rollbackVersion(ctx, { reason: 'r' })).version).toBe('v1.0.0');
  });

  it('computes the champion stack from history', () => {
    const e = (action: 'promote' | 'rollback', to: string) => ({ action, to }) as HistoryEntry;
    expect(
      championStack([e('promote', 'a'), e('promote', 'b'), e('promote', 'c'), e('rollback', 'b')]),
    ).toEqual(['a', 'b']);
    expect(championStack([e('promote', 'a'), e('promote', 'b'), e('rollback', 'z')])).toEqual([
      'a',
      'b',
      'z',
    ]);
    expect(
      championStack([e('promote', 'a'), e('promote', 'b'), e('promote', 'c'), e('rollback', 'a')]),
    ).toEqual(['a']);
  });

  it('a version that was never champion must pass the guardrails to be rolled back to', async () => {
    const reg = tempRegistry();
    await registerVersion(reg.ctx, { artifacts: writeFixtureArtifacts(tempDir('a')), version: 'v1.0.0' });
    await registerVersion(reg.ctx, {
      artifacts: writeFixtureArtifacts(tempDir('b'), { test: { roc_auc: 0.5 } }),
      version: 'v1.1.0',
    });
    await promoteVersion(reg.ctx, { version: 'v1.0.0' });
    expect(await codeOf(rollbackVersion(reg.ctx, { version: 'v1.1.0', reason: 'x' }))).toBe(
      'DEF_ERR_REGISTRY_GUARDRAIL_FAILED',
    );
    expect((await rollbackVersion(reg.ctx, { version: 'v1.1.0', reason: 'x', force: true })).forced).toBe(
      true,
    );
  });
});

describe('history after a crash', () => {
  async function lostLastLine() {
    const reg = await setup(['v1.0.0', 'v1.1.0']);
    await promoteVersion(reg.ctx, { version: 'v1.0.0' });
    await promoteVersion(reg.ctx, { version: 'v1.1.0', reason: 'better' });
    // Simulate the crash: drop the last line, and leave a torn half line behind.
    const file = path.join(reg.dir, 'history.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${lines[0]}\n{"at":"2026-`);
    expect((await readHistory(reg.ctx)).length).toBe(1);
    return reg;
  }

  it('gc restores the lost entry from champion.json, once', async () => {
    const { ctx } = await lostLastLine();
    expect((await gcRegistry(ctx)).history_recovered).toBe(true);
    expect(await reconcileHistory(ctx)).toBe(false);
    const history = await readHistory(ctx);
    expect(history.map((e) => [e.from, e.to, e.reason, e.recovered ?? false])).toEqual([
      [null, 'v1.0.0', null, false],
      ['v1.0.0', 'v1.1.0', 'better', true],
    ]);
  });

  it('the next move writes the lost entry back before its own, keeping the chain', async () => {
    const { ctx } = await lostLastLine();
    const r = await rollbackVersion(ctx, { reason: 'r' });
    expect([r.previous, r.version]).toEqual(['v1.1.0', 'v1.0.0']);
    const history = await readHistory(ctx);
    expect(history.map((e) => `${e.action}:${e.from}->${e.to}${e.recovered ? ' (recovered)' : ''}`)).toEqual([
      'promote:null->v1.0.0',
      'promote:v1.0.0->v1.1.0 (recovered)',
      'rollback:v1.1.0->v1.0.0',
    ]);
    expect((await gcRegistry(ctx)).history_recovered).toBe(false);
    await promoteVersion(ctx, { version: 'v1.1.0' });
    expect((await readHistory(ctx)).length).toBe(4);
  });
});
