/**
 * The feature ablation of the report: the chosen learner developed again, by the same procedure and on
 * the same folds, with one derived feature or group removed (or, for features off by default, added),
 * and its validation (out-of-fold) and backtest ROC-AUC / PR-AUC. Informative only: neither selection
 * nor the threshold looks at it. It is how the default feature set was checked, once, against the
 * 2024 backtest (docs/model.md); from then on the backtest is a regression check, not a tuning target.
 */

import { GENEROS, INSTITUICOES } from '../core/student.js';
import type { ModelingRow } from '../data/transitions.js';
import { averagePrecision, rocAuc } from '../ml/metrics.js';
import type { LearnerKind } from '../model/learners.js';
import { rawScores } from './candidates.js';
import type { TrainConfig } from './config.js';
import { develop } from './develop.js';
import type { Fold } from './folds.js';
import { matricesOf, matrixFor, prepare } from './prepared.js';

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
  /** The reference (the chosen candidate as developed): reused, not recomputed. */
  reference: { names: readonly string[]; validation: AblationScores; test: AblationScores };
  onRow?: () => void;
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const scores = (y: ArrayLike<number>, p: ArrayLike<number>): AblationScores => ({
  roc_auc: r6(rocAuc(y, p)),
  pr_auc: r6(averagePrecision(y, p)),
});

export function runAblation(inp: AblationInput): AblationRow[] {
  const { cfg, reference } = inp;
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
  const yTest = Float64Array.from(inp.testRows, (r) => r.em_risco);
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
    const d = develop({
      kind: inp.kind,
      X: matrixFor(dev, inp.kind),
      y: dev.y,
      folds: inp.folds,
      cfg,
      seed: inp.seed,
      persistenceFeature: dev.pipeline.names.indexOf('atrasado_agora'),
    });
    const test = rawScores(d.final, matrixFor(matricesOf(dev.pipeline, inp.testRows), inp.kind));
    rows.push({
      label: g.label,
      change,
      width: dev.pipeline.width,
      // Ranking metrics: the (monotone) calibration does not change them, raw scores suffice.
      validation: scores(dev.y, d.oofRaw),
      test: scores(yTest, test),
      note: null,
    });
    inp.onRow?.();
  }
  return rows;
}
