import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../core/error-base.js';
import { STUDENT_FIELDS } from '../core/student.js';
import { MODELING_COLUMNS } from '../data/ingest.js';
import { encodeParquet } from '../data/parquet.js';
import { syntheticRows } from '../features/testing/records.js';
import { loadModel } from '../model/load.js';
import { scoreResponse } from '../model/signature.js';
import type { MetricsFile } from '../model/types.js';
import { ARTIFACT_FILES, publishArtifacts } from './artifacts.js';
import { DEFAULT_TRAIN_CONFIG, resolveConfig, TRAIN_CONFIG_KEYS, TRAIN_CONFIG_SECTIONS } from './config.js';
import { train } from './train.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dataPath = path.join(tmp, 'modeling_dataset.parquet');
writeFileSync(dataPath, encodeParquet(syntheticRows(500, 21), MODELING_COLUMNS));
// Small ensembles and few resamples: these tests check the protocol and the files, not the accuracy.
const config = resolveConfig({
  ablation: true,
  bootstrap: 50,
  bootstrap_groups: 20,
  random_forest: { n_estimators: 15 },
  gbdt: { max_iter: 60, learning_rate: 0.2 },
});
const fixedNow = (iso: string) => () => new Date(iso);
const read = (dir: string, f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));

async function expectTrainError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  try {
    await p;
    expect.unreachable('should have thrown');
  } catch (e) {
    expect(isAppError(e)).toBe(true);
    expect((e as AppError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
  }
}

describe('train on synthetic transitions', () => {
  const dirA = path.join(tmp, 'a', 'artifacts');
  const dirB = path.join(tmp, 'b', 'artifacts');
  const run = (dir: string, now: string, extra: Partial<Parameters<typeof train>[0]> = {}) =>
    train({ dataPath, artifactsDir: dir, seed: 7, refit: true, config, now: fixedNow(now), ...extra });

  it('writes exactly the artifacts, consistent with each other', async () => {
    const s = await run(dirA, '2026-01-01T00:00:00.000Z');
    expect(readdirSync(dirA).sort()).toEqual([...ARTIFACT_FILES].sort());
    // Nothing else left in the parent (no temp folders).
    expect(readdirSync(path.dirname(dirA))).toEqual(['artifacts']);
    expect(s.testYear).toBe(2024);
    expect(s.developmentYears).toEqual([2023]);
    expect(s.productionYears).toEqual([2023, 2024]);

    const modelJson = read(dirA, 'model_v1.json');
    const model = loadModel(modelJson);
    expect(modelJson.training.fit).toBe('refit');
    expect(modelJson.training.label_years).toEqual([2023, 2024]);
    expect(model.featureNames).not.toContain('ano_base');

    const sig = read(dirA, 'model_signature_v1.json');
    expect(sig.inputs.map((f: { name: string }) => f.name)).toEqual(STUDENT_FIELDS.map((f) => f.name));
    // The example response is what the model really answers for the example request.
    expect(sig.example_response).toEqual(
      JSON.parse(JSON.stringify(scoreResponse(model, sig.example_request, 'dev'))),
    );
    for (const f of STUDENT_FIELDS) {
      const v = sig.example_request[f.name];
      if (f.type === 'category') expect(f.categories).toContain(v);
      else {
        expect(typeof v).toBe('number');
        expect(v).toBeGreaterThanOrEqual(f.min!);
        expect(v).toBeLessThanOrEqual(f.max!);
      }
    }

    const metrics = read(dirA, 'metrics_v1.json') as MetricsFile;
    expect(metrics.metrics_version).toBe(1);
    expect(metrics.test!.label_years).toEqual([2024]);
    expect(metrics.validation.label_years).toEqual([2023]);
    expect(Object.keys(metrics.by_group).sort()).toEqual(['fase', 'fase_grupo', 'genero', 'instituicao']);
    expect(metrics.test!.mean_predicted).toBeGreaterThan(0);
    expect(metrics.test!.mean_predicted).toBeLessThan(1);
    const rec = metrics.test!.metrics.recall;
    expect(rec.ci_low!).toBeLessThanOrEqual(rec.value);
    expect(rec.ci_high!).toBeGreaterThanOrEqual(rec.value);
    const c = metrics.test!.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(metrics.test!.n);
    expect(metrics.threshold).toBe(model.threshold);

    const comparison = read(dirA, 'model_comparison.json');
    expect(comparison.candidates.map((x: { role: string }) => x.role)).toEqual([
      'referência',
      'referência',
      'candidata',
      'candidata',
    ]);
    expect(['random_forest', 'gbdt']).toContain(comparison.selection.winner);
    for (const c of comparison.candidates) expect(c.validation_pr_auc_se).toBeGreaterThan(0);
    // Ablation: the reference row, then one row per group, removed or (off by default) added.
    const ablation = comparison.ablation.rows as Array<{ label: string; change: string }>;
    expect(ablation[0]!.change).toBe('referência');
    expect(ablation.find((r) => r.label === 'idade_vs_fase')!.change).toBe('com');
    expect(ablation.find((r) => r.label === 'anos_no_programa')!.change).toBe('sem');
    expect(s.ablation).toEqual(ablation);
    expect(comparison.candidates.map((x: { kind: string }) => x.kind)).toEqual([
      'persistence',
      'logistic_regression',
      'random_forest',
      'gbdt',
    ]);
    expect(comparison.selection.winner).toBe(s.learner);
    expect(comparison.selection.reason.length).toBeGreaterThan(10);

    const meta = read(dirA, 'model_metadata_v1.json');
    expect(meta.training_periods.development.label_years).toEqual([2023]);
    expect(meta.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    // A parquet written without ingest's provenance: not marked synthetic, no workbook hash.
    expect(meta.synthetic).toBe(false);
    expect(meta.data.source_sha256).toBeNull();
    expect(meta.seed).toBe(7);
    expect(meta.features.length).toBe(model.featureNames.length);
    expect(meta.features.map((f: { name: string }) => f.name)).not.toContain('idade_vs_fase');
    const op = meta.operating_point;
    expect(op.threshold).toBe(model.threshold);
    expect(op.capacity).toEqual({ kind: 'expected', ratio: 1.25 });
    expect(['min_recall', 'flag_cap']).toContain(op.rule);
    // The cap holds on the validation it was chosen on: flagged ≤ 1.25 × mean calibrated risk.
    expect(op.validation.flagged_rate).toBeLessThanOrEqual(1.25 * op.validation.expected_rate + 1e-12);
    expect(op.label_shift.map((r: { prevalence: number }) => r.prevalence)).toContain(0.4);
    expect(model.riskBands.alto_from).toBe(Math.max(model.threshold, 0.7));

    const baseline = read(dirA, 'baseline_v1.json');
    expect(Object.keys(baseline.inputs)).toEqual(STUDENT_FIELDS.map((f) => f.name));
    expect(baseline.inputs.genero.kind).toBe('categorical');
    expect(baseline.inputs.ieg.kind).toBe('numeric');
    expect(baseline.score.bin_counts.reduce((a: number, b: number) => a + b, 0)).toBe(baseline.rows);
    // The baseline names its model file and holds the out-of-fold scores the threshold was chosen on:
    // its flagged share is the operating point's, computed by the threshold policy on the same scores.
    const modelBytes = readFileSync(path.join(dirA, 'model_v1.json'));
    expect(baseline.model.sha256).toBe(createHash('sha256').update(modelBytes).digest('hex'));
    expect(baseline.score.source).toBe('out_of_fold');
    expect(baseline.positive_rate_at_threshold).toBeCloseTo(op.validation.flagged_rate, 6);

    const report = readFileSync(path.join(dirA, 'model_report.md'), 'utf8');
    expect(report).toContain('## O que o escore significa');
    expect(report).toContain('## Resultados por grupo');
    expect(report).not.toContain('<svg'); // the charts are in model_report.html (report.test.ts)
    expect(readFileSync(path.join(dirA, 'model_report.html'), 'utf8').match(/<svg /g)?.length).toBe(4);
    // No minimums given to this run: the report says the guardrails were not checked.
    expect(report).toContain('**Critérios de promoção não verificados.**');
    expect(report).toMatch(/Recall\*\*: \d+,\d% \(IC 95%/);
    // Each band explained with what it held; the trade-off, shift and ablation tables; the backtest's role.
    expect(report).toMatch(/\*\*alto\*\* \(escore ≥ [\d,]+\): a \*\*maioria destes alunos vai atrasar\*\*/);
    expect(report).toMatch(/\*\*médio\*\* \(de [\d,]+ até [\d,]+\)/);
    expect(report).toMatch(/\*\*baixo\*\* \(abaixo de [\d,]+\)/);
    expect(report).toMatch(/\| [\d,]+ \(\*\*limiar\*\*\) \| [\d,]+% \|/);
    expect(report).toContain('| 40,0% |');
    expect(report).toContain('## Atributos: o que cada um vale (ablação)');
    expect(report).toContain('verificação de regressão, nunca um alvo de ajuste');
    expect(report).toMatch(/risco médio previsto contra [\d,]+% observado/);
  });

  it('is deterministic for data + seed (model identical apart from the timestamp)', async () => {
    await run(dirB, '2027-06-01T12:00:00.000Z');
    const strip = (dir: string, f: string) => {
      const j = read(dir, f);
      delete j.created_at;
      return j;
    };
    expect(strip(dirB, 'model_v1.json')).toEqual(strip(dirA, 'model_v1.json'));
    expect(read(dirB, 'metrics_v1.json')).toEqual(read(dirA, 'metrics_v1.json'));
    // The baseline names the model file, whose bytes hold the timestamp.
    const baselineOf = (dir: string) => ({ ...strip(dir, 'baseline_v1.json'), model: null });
    expect(baselineOf(dirB)).toEqual(baselineOf(dirA));
    const other = await run(path.join(tmp, 'c', 'artifacts'), '2027-06-01T12:00:00.000Z', { seed: 8 });
    expect(other.files).toHaveLength(ARTIFACT_FILES.length);
    // The seed is really used (folds, ensembles): another seed gives another model.
    expect(strip(path.join(tmp, 'c', 'artifacts'), 'model_v1.json')).not.toEqual(
      strip(dirA, 'model_v1.json'),
    );
  });

  it('the test-year labels never influence selection, calibration or threshold', async () => {
    // Same records, test-year (label 2024) outcomes inverted: only the test metrics may change.
    const flipped = syntheticRows(500, 21).map((r) =>
      r.ano_base === 2023 ? { ...r, em_risco: (1 - r.em_risco) as 0 | 1 } : r,
    );
    const flippedPath = path.join(tmp, 'flipped.parquet');
    writeFileSync(flippedPath, encodeParquet(flipped, MODELING_COLUMNS));
    const now = '2026-01-01T00:00:00.000Z';
    const dirOrig = path.join(tmp, 'leak', 'orig');
    const dirFlip = path.join(tmp, 'leak', 'flip');
    const a = await run(dirOrig, now, { refit: false });
    const b = await run(dirFlip, now, { refit: false, dataPath: flippedPath });
    const model = (dir: string) => {
      const m = read(dir, 'model_v1.json');
      delete m.training.data_sha256;
      return m;
    };
    expect(model(dirFlip)).toEqual(model(dirOrig));
    expect(b.selection).toEqual(a.selection);
    expect(b.validation).toEqual(a.validation);
    expect(b.candidates.map((c) => [c.kind, c.threshold, c.validation])).toEqual(
      a.candidates.map((c) => [c.kind, c.threshold, c.validation]),
    );
    // ...while the test block did see the inverted outcomes.
    expect(b.test.positives).toBe(b.test.n - a.test.positives);
    expect(b.test.metrics.recall.value).not.toBe(a.test.metrics.recall.value);
  });

  it('--no-refit ships the backtest model fitted before the test year', async () => {
    const dir = path.join(tmp, 'norefit', 'artifacts');
    await run(dir, '2026-01-01T00:00:00.000Z', { refit: false });
    const m = read(dir, 'model_v1.json');
    expect(m.training.fit).toBe('backtest');
    expect(m.training.label_years).toEqual([2023]);
    // IPP is missing in every development row (2022): the report must not claim the model learns it,
    // and indeed an IPP sent does not change the score.
    const report = readFileSync(path.join(dir, 'model_report.md'), 'utf8');
    expect(report).toContain('modelo entregue: ele não usa o IPP');
    expect(report).not.toContain('aprende seu efeito');
    const model = loadModel(m);
    const sig = read(dir, 'model_signature_v1.json');
    expect(model.predictOne({ ...sig.example_request, ipp: 0 })).toBe(
      model.predictOne({ ...sig.example_request, ipp: 10 }),
    );
    // The refit model (dirA) learns IPP from 2023; its report says the backtest numbers come without it.
    const refitReport = readFileSync(path.join(dirA, 'model_report.md'), 'utf8');
    expect(refitReport).toContain(
      'o modelo de backtest, de onde vêm os números do ano de teste, não usa o IPP',
    );
  });

  it('refuses impossible temporal splits', async () => {
    await expectTrainError(
      run(path.join(tmp, 'x'), '2026-01-01T00:00:00Z', { testYear: 2023 }),
      'DEF_ERR_TRAIN_SPLIT_IMPOSSIBLE',
      /before label year 2023/,
    );
    await expectTrainError(
      run(path.join(tmp, 'x'), '2026-01-01T00:00:00Z', { testYear: 2030 }),
      'DEF_ERR_TRAIN_SPLIT_IMPOSSIBLE',
      /label year 2030/,
    );
    expect(existsSync(path.join(tmp, 'x'))).toBe(false);
  });

  it('never replaces a folder holding foreign files, and a failed write keeps the old artifacts', async () => {
    const dir = path.join(tmp, 'foreign');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'thesis.docx'), 'precious');
    await expectTrainError(
      run(dir, '2026-01-01T00:00:00Z'),
      'DEF_ERR_TRAIN_ARTIFACTS_DIR_FOREIGN',
      /thesis\.docx/,
    );
    expect(readFileSync(path.join(dir, 'thesis.docx'), 'utf8')).toBe('precious');

    const before = readFileSync(path.join(dirA, 'model_v1.json'), 'utf8');
    const files = Object.fromEntries(ARTIFACT_FILES.map((f) => [f, 'x'])) as Record<
      (typeof ARTIFACT_FILES)[number],
      string
    >;
    delete (files as Partial<typeof files>)['baseline_v1.json'];
    expect(() => publishArtifacts(dirA, files)).toThrow(/Could not write the artifacts/);
    expect(readFileSync(path.join(dirA, 'model_v1.json'), 'utf8')).toBe(before);
    expect(readdirSync(path.dirname(dirA))).toEqual(['artifacts']);
  });

  it('refuses an --artifacts path that is a file or a foreign folder before any work', async () => {
    const file = path.join(tmp, 'not-a-folder');
    writeFileSync(file, 'keep me');
    const stages: string[] = [];
    const progress = { stage: (label: string) => stages.push(label), tick() {}, done() {} };
    await expectTrainError(
      run(file, '2026-01-01T00:00:00Z', { progress }),
      'DEF_ERR_TRAIN_ARTIFACTS_DIR_FOREIGN',
      /is a file, not a folder/,
    );
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    const dir = path.join(tmp, 'foreign-early');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await expectTrainError(
      run(dir, '2026-01-01T00:00:00Z', { progress }),
      'DEF_ERR_TRAIN_ARTIFACTS_DIR_FOREIGN',
      /notes\.txt/,
    );
    // Checked before the data is read: no stage ever started.
    expect(stages).toEqual([]);
    expect(() => publishArtifacts(file, {} as Parameters<typeof publishArtifacts>[1])).toThrow(
      /is a file, not a folder/,
    );
  });

  it('too few transitions for the folds fail with a training error, not a learner error', async () => {
    const tiny = path.join(tmp, 'tiny.parquet');
    writeFileSync(tiny, encodeParquet(syntheticRows(6, 3), MODELING_COLUMNS));
    await expectTrainError(
      train({ dataPath: tiny, artifactsDir: path.join(tmp, 'tiny'), seed: 1, refit: true, config }),
      'DEF_ERR_TRAIN_TOO_FEW_ROWS',
      /development transitions \(3 rows, 2 positive\) are too few for 5-fold cross-fitting/,
    );
    expect(existsSync(path.join(tmp, 'tiny'))).toBe(false);
  });

  it('fails clearly on a missing dataset', async () => {
    await expectTrainError(
      train({
        dataPath: path.join(tmp, 'nope.parquet'),
        artifactsDir: path.join(tmp, 'y'),
        seed: 1,
        refit: true,
        config,
      }),
      'DEF_ERR_DATA_DATASET_NOT_FOUND',
      /No modelling dataset/,
    );
  });
});

describe('training configuration', () => {
  it('lists every problem at once', () => {
    expect(() => resolveConfig({ folds: 1, gbdt: { max_iter: 0, nope: 1 }, colour: 'red' })).toThrow(
      /folds: must be an integer from 2 to 20; gbdt.max_iter: .*; gbdt.nope: unknown key; colour: unknown key/,
    );
    expect(() => resolveConfig({ features: ['fase', 'nome'] })).toThrow(/unknown features: nome/);
    expect(() => resolveConfig({ features: ['fase', 'ieg'] })).toThrow(/must include atrasado_agora/);
    expect(resolveConfig({ gbdt: { learning_rate: 0.1 } }).gbdt.max_iter).toBe(500);
  });

  it('defaults: a depth-3 GBDT with a small learning rate, the capped recall-floor policy, the tree ensembles eligible', () => {
    const c = resolveConfig({});
    expect(c.gbdt).toMatchObject({ max_depth: 3, learning_rate: 0.05, min_samples_leaf: 20 });
    expect(c.threshold_policy).toEqual({
      kind: 'min_recall_with_flag_cap',
      min_recall: 0.85,
      max_flag_ratio: 1.25,
    });
    expect(c.eligible).toEqual(['random_forest', 'gbdt']);
    expect(c.features).not.toContain('idade_vs_fase');
    expect(c.alto_min_probability).toBe(0.7);
  });

  it("a threshold policy takes its own kind's keys and defaults", () => {
    expect(
      resolveConfig({ threshold_policy: { kind: 'max_fbeta_with_min_recall' } }).threshold_policy,
    ).toEqual({
      kind: 'max_fbeta_with_min_recall',
      beta: 2,
      min_recall: 0.75,
    });
    expect(resolveConfig({ threshold_policy: { min_recall: 0.9 } }).threshold_policy).toEqual({
      kind: 'min_recall_with_flag_cap',
      min_recall: 0.9,
      max_flag_ratio: 1.25,
    });
    expect(() => resolveConfig({ threshold_policy: { beta: 1 } })).toThrow(
      /threshold_policy.beta: not a key of policy min_recall_with_flag_cap/,
    );
    expect(() => resolveConfig({ capacity: { kind: 'share', share: 2 } })).toThrow(
      /capacity: must be a number from 0 to 1/,
    );
    expect(resolveConfig({ capacity: { kind: 'count', count: 40 } }).capacity).toEqual({
      kind: 'count',
      count: 40,
    });
    expect(() => resolveConfig({ eligible: ['svm'] })).toThrow(/eligible: must be a non-empty array/);
  });

  it('docs/model.md lists every configuration key with its default', () => {
    const doc = readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/model.md'),
      'utf8',
    );
    const table = doc.slice(doc.indexOf('## Configuration'));
    for (const [k, def] of Object.entries(TRAIN_CONFIG_KEYS)) {
      if (k === 'features') continue;
      expect(table, k).toContain(`| \`${k}\` | \`${JSON.stringify(def.default)}\``);
    }
    for (const [k, section] of Object.entries(TRAIN_CONFIG_SECTIONS)) {
      const defaults = JSON.stringify((DEFAULT_TRAIN_CONFIG as unknown as Record<string, unknown>)[k]);
      expect(table, k).toContain(`| \`${k}\` | \`${defaults}\``);
      for (const key of Object.keys(section.keys)) expect(table, `${k}.${key}`).toContain(`\`${key}\``);
    }
  });
});
