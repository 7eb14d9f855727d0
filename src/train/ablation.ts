/**
 * The feature ablation of the report: the chosen learner fitted again with one derived feature or group
 * removed (or, for features off by default, added), and its validation (out-of-fold) and backtest
 * ROC-AUC / PR-AUC, next to the reference refitted the same way. Every variant uses the same
 * ABLATION_FOLDS folds, seeds and (GBDT) the iteration count early stopping chose for the shipped
 * model, so only the features differ. Three folds rather than development's five keep it within the
 * training-time budget: the table is evidence about the features, not the model's estimate. Informative only: neither selection
 * nor the threshold looks at it. It is how the default feature set was checked, once, against the
 * 2024 backtest (docs/model.md); from then on the backtest is a regression check, not a tuning target.
 */

import { GENEROS, INSTITUICOES } from '../core/student.js';
import type { ModelingRow } from '../data/transitions.js';
import { selectRows, selectValues } from '../ml/matrix.js';
import { averagePrecision, rocAuc } from '../ml/metrics.js';
import { deriveSeed } from '../ml/rng.js';
import type { LearnerKind } from '../model/learners.js';
import { fitCandidate, rawScores } from './candidates.js';
import type { TrainConfig } from './config.js';
import type { Fold } from './folds.js';
import { matricesOf, matrixFor, type Prepared, prepare } from './prepared.js';

/** Folds of the ablation's cross-fitting. */
export const ABLATION_FOLDS = 3;

export interface AblationGroup {
  /** Portuguese label for the report. */
  label: string;
  features: readonly string[];
}

export const ABLATION_GROUPS: readonly AblationGroup[] = [
  { label: 'anos_no_programa', features: ['anos_no_programa'] },
  { label: 'atrasado_agora', features: ['atrasado_agora'] },
  {
    label: 'resumos dos indicadores (ind_media, ind_min, ind_desvio)',
    features: ['ind_media', 'ind_min', 'ind_desvio'],
  },
  { label: 'ind_ausentes', features: ['ind_ausentes'] },
  { label: 'gênero (indicadoras)', features: [...GENEROS.map((g) => `genero_${g}`), 'genero_desconhecido'] },
  {
    label: 'instituição (indicadoras)',
    features: [...INSTITUICOES.map((i) => `instituicao_${i}`), 'instituicao_desconhecido'],
  },
  { label: 'idade_vs_fase', features: ['idade_vs_fase'] },
  { label: 'ipp_ausente', features: ['ipp_ausente'] },
];

export interface AblationScores {
  roc_auc: number;
  pr_auc: number;
}

export interface AblationRow {
  label: string;
  change: 'referência' | 'sem' | 'com';
  /** Features the learner actually saw (after dropping constant ones). */
  width: number;
  validation: AblationScores;
  test: AblationScores;
  /** Set when the change did not alter what the learner sees (e.g. the features were constant). */
  note: string | null;
}

export interface AblationInput {
  kind: LearnerKind;
  devRows: ModelingRow[];
  testRows: ModelingRow[];
  cfg: TrainConfig;
  folds: Fold[];
  seed: number;
  /** GBDT iterations early stopping chose for the chosen model (used for every fit), null otherwise. */
  iterations: number | null;
  onRow?: () => void;
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const scores = (y: ArrayLike<number>, p: ArrayLike<number>): AblationScores => ({
  roc_auc: r6(rocAuc(y, p)),
  pr_auc: r6(averagePrecision(y, p)),
});

/** Out-of-fold and test-year raw scores of the chosen learner on a variant's features. */
function refitVariant(inp: AblationInput, dev: Prepared): { oof: Float64Array; test: Float64Array } {
  const X = matrixFor(dev, inp.kind);
  const persistenceFeature = dev.pipeline.names.indexOf('atrasado_agora');
  const oof = new Float64Array(X.rows);
  const iterations = inp.iterations !== null ? { gbdtIterations: inp.iterations } : {};
  inp.folds.forEach((fold, k) => {
    const fitted = fitCandidate(
      inp.kind,
      selectRows(X, fold.train),
      selectValues(dev.y, fold.train),
      inp.cfg,
      {
        seed: deriveSeed(inp.seed, k),
        earlyStopping: false,
        ...iterations,
        persistenceFeature,
      },
    );
    const raw = rawScores(fitted.block, selectRows(X, fold.valid));
    fold.valid.forEach((i, q) => {
      oof[i] = raw[q]!;
    });
  });
  const final = fitCandidate(inp.kind, X, dev.y, inp.cfg, {
    seed: deriveSeed(inp.seed, inp.folds.length),
    earlyStopping: false,
    ...iterations,
    persistenceFeature,
  }).block;
  return { oof, test: rawScores(final, matrixFor(matricesOf(dev.pipeline, inp.testRows), inp.kind)) };
}

export function runAblation(inp: AblationInput): AblationRow[] {
  const { cfg } = inp;
  const yTest = Float64Array.from(inp.testRows, (r) => r.em_risco);
  // The reference refitted the same way as the variants, so a difference is the features' alone.
  const base = prepare(inp.devRows, cfg.features);
  const fitted = refitVariant(inp, base);
  const reference = {
    names: base.pipeline.names,
    validation: scores(base.y, fitted.oof),
    test: scores(yTest, fitted.test),
  };
  const rows: AblationRow[] = [
    {
      label: 'todas as do modelo',
      change: 'referência',
      width: reference.names.length,
      validation: reference.validation,
      test: reference.test,
      note: null,
    },
  ];
  for (const g of ABLATION_GROUPS) {
    const present = g.features.filter((f) => cfg.features.includes(f));
    const change = present.length > 0 ? 'sem' : 'com';
    const features =
      change === 'sem'
        ? cfg.features.filter((f) => !present.includes(f))
        : [...cfg.features, ...g.features.filter((f) => !cfg.features.includes(f))];
    const dev = prepare(inp.devRows, features);
    const same =
      dev.pipeline.names.length === reference.names.length &&
      dev.pipeline.names.every((n, j) => n === reference.names[j]);
    if (same) {
      rows.push({
        label: g.label,
        change,
        width: dev.pipeline.width,
        validation: reference.validation,
        test: reference.test,
        note: 'constante nas transições de desenvolvimento: o modelo já não a usa',
      });
      inp.onRow?.();
      continue;
    }
    const { oof, test } = refitVariant(inp, dev);
    rows.push({
      label: g.label,
      change,
      width: dev.pipeline.width,
      // Ranking metrics: the (monotone) calibration does not change them, raw scores suffice.
      validation: scores(dev.y, oof),
      test: scores(yTest, test),
      note: null,
    });
    inp.onRow?.();
  }
  return rows;
}
