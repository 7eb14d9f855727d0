/** Numbers, shares and dates as a Brazilian reader expects them (0,57; 57,1%; 30/11/2026 11:35). */
const dec = (digits: number) =>
  new Intl.NumberFormat('pt-BR', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const DEC3 = dec(3);
const PCT1 = new Intl.NumberFormat('pt-BR', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const INT = new Intl.NumberFormat('pt-BR');
const DATE = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'short' });

export const DASH = '—';

export const num3 = (v: number | null | undefined): string => (v == null ? DASH : DEC3.format(v));
export const pct = (v: number | null | undefined): string => (v == null ? DASH : PCT1.format(v));
export const int = (v: number | null | undefined): string => (v == null ? DASH : INT.format(v));
export const signed3 = (v: number | null | undefined): string =>
  v == null ? DASH : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${DEC3.format(Math.abs(v))}`;

export function date(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE.format(d);
}

/** "IC 95%: 50,8% a 63,9%", or null without an interval. */
export function ciText(
  e: { ci_low: number | null; ci_high: number | null } | undefined,
  as: (v: number) => string = pct,
): string | null {
  return e && e.ci_low != null && e.ci_high != null ? `IC 95%: ${as(e.ci_low)} a ${as(e.ci_high)}` : null;
}

/** "57,1%" over a smaller "IC 95%: 50,8% a 63,9%" line: for table cells. */
export function pctCell(
  e: { value: number | null; ci_low: number | null; ci_high: number | null } | undefined,
): Array<string | HTMLElement> {
  if (!e || e.value == null) return [DASH];
  const ci = ciText(e);
  const span = document.createElement('span');
  span.className = 'ci';
  span.textContent = ci ?? '';
  return ci ? [pct(e.value), span] : [pct(e.value)];
}

/** Names of the metrics as the team reads them. */
export const METRIC_PT: Record<string, string> = {
  roc_auc: 'ROC-AUC',
  pr_auc: 'PR-AUC',
  precision: 'Precisão',
  recall: 'Recall',
  f1: 'F1',
  f2: 'F2',
  accuracy: 'Acurácia',
  brier: 'Brier',
  ece: 'Erro de calibração (ECE)',
  log_loss: 'Log-loss',
};

/** Metrics where lower is better (their deltas read the other way round). */
export const LOWER_IS_BETTER = new Set(['brier', 'ece', 'log_loss']);

export const LEARNER_PT: Record<string, string> = {
  persistence: 'persistência',
  logistic_regression: 'regressão logística',
  random_forest: 'floresta aleatória',
  gbdt: 'gradient boosting de árvores',
};

export const GROUP_PT: Record<string, string> = {
  genero: 'Gênero',
  instituicao: 'Tipo de escola',
  fase: 'Fase',
};

export const LEVEL_PT: Record<string, string> = {
  feminino: 'feminino',
  masculino: 'masculino',
  desconhecido: 'não informado',
  publica: 'pública',
  privada: 'privada',
  privada_bolsa: 'privada com bolsa',
  concluiu_em: 'concluiu o ensino médio',
  outro: 'outro',
};

export function levelName(field: string, level: string): string {
  if (field === 'fase') return level === '0' ? 'ALFA (0)' : `Fase ${level}`;
  return LEVEL_PT[level] ?? level;
}
