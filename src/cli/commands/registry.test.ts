import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_ID } from '../../core/durable-fs.js';
import {
  removeTempDirs,
  tempDir,
  tempRegistry,
  writeFixtureArtifacts,
} from '../../registry/testing/fixtures.js';
import { runCommandInProcess } from '../testing/support.js';
import { clean, isControlChar } from './registry/format.js';
import { runRegistryCli } from './registry/testing/spawn.js';
import { registerRegistryCommands } from './registry.js';

/** Runs `defasagem registry ...` in-process with the real top-level catch, capturing the output. */
function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCommandInProcess(registerRegistryCommands, ['registry', ...args]);
}

afterAll(removeTempDirs);

describe('defasagem registry (CLI)', () => {
  it('register, promote, list, show, history, diff, changelog, rollback with --json', async () => {
    const { dir } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    const better = writeFixtureArtifacts(tempDir('art2'), { test: { roc_auc: 0.85, recall: 0.7 } });
    const reg = await cli(
      'register',
      'v1.0.0',
      '--artifacts',
      art,
      '--registry',
      dir,
      '--notes',
      'primeiro',
      '--by',
      'ana',
      '--json',
    );
    expect(reg.code).toBe(0);
    expect(JSON.parse(reg.out)).toMatchObject({
      version: 'v1.0.0',
      manifest: { created_by: 'ana', notes: 'primeiro' },
    });
    expect(
      (await cli('register', '--bump', 'minor', '--artifacts', better, '--registry', dir)).out,
    ).toContain('registered v1.1.0');
    expect((await cli('promote', '--version', 'v1.0.0', '--registry', dir, '--by', 'ana')).out).toContain(
      'none → v1.0.0',
    );
    const cas = await cli('promote', 'v1.1.0', '--expect-current', 'v9.0.0', '--registry', dir, '--json');
    expect(cas.code).toBe(3);
    expect(JSON.parse(cas.out).error.code).toBe('DEF_ERR_REGISTRY_CHAMPION_CONFLICT');
    expect((await cli('promote', 'v1.1.0', '--expect-current', 'v1.0.0', '--registry', dir)).code).toBe(0);

    const list = JSON.parse((await cli('list', '--registry', dir, '--json')).out);
    expect(list.map((v: { version: string; is_champion: boolean }) => [v.version, v.is_champion])).toEqual([
      ['v1.0.0', false],
      ['v1.1.0', true],
    ]);
    const human = (await cli('list', '--registry', dir)).out;
    expect(human).toMatch(/\* v1\.1\.0/);

    const show = JSON.parse((await cli('show', 'v1.1.0', '--registry', dir, '--json')).out);
    expect(show).toMatchObject({ version: 'v1.1.0', is_champion: true, integrity: { ok: true } });
    expect(show.signature.inputs.length).toBeGreaterThan(5);

    const diff = JSON.parse((await cli('diff', 'v1.0.0', 'v1.1.0', '--registry', dir, '--json')).out);
    expect(diff.metrics.test.find((m: { metric: string }) => m.metric === 'roc_auc').delta).toBeCloseTo(
      0.03,
      10,
    );
    expect(diff.semver).toMatchObject({ ok: true, required: 'patch', actual: 'minor' });

    const out = path.join(tempDir('cl'), 'model_changelog.md');
    expect((await cli('changelog', '--registry', dir, '--out', out)).code).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('## v1.1.0');
    expect(md).toMatch(/v1\.1\.0 — \d{4}-\d\d-\d\d — champion/);
    expect(md).toMatch(/v1\.0\.0 — \d{4}-\d\d-\d\d — previous champion/);
    expect(md).toContain('| roc_auc | 0.850 | +0.030 |');
    expect(md).toContain('Notes: primeiro');

    const noReason = await cli('rollback', '--registry', dir);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain('DEF_ERR_REGISTRY_REASON_REQUIRED');
    const unknownOption = await cli('list', '--nope', '--registry', dir);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.err).toContain('DEF_ERR_USAGE');
    expect((await cli('rollback', '--reason', 'recall caiu', '--registry', dir)).out).toContain(
      'v1.1.0 → v1.0.0',
    );
    const history = JSON.parse((await cli('history', '--registry', dir, '--json')).out);
    expect(history.map((e: { action: string; to: string }) => `${e.action}:${e.to}`)).toEqual([
      'promote:v1.0.0',
      'promote:v1.1.0',
      'rollback:v1.0.0',
    ]);
    expect((await cli('history', '--limit', '1', '--registry', dir, '--json')).out).toContain('recall caiu');
  });

  it('verify exits 5 on a tampered file and names it; errors print their code and exit code', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    const { registerVersion } = await import('../../registry/register.js');
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.1' });
    expect((await cli('verify', '--all', '--registry', dir)).code).toBe(0);
    appendFileSync(path.join(dir, 'v1.0.1', 'model_signature.json'), ' ');
    const one = await cli('verify', 'v1.0.1', '--registry', dir);
    expect(one.code).toBe(5);
    expect(one.out).toContain('size_mismatch: model_signature.json');
    const all = await cli('verify', '--all', '--registry', dir, '--json');
    expect(all.code).toBe(5);
    const report = JSON.parse(all.out);
    expect(report.ok).toBe(false);
    expect(report.versions.map((v: { ok: boolean }) => v.ok)).toEqual([true, false]);
    expect((await cli('verify', 'v1.0.0', '--registry', dir)).code).toBe(0);

    const bad = await cli('show', '../etc', '--registry', dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('error DEF_ERR_REGISTRY_VERSION_INVALID');
    const missing = await cli('promote', 'v3.0.0', '--registry', dir, '--json');
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.out).error).toMatchObject({
      code: 'DEF_ERR_REGISTRY_VERSION_NOT_FOUND',
      hint: expect.any(String),
    });
    const tampered = await cli('promote', 'v1.0.1', '--registry', dir);
    expect(tampered.code).toBe(5);
  });

  it('resolve shows what MODEL_VERSION selects; gc lists and removes leftovers', async () => {
    const { dir, ctx } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    const { registerVersion } = await import('../../registry/register.js');
    const { promoteVersion } = await import('../../registry/champion.js');
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    await promoteVersion(ctx, { version: 'v1.0.0', by: 'ana' });
    const r = JSON.parse(
      (await cli('resolve', '--model-version', 'champion', '--registry', dir, '--json')).out,
    );
    expect(r).toMatchObject({ kind: 'registry', version: 'v1.0.0', champion: { promoted_by: 'ana' } });
    const notFound = await cli('resolve', '--model-version', 'v2.0.0', '--registry', dir);
    expect(notFound.code).toBe(4);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(dir, `.tmp-stage-v1.0.1-${HOST_ID}-4194305-0badc0de`));
    expect((await cli('gc', '--dry-run', '--registry', dir)).out).toContain('would remove .tmp-stage-v1.0.1');
    expect((await cli('gc', '--registry', dir)).out).toContain('removed .tmp-stage-v1.0.1');
    expect((await cli('gc', '--registry', dir)).out).toContain('nothing to clean');
  });
});

describe('registry CLI: the versioning rules', () => {
  it('next-version, a refused bump (exit 6), --force --reason, --bump auto, diff with both verdicts', async () => {
    const { dir } = tempRegistry();
    const rf = writeFixtureArtifacts(tempDir('rf'), { trained: { learner: 'random_forest' } });
    const gbdt = writeFixtureArtifacts(tempDir('gbdt'), { trained: { learner: 'gbdt' } });
    const data = writeFixtureArtifacts(tempDir('data'), { trained: { learner: 'gbdt', newData: true } });
    expect((await cli('register', 'v1.0.0', '--artifacts', rf, '--registry', dir)).out).toContain(
      'first version: nothing to compare with',
    );
    const next = await cli('next-version', '--artifacts', gbdt, '--registry', dir);
    expect(next.code).toBe(0);
    expect(next.out).toContain('v2.0.0  (MAJOR bump from v1.0.0)');
    expect(next.out).toContain('rules vs v1.0.0: MAJOR required (contract PATCH, model MAJOR)');
    expect(next.out).toContain('MAJOR learner random_forest → gbdt  (algorithm change)');
    const nextJson = JSON.parse(
      (await cli('next-version', '--artifacts', gbdt, '--registry', dir, '--json')).out,
    );
    expect(nextJson).toMatchObject({ latest: 'v1.0.0', version: 'v2.0.0', required: 'major', ok: true });
    expect(nextJson.verdict.reasons[0]).toMatchObject({ rule: 'algorithm_change', bump: 'major' });

    const refused = await cli('register', '--bump', 'patch', '--artifacts', gbdt, '--registry', dir);
    expect(refused.code).toBe(6);
    expect(refused.err).toContain(
      'error DEF_ERR_REGISTRY_BUMP_TOO_SMALL: v1.0.1 is a PATCH bump from v1.0.0',
    );
    expect(refused.err).toContain('The smallest version allowed is v2.0.0');
    const both = await cli('register', 'v1.0.1', '--bump', 'patch', '--artifacts', gbdt, '--registry', dir);
    expect(both.code).toBe(2);
    const noReason = await cli('register', 'v1.1.0', '--force', '--artifacts', gbdt, '--registry', dir);
    expect(noReason.err).toContain('DEF_ERR_REGISTRY_REASON_REQUIRED');
    const forced = await cli(
      'register',
      'v1.1.0',
      '--force',
      '--reason',
      'forest never served',
      '--by',
      'ana',
      '--artifacts',
      gbdt,
      '--registry',
      dir,
    );
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('FORCED by ana over MAJOR required against v1.0.0: "forest never served"');
    const auto = JSON.parse(
      (await cli('register', '--bump', 'auto', '--artifacts', data, '--registry', dir, '--json')).out,
    );
    expect(auto).toMatchObject({ version: 'v1.2.0', semver: { required: 'minor', actual: 'minor' } });

    const diff = await cli('diff', 'v1.0.0', 'v1.1.0', '--registry', dir);
    expect(diff.out).toContain('  contract  PATCH: signature identical');
    expect(diff.out).toContain('  model     MAJOR: 1 change(s)');
    expect(diff.out).toContain('  semver    VIOLATION: the changes need MAJOR (contract PATCH, model MAJOR)');
    const md = (await cli('changelog', '--registry', dir)).out;
    expect(md).toContain(
      '- Registered with --force by ana, overriding MAJOR required against v1.0.0: forest never served',
    );
    expect(md).toMatch(/Model, MINOR: training data changed: .*\[MINOR: retrained on new data\]/);
  });
});

describe('registry CLI: synthetic versions are named as such', () => {
  it('list marks them and says what that means, show says it first, diff warns against comparing them', async () => {
    const { dir } = tempRegistry();
    const fake = writeFixtureArtifacts(tempDir('art'), { metadata: { synthetic: true }, seed: 1 });
    const real = writeFixtureArtifacts(tempDir('art'), { metadata: { synthetic: false }, seed: 2 });
    for (const [version, art] of [
      ['v1.0.0', fake],
      ['v1.1.0', real],
    ] as const)
      expect(
        (await cli('register', version, '--artifacts', art, '--registry', dir, '--force', '--reason', 'x'))
          .code,
      ).toBe(0);

    const list = (await cli('list', '--registry', dir)).out;
    expect(list).toMatch(/^ {2}version +data +created/m);
    expect(list).toMatch(/^ {2}v1\.0\.0 +SYNTHETIC +\d{4}-/m);
    expect(list).toMatch(/^ {2}v1\.1\.0 +real +\d{4}-/m);
    expect(list).toContain(
      'SYNTHETIC: v1.0.0 was trained on fake students (`defasagem synth`); their metrics say nothing about real ones',
    );
    const json = JSON.parse((await cli('list', '--registry', dir, '--json')).out);
    expect(json.map((v: { synthetic: boolean }) => v.synthetic)).toEqual([true, false]);

    const show = (await cli('show', 'v1.0.0', '--registry', dir)).out.split('\n');
    expect(show[1]).toBe(
      '  data      SYNTHETIC: trained and tested on fake students (`defasagem synth`); its metrics say nothing about real ones',
    );
    expect((await cli('show', 'v1.1.0', '--registry', dir)).out).toContain(
      '  data      real (trained on a PEDE workbook)',
    );

    const diff = (await cli('diff', 'v1.0.0', 'v1.1.0', '--registry', dir)).out.split('\n');
    expect(diff.slice(1, 3)).toEqual([
      '  data      v1.0.0 SYNTHETIC, v1.1.0 real',
      '  WARNING   v1.0.0 was trained and tested on SYNTHETIC data (fake students), v1.1.0 on real data: their metrics are measured on different students and do not compare',
    ]);
  });
});

describe('registry CLI on broken state and bad paths', () => {
  it('changelog --out into a missing folder or onto a directory is IO_FAILED (exit 7), not a bug', async () => {
    const { dir, ctx } = tempRegistry();
    const { registerVersion } = await import('../../registry/register.js');
    await registerVersion(ctx, { artifacts: writeFixtureArtifacts(tempDir('art')), version: 'v1.0.0' });
    const base = tempDir('cl');
    const missing = await cli('changelog', '--registry', dir, '--out', path.join(base, 'nope', 'c.md'));
    expect(missing.code).toBe(7);
    expect(missing.err).toContain('error DEF_ERR_IO_FAILED');
    expect(missing.err).toContain('does not exist');
    expect(missing.err).not.toContain('INTERNAL');
    const onDir = await cli('changelog', '--registry', dir, '--out', base, '--json');
    expect(onDir.code).toBe(7);
    expect(JSON.parse(onDir.out).error).toMatchObject({
      code: 'DEF_ERR_IO_FAILED',
      message: expect.stringContaining('is a directory'),
    });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(base)).toEqual([]);
    expect(readdirSync(path.dirname(base)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('list says so when champion.json is broken or points nowhere, and when a manifest is unreadable', async () => {
    const { dir, ctx } = tempRegistry();
    const { registerVersion } = await import('../../registry/register.js');
    const art = writeFixtureArtifacts(tempDir('art'));
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.0' });
    await registerVersion(ctx, { artifacts: art, version: 'v1.0.1' });
    const typo = await cli('list', '--registry', `${dir}-typo`);
    expect(typo.code).toBe(0);
    expect(typo.out).toBe(
      `no versions in ${dir}-typo (the directory does not exist: check --registry / REGISTRY_DIR)\n`,
    );
    expect((await cli('list', '--registry', tempDir('empty'))).out).not.toContain('does not exist');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'champion.json'), 'garbage');
    const broken = await cli('list', '--registry', dir);
    expect(broken.code).toBe(0);
    expect(broken.out).not.toMatch(/^\*/m);
    expect(broken.out).toContain('warning: champion.json is not valid JSON');
    const repaired = await cli('promote', 'v1.0.0', '--registry', dir);
    expect(repaired.out).toBe('champion: (unreadable: champion.json is not valid JSON) → v1.0.0\n');
    writeFileSync(
      path.join(dir, 'champion.json'),
      JSON.stringify({
        version: 'v9.0.0',
        promoted_at: 'x',
        promoted_by: 'y',
        previous_champion: null,
        manifest_sha256: '0'.repeat(64),
      }),
    );
    expect((await cli('list', '--registry', dir)).out).toContain(
      'warning: champion.json points at v9.0.0, which is not registered',
    );
    writeFileSync(path.join(dir, 'v1.0.1', 'manifest.json'), '{');
    const out = (await cli('list', '--registry', dir)).out;
    expect(out).toMatch(/^ {2}v1\.0\.1 +\? +unreadable +—/m);
    expect(out).toContain(
      'note v1.0.1: The manifest.json of v1.0.1 is not valid JSON (run `registry verify v1.0.1`)',
    );
    // --json stays the plain array a script parses.
    const json = JSON.parse((await cli('list', '--registry', dir, '--json')).out);
    expect(json.map((v: { version: string; readable: boolean }) => [v.version, v.readable])).toEqual([
      ['v1.0.0', true],
      ['v1.0.1', false],
    ]);
  });
});

describe('terminal hygiene', () => {
  const ESC = '\u001b';
  const nasty = `${ESC}[2J${ESC}]0;pwned\u0007evil\nline\u202etxt`;

  it('clean writes every control character out as an escape', () => {
    expect(clean(nasty)).toBe('\\x1b[2J\\x1b]0;pwned\\x07evil\\nline\\u202etxt');
    expect(clean('plain — acentuação ok')).toBe('plain — acentuação ok');
  });

  it('history, list and show never print escape codes from --by, --reason or --notes', async () => {
    const { dir } = tempRegistry();
    const art = writeFixtureArtifacts(tempDir('art'));
    expect(
      (
        await cli(
          'register',
          'v1.0.0',
          '--artifacts',
          art,
          '--registry',
          dir,
          '--notes',
          nasty,
          '--by',
          nasty,
        )
      ).code,
    ).toBe(0);
    expect((await cli('promote', 'v1.0.0', '--registry', dir, '--by', nasty, '--reason', nasty)).code).toBe(
      0,
    );
    for (const args of [
      ['history'],
      ['list'],
      ['show', 'v1.0.0'],
      ['register', 'v1.0.1', '--artifacts', art],
    ]) {
      const r = await cli(...args, '--registry', dir);
      expect(r.code, r.err).toBe(0);
      expect([...r.out].filter((ch) => ch !== '\n' && isControlChar(ch))).toEqual([]);
    }
    expect((await cli('history', '--registry', dir)).out).toContain(
      'by \\x1b[2J\\x1b]0;pwned\\x07evil\\nline',
    );
    // --json keeps the exact text (JSON-escaped), for scripts.
    const history = JSON.parse((await cli('history', '--registry', dir, '--json')).out);
    expect(history[0].reason).toBe(nasty);
  });
});

describe('registry CLI as a separate process', () => {
  it('two processes registering the same version: one exits 0, the other 3 with VERSION_EXISTS', async () => {
    const { dir } = tempRegistry();
    const a = writeFixtureArtifacts(tempDir('a'), { seed: 1 });
    const b = writeFixtureArtifacts(tempDir('b'), { seed: 2 });
    const [ra, rb] = await Promise.all(
      [a, b].map((art) =>
        runRegistryCli(['register', 'v2.0.0', '--artifacts', art, '--registry', dir, '--json']),
      ),
    );
    expect([ra!.code, rb!.code].sort()).toEqual([0, 3]);
    const loser = ra!.code === 3 ? ra! : rb!;
    expect(JSON.parse(loser.stdout).error.code).toBe('DEF_ERR_REGISTRY_VERSION_EXISTS');
  });
});
