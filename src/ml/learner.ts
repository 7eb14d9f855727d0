/** One entry point over every learner state (dispatch on `state.kind`). */
import { contributionsForest, type ForestState, predictRawForest, predictRowForest } from './forest.js';
import { contributionsGbdt, type GbdtState, predictRawGbdt, predictRowGbdt } from './gbdt.js';
import {
  contributionsLogistic,
  type LogisticState,
  predictRawLogistic,
  predictRowLogistic,
} from './logistic.js';
import type { Matrix } from './matrix.js';
import type { TreeShapWorkspace } from './tree.js';

export type LearnerState = LogisticState | GbdtState | ForestState;

/** Unit of `predictRaw`/contributions: log-odds (logistic, gbdt) or probability (forest). */
export function rawUnit(state: LearnerState): 'log_odds' | 'probability' {
  return state.kind === 'forest' ? 'probability' : 'log_odds';
}

export function predictRow(state: LearnerState, row: ArrayLike<number>, offset = 0): number {
  switch (state.kind) {
    case 'logistic':
      return predictRowLogistic(state, row, offset);
    case 'gbdt':
      return predictRowGbdt(state, row, offset);
    case 'forest':
      return predictRowForest(state, row, offset);
  }
}

export function predictRaw(state: LearnerState, X: Matrix): Float64Array {
  switch (state.kind) {
    case 'logistic':
      return predictRawLogistic(state, X);
    case 'gbdt':
      return predictRawGbdt(state, X);
    case 'forest':
      return predictRawForest(state, X);
  }
}

/** Uncalibrated probability from a raw output. */
export function rawToProba(state: LearnerState, raw: number): number {
  return state.kind === 'forest' ? raw : 1 / (1 + Math.exp(-raw));
}

export function predictProba(state: LearnerState, X: Matrix): Float64Array {
  const raw = predictRaw(state, X);
  if (state.kind !== 'forest') for (let i = 0; i < raw.length; i++) raw[i] = 1 / (1 + Math.exp(-raw[i]!));
  return raw;
}

/** Exact additive contributions (length n_features + 1, bias last), in `rawUnit(state)`. */
export function contributions(
  state: LearnerState,
  row: ArrayLike<number>,
  offset = 0,
  ws?: TreeShapWorkspace,
): Float64Array {
  switch (state.kind) {
    case 'logistic':
      return contributionsLogistic(state, row, offset);
    case 'gbdt':
      return contributionsGbdt(state, row, offset, ws);
    case 'forest':
      return contributionsForest(state, row, offset, ws);
  }
}
