import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '../features/catalog.js';
import { diffModels, modelFacts } from './model-diff.js';
import { fixtureModel, type TrainedFixture, trainedFixtureModel } from './testing/fixtures.js';

type Model = Record<string, unknown>;
const facts = (m: Model, metadata?: unknown) => modelFacts(m, metadata);
const diff = (a: Model, b: Model) => diffModels(facts(a), facts(b));
const trained = (t: TrainedFixture) => trainedFixtureModel(t);
/** [kind, bump, rule] of each change: what a reader of the verdict sees. */
const summary = (a: Model, b: Model) => diff(a, b).changes.map((c) => [c.kind, c.bump, c.rule]);

// A feature of the default set that every version of the catalogue has (an indicator).
const DROPPED = 'ieg';
const WITHOUT = DEFAULT_FEATURES.filter((f) => f !== DROPPED);

describe('model diff: each change and the rule it falls under', () => {
  it('an identical model, and the same configuration fitted again on the same data, need only a PATCH', () => {
    const rf = trained({ learner: 'random_forest' });
    expect(diff(rf, rf)).toEqual({ changes: [], required: 'patch' });
    // Fitting is deterministic: the same learner, parameters, features, data and seed give the same model.
    expect(diff(rf, trained({ learner: 'random_forest' }))).toEqual({ changes: [], required: 'patch' });
  });

  it('random forest → GBDT (same signature, same features and data) is an algorithm change: MAJOR', () => {
    const d = diff(trained({ learner: 'random_forest' }), trained({ learner: 'gbdt' }));
    expect(d.required).toBe('major');
    expect(d.changes).toEqual([
      {
        source: 'model',
        kind: 'learner_changed',
        rule: 'algorithm_change',
        bump: 'major',
        detail: 'learner random_forest → gbdt',
      },
    ]);
  });

  it('a derived feature removed is MAJOR; one added is MINOR (feature engineering)', () => {
    const all = trained({ learner: 'gbdt' });
    const fewer = trained({ learner: 'gbdt', features: WITHOUT });
    const removed = diff(all, fewer);
    expect(removed.required).toBe('major');
    expect(removed.changes).toEqual([
      expect.objectContaining({
        kind: 'features_removed',
        rule: 'features_removed',
        detail: `1 derived feature(s) removed: ${DROPPED}`,
      }),
    ]);
    const added = diff(fewer, all);
    expect(added.required).toBe('minor');
    expect(added.changes).toEqual([
      expect.objectContaining({
        kind: 'features_added',
        rule: 'features_added',
        detail: `+1 derived feature(s): ${DROPPED}`,
      }),
    ]);
  });

  it('the same configuration retrained on new data is MINOR, and the refit it implies is not listed again', () => {
    const d = diff(trained({ learner: 'gbdt' }), trained({ learner: 'gbdt', newData: true }));
    expect(d.required).toBe('minor');
    expect(d.changes.map((c) => [c.kind, c.rule])).toEqual([['training_data_changed', 'new_training_data']]);
    expect(d.changes[0]!.detail).toMatch(
      /^training data changed: data sha256 [0-9a-f]{12}… → [0-9a-f]{12}…, label years \[2023\] → \[2023,2024\], rows 6 → 12, positives 3 → 6$/,
    );
  });

  it('iterations chosen by early stopping (in the folds, whose median the final fit uses) are a fit result, not a parameter', () => {
    /** As train writes a shipped GBDT: early stopping configured, the final fit at the folds' median. */
    const shipped = (m: Model, iterations: number): Model => {
      const learner = m.learner as { params: Model };
      const params = { ...learner.params, iterations, early_stopping: false, n_iter_no_change: 15 };
      return { ...m, learner: { ...learner, params } };
    };
    const before = shipped(trained({ learner: 'gbdt' }), 22);
    const newData = diff(before, shipped(trained({ learner: 'gbdt', newData: true }), 39));
    expect(newData.changes.map((c) => c.kind)).toEqual(['training_data_changed']);
    // On the same data another count can only come from another fit: a small adjustment.
    expect(summary(before, shipped(trained({ learner: 'gbdt' }), 23))).toEqual([
      ['refitted', 'patch', 'small_adjustment'],
    ]);
    // Without early stopping the count is the configuration.
    const fixed = (n: number) => {
      const m = trained({ learner: 'gbdt' });
      const learner = m.learner as { params: Model };
      return { ...m, learner: { ...learner, params: { ...learner.params, iterations: n } } };
    };
    expect(summary(fixed(22), fixed(39))).toEqual([['learner_params_changed', 'minor', 'new_parameters']]);
  });

  it('the same learner with new parameters is MINOR and names each parameter', () => {
    const d = diff(
      trained({ learner: 'gbdt' }),
      trained({ learner: 'gbdt', params: { max_depth: 3, learning_rate: 0.1 } }),
    );
    expect(d.required).toBe('minor');
    expect(d.changes.map((c) => [c.kind, c.rule, c.detail])).toEqual([
      [
        'learner_params_changed',
        'new_parameters',
        'gbdt parameters changed: learning_rate 0.3 → 0.1, max_depth 2 → 3',
      ],
    ]);
  });

  it('a preprocessing fix with the same features and data is a PATCH', () => {
    const before = trained({ learner: 'gbdt' });
    const features = before.features as { params: { idade_mediana_por_fase: Record<string, number> } };
    // The age medians computed differently (a bug fixed), everything else the same.
    const fixedMedians = Object.fromEntries(
      Object.entries(features.params.idade_mediana_por_fase).map(([k, v]) => [k, v + 0.5]),
    );
    const after = { ...before, features: { ...features, params: { idade_mediana_por_fase: fixedMedians } } };
    expect(summary(before, after)).toEqual([['pipeline_changed', 'patch', 'preprocessing_fix']]);
    const newVersion = { ...before, features: { ...features, pipeline_version: 2 } };
    expect(diff(before, newVersion).changes[0]).toMatchObject({
      rule: 'preprocessing_fix',
      detail: 'feature preprocessing changed with the same features: pipeline_version 1 → 2',
    });
  });

  it('a new calibrator, threshold policy or risk band changes what the score means: MINOR', () => {
    const base = fixtureModel();
    expect(
      summary(base, {
        ...base,
        calibrator: { kind: 'isotonic', fitted_on: 'x', state: { kind: 'isotonic', x: [0, 1], y: [0, 1] } },
      }),
    ).toEqual([['calibrator_changed', 'minor', 'score_meaning']]);
    const policy = {
      kind: 'min_recall_with_flag_cap',
      min_recall: 0.85,
      max_flag_ratio: 1.25,
      chosen_on: 'y',
    };
    const d = diff(base, { ...base, threshold_policy: policy, threshold: 0.3 });
    expect(d.changes.map((c) => [c.kind, c.rule])).toEqual([['threshold_policy_changed', 'score_meaning']]);
    expect(d.changes[0]!.detail).toContain('kind max_fbeta_with_min_recall → min_recall_with_flag_cap');
    expect(d.changes[0]!.detail).toContain('threshold 0.45 → 0.3');
    // Only where the threshold was chosen (chosen_on) differs: the same policy, nothing to report.
    expect(
      diff(base, { ...base, threshold_policy: { ...(base.threshold_policy as Model), chosen_on: 'z' } }),
    ).toEqual({
      changes: [],
      required: 'patch',
    });
    const bands = { medio_from: 0.45, alto_from: 0.7, alto_min_probability: 0.7 };
    expect(summary(base, { ...base, risk_bands: bands })).toEqual([
      ['risk_bands_changed', 'minor', 'score_meaning'],
    ]);
  });

  it('another seed, or a refit of the same configuration and data, is a small adjustment (PATCH)', () => {
    expect(
      summary(trained({ learner: 'random_forest' }), trained({ learner: 'random_forest', seed: 9 })),
    ).toEqual([['seed_changed', 'patch', 'small_adjustment']]);
    // The hand-set fixture weights differ with its seed, which training.seed records: seed and refit.
    const a = fixtureModel(0);
    const b = { ...fixtureModel(1), training: a.training };
    expect(summary(a, b)).toEqual([['refitted', 'patch', 'small_adjustment']]);
    const moved = {
      ...a,
      threshold: 0.5,
      risk_bands: { medio_from: 0.5, alto_from: 0.6, alto_min_probability: 0.6 },
    };
    expect(summary(a, moved)).toEqual([['threshold_moved', 'patch', 'small_adjustment']]);
  });

  it('a new target or model format is MAJOR', () => {
    const base = fixtureModel();
    expect(summary(base, { ...base, target: { name: 'em_risco', definition: 'defasagem ≤ −2' } })).toEqual([
      ['target_changed', 'major', 'target_changed'],
    ]);
    expect(summary(base, { ...base, format_version: 2 })).toEqual([
      ['model_format_changed', 'major', 'new_model_schema'],
    ]);
  });

  it('reads whatever the file declares: learner kinds, features and params it has never seen', () => {
    const declared = (kind: string, features: string[], params: Model) => ({
      format_version: 1,
      learner: { kind, params, state: {} },
      features: { pipeline_version: 7, features: features.map((name) => ({ name })) },
      training: { data_sha256: 'd1' },
    });
    const a = declared('xgboost', ['renda_familiar', 'distancia_escola'], { depth: 6 });
    expect(summary(a, declared('xgboost', ['renda_familiar'], { depth: 6 }))).toEqual([
      ['features_removed', 'major', 'features_removed'],
    ]);
    expect(summary(a, declared('transformer', ['renda_familiar', 'distancia_escola'], { depth: 6 }))).toEqual(
      [['learner_changed', 'major', 'algorithm_change']],
    );
    expect(
      diff(a, declared('xgboost', ['renda_familiar', 'distancia_escola'], { depth: 8 })).changes[0]!.detail,
    ).toBe('xgboost parameters changed: depth 6 → 8');
  });

  it('takes the data fingerprint from the metadata when the model file has none', () => {
    const bare = (sha: string) => facts({ learner: { kind: 'gbdt' } }, { data: { sha256: sha } });
    expect(diffModels(bare('a'.repeat(64)), bare('b'.repeat(64))).changes.map((c) => c.rule)).toEqual([
      'new_training_data',
    ]);
    expect(bare('c'.repeat(64)).training.data_sha256).toBe('c'.repeat(64));
  });

  /** `m` with `names` moved from the features the learner sees to those left out as constant. */
  const leftOut = (m: Model, names: readonly string[]): Model => {
    const spec = m.features as { features: Array<{ name: string }>; dropped_constant: string[] };
    return {
      ...m,
      features: {
        ...spec,
        features: spec.features.filter((f) => !names.includes(f.name)),
        dropped_constant: [...spec.dropped_constant, ...names],
      },
    };
  };
  const ONE_HOT = 'instituicao_concluiu_em';

  it('a requested feature now constant on new training data (a rare category absent) is new data: MINOR', () => {
    const before = trained({ learner: 'gbdt' });
    const after = leftOut(trained({ learner: 'gbdt', newData: true }), [ONE_HOT]);
    const d = diff(before, after);
    expect(d.required).toBe('minor');
    expect(d.changes.map((c) => [c.kind, c.rule])).toEqual([
      ['constant_features_changed', 'new_training_data'],
      ['training_data_changed', 'new_training_data'],
    ]);
    expect(d.changes[0]!.detail).toBe(
      `${ONE_HOT} now constant on the training data and left out (same feature set asked for, new training data)`,
    );
    // And back the next year: the category is present again.
    const back = diff(after, trained({ learner: 'gbdt' }));
    expect(back.required).toBe('minor');
    expect(back.changes[0]).toMatchObject({
      kind: 'constant_features_changed',
      rule: 'new_training_data',
      detail: `${ONE_HOT} no longer constant and used (same feature set asked for, new training data)`,
    });
  });

  it('on the same training data a change of the constant columns can only be a preprocessing change: PATCH', () => {
    const before = trained({ learner: 'gbdt' });
    expect(summary(before, leftOut(before, [DROPPED]))).toEqual([
      ['constant_features_changed', 'patch', 'preprocessing_fix'],
    ]);
  });

  it('a feature taken out of the feature set is MAJOR even when the older model had it left out as constant', () => {
    const before = leftOut(trained({ learner: 'gbdt' }), [DROPPED]);
    const after = trained({ learner: 'gbdt', features: WITHOUT });
    expect(diff(before, after).changes).toEqual([
      expect.objectContaining({
        kind: 'features_removed',
        bump: 'major',
        detail: `1 derived feature(s) removed: ${DROPPED} (already left out as constant before: ${DROPPED})`,
      }),
    ]);
  });

  it('the requested feature set is the used features plus those left out as constant', () => {
    const f = facts(leftOut(trained({ learner: 'gbdt' }), [DROPPED, ONE_HOT]));
    expect(f.requested).toEqual([...DEFAULT_FEATURES].sort());
    expect(f.features).not.toContain(DROPPED);
    expect(f.dropped_constant).toEqual(expect.arrayContaining([DROPPED, ONE_HOT]));
  });
});
