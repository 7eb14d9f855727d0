/**
 * Cross-fitting folds: stratified by label and grouped by student (a student's transitions always fall
 * in the same fold, so no fold validates on a student it was fitted on). Deterministic for a seed.
 */
import { createRng, shuffleInPlace } from '../ml/rng.js';

export interface Fold {
  train: Uint32Array;
  valid: Uint32Array;
}

/**
 * `groups[i]` identifies row i's student (or null: a group of its own). Groups are shuffled with the
 * seed, ordered by their share of positives (so each fold gets a similar base rate), then dealt to the
 * folds in turn.
 */
export function stratifiedGroupFolds(
  y: ArrayLike<number>,
  groups: ReadonlyArray<string | null | undefined>,
  k: number,
  seed: number,
): Fold[] {
  const n = y.length;
  const byGroup = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups[i] ?? `#row${i}`;
    let rows = byGroup.get(g);
    if (!rows) byGroup.set(g, (rows = []));
    rows.push(i);
  }
  const list = [...byGroup.values()];
  const order = Uint32Array.from(list.keys());
  shuffleInPlace(order, createRng(seed));
  const share = (rows: number[]): number => rows.reduce((s, i) => s + (y[i] as number), 0) / rows.length;
  const sorted = Array.from(order).sort((a, b) => share(list[a]!) - share(list[b]!));
  const foldOf = new Int32Array(n);
  sorted.forEach((g, pos) => {
    for (const i of list[g]!) foldOf[i] = pos % k;
  });
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? valid : train).push(i);
    folds.push({ train: Uint32Array.from(train), valid: Uint32Array.from(valid) });
  }
  return folds;
}
