/** Class weights shared by the learners (sklearn `class_weight` semantics). */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';

/**
 * `'balanced'`: weight of class c = n / (2 · n_c) (sklearn `compute_class_weight`, counted on unweighted
 * rows); `{ 0: w0, 1: w1 }`: explicit; null/undefined: 1 for both.
 */
export type ClassWeight = 'balanced' | { 0: number; 1: number } | null;

/** [weight of class 0, weight of class 1]. */
export function classWeights(y: ArrayLike<number>, cw: ClassWeight | undefined): [number, number] {
  if (!cw) return [1, 1];
  if (cw === 'balanced') {
    let n1 = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === 1) n1++;
    const n0 = y.length - n1;
    if (n0 === 0 || n1 === 0)
      throw new AppError(ML_ERRORS.SINGLE_CLASS, "class_weight 'balanced' needs both classes");
    return [y.length / (2 * n0), y.length / (2 * n1)];
  }
  if (!(cw[0] >= 0) || !(cw[1] >= 0))
    throw new AppError(ML_ERRORS.INVALID_OPTION, 'class weights must be ≥ 0');
  return [cw[0], cw[1]];
}

/** Per-row weights = sample weight × class weight (a new array). */
export function rowWeights(
  y: ArrayLike<number>,
  cw: ClassWeight | undefined,
  sampleWeight?: ArrayLike<number>,
): Float64Array {
  const [w0, w1] = classWeights(y, cw);
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = (sampleWeight ? sampleWeight[i]! : 1) * (y[i] === 1 ? w1 : w0);
  return out;
}
