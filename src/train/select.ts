/**
 * The selection rule, applied to validation (out-of-fold) results only: the one-standard-error rule
 * over a bootstrap grouped by student.
 *
 * 1. Each candidate's out-of-fold PR-AUC on the development transitions, and its standard error from
 *    the same bootstrap resamples of students for every candidate (a student's transitions stay
 *    together, as in the folds).
 * 2. Among the ELIGIBLE candidates (default: the tree ensembles; persistence and logistic regression are
 *    references) whose threshold met the recall floor, the best PR-AUC sets a bar: best − k standard
 *    errors of the best (k = `selection_standard_errors`, default 1).
 * 3. Of the candidates at or above the bar, the simplest wins: fewest fitted parameters (leaves or
 *    coefficients), which is also the cheapest to serve and to explain; then the simplicity order.
 *
 * Why: on one development transition the candidates' intervals overlap, so "highest PR-AUC" would follow
 * noise; within noise, the smaller model is the safer bet.
 */
import { averagePrecisionResample, orderByScoreDesc } from '../ml/metrics.js';
import { createRng } from '../ml/rng.js';
import type { LearnerKind } from '../model/learners.js';
import { SIMPLICITY_ORDER } from './candidates.js';

export interface SelectionEntry {
  kind: LearnerKind;
  prAuc: number;
  /** Bootstrap standard error of prAuc (grouped by student). */
  se: number;
  meetsRecall: boolean;
  complexity: number;
  eligible: boolean;
}

export interface Selection {
  kind: LearnerKind;
  rule: string;
  reason: string;
  /** PR-AUC a candidate had to reach to count as good as the best. */
  bar: number;
  best: LearnerKind;
}

/**
 * Standard errors of every candidate's PR-AUC over the same `n` resamples of groups (students): each
 * resample draws as many groups as there are, with replacement, and takes all their rows. A resample is
 * held as row multiplicities (sample weights) over each candidate's scores sorted once: the same
 * cumulative counts at the same distinct scores as the resample's rows copied out and sorted, so the
 * same PR-AUC to the last bit, without a copy and a sort per resample and candidate.
 */
export function groupedBootstrapSe(
  y: ArrayLike<number>,
  scores: ReadonlyArray<ArrayLike<number>>,
  groups: ReadonlyArray<string | null>,
  n: number,
  seed: number,
): number[] {
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = g ?? `#row${i}`;
    let rows = byGroup.get(key);
    if (!rows) byGroup.set(key, (rows = []));
    rows.push(i);
  });
  const list = [...byGroup.values()];
  const rng = createRng(seed);
  const sums = new Float64Array(scores.length);
  const squares = new Float64Array(scores.length);
  const orders = scores.map((s) => orderByScoreDesc(s));
  const counts = new Float64Array(y.length);
  let valid = 0;
  for (let b = 0; b < n; b++) {
    counts.fill(0);
    let rows = 0;
    let pos = 0;
    for (let g = 0; g < list.length; g++) {
      for (const i of list[Math.floor(rng.next() * list.length)]!) {
        counts[i]! += 1;
        rows++;
        pos += y[i]!;
      }
    }
    if (pos === 0 || pos === rows) continue;
    valid++;
    scores.forEach((s, c) => {
      const v = averagePrecisionResample(y, s, counts, orders[c]!);
      sums[c]! += v;
      squares[c]! += v * v;
    });
  }
  return Array.from(sums, (s, c) => {
    if (valid < 2) return Number.NaN;
    const mean = s / valid;
    return Math.sqrt(Math.max(0, (squares[c]! - valid * mean * mean) / (valid - 1)));
  });
}

const fmt = (v: number): string => v.toFixed(4);

export function selectCandidate(results: readonly SelectionEntry[], standardErrors: number): Selection {
  const rule = `Regra de um erro-padrão: entre os candidatos elegíveis cujo limiar atinge o recall mínimo na validação, o maior PR-AUC fora da dobra define a barra (esse PR-AUC menos ${standardErrors} erro(s)-padrão, estimado por bootstrap agrupado por aluno); dos candidatos na barra ou acima dela, fica o mais simples (menos parâmetros ajustados — folhas ou coeficientes —, o mais barato de servir e de explicar). Persistência e regressão logística são referências, não candidatos a produção.`;
  const usable = results.filter((r) => !Number.isNaN(r.prAuc));
  const eligible = usable.filter((r) => r.eligible);
  const base = eligible.length > 0 ? eligible : usable;
  const meeting = base.filter((r) => r.meetsRecall);
  const pool = meeting.length > 0 ? meeting : base;
  const top = pool.reduce((a, b) => (b.prAuc > a.prAuc ? b : a));
  const se = Number.isFinite(top.se) ? top.se : 0;
  const bar = top.prAuc - standardErrors * se;
  const near = pool.filter((r) => r.prAuc >= bar);
  near.sort(
    (a, b) =>
      a.complexity - b.complexity || SIMPLICITY_ORDER.indexOf(a.kind) - SIMPLICITY_ORDER.indexOf(b.kind),
  );
  const winner = near[0]!;
  const notes =
    (eligible.length === 0
      ? 'Nenhum candidato elegível foi desenvolvido; escolhido entre as referências. '
      : '') +
    (meeting.length === 0
      ? 'Nenhum candidato atingiu o recall mínimo na validação; escolhido pelo PR-AUC. '
      : '');
  const reason =
    notes +
    (winner.kind === top.kind
      ? `${winner.kind} teve o maior PR-AUC de validação (${fmt(winner.prAuc)} ± ${fmt(se)})${near.length > 1 ? ` e é o mais simples dos que ficaram na barra de ${fmt(bar)}` : `; nenhum outro candidato elegível ficou na barra de ${fmt(bar)}`}.`
      : `${winner.kind} (PR-AUC ${fmt(winner.prAuc)}) ficou na barra de ${fmt(bar)} (melhor: ${top.kind}, ${fmt(top.prAuc)} ± ${fmt(se)}) e é mais simples (${winner.complexity} parâmetros contra ${top.complexity}).`);
  return { kind: winner.kind, rule, reason, bar, best: top.kind };
}
