/**
 * Monitoramento: service health (traffic, errors, latency), the score distribution against training
 * and per day, drift per feature with a traffic light, and outcomes once next year's data is known. It reads the
 * monitor library's report shapes as GET /monitoring/slo|drift|series|outcomes answer them
 * (ServiceHealth, DriftReport, MonitoringSeries, OutcomeReport, mirrored below) and asks only for the
 * endpoints /dashboard/config says can answer. Monitoring switched off (MONITOR_PRIVACY_MODE=off: the
 * routes answer 409 DEF_ERR_MONITOR_MONITORING_OFF) or absent is a calm notice with what to set.
 */
import { ApiError, api } from '../api';
import { lineChart } from '../charts';
import { type Child, h } from '../dom';
import { DASH, date, int, num3, pct } from '../format';
import type { AppContext, Page } from '../router';
import { code, empty, errorBox, notice, section, table, withLoading } from '../ui';

type Status = 'green' | 'yellow' | 'red';

interface EndpointHealth {
  endpoint: string;
  requests: number;
  error_rate: number | null;
  client_error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  dropped: Record<string, number>;
}

export interface ServiceHealth {
  window: { from: string; to: string };
  endpoints: EndpointHealth[];
  total: EndpointHealth;
}

interface FieldDrift {
  field: string;
  description: string;
  psi: number | null;
  missing_rate: { baseline: number | null; current: number | null; change: number | null };
  status: Status;
  counted: boolean;
  unseen: string[];
  /** Numeric bins carry their bounds (null = unbounded); categories only their key. */
  bins: Array<{ key: string; lo?: number | null; hi?: number | null; baseline: number; current: number }>;
}

export interface DriftReport {
  model_version: string;
  window: { from: string; to: string } | null;
  records: number;
  status: Status | 'insufficient';
  attention: Array<{ field: string; status: Status }>;
  score: FieldDrift;
  positive_rate: { baseline: number; current: number | null };
  share_behind: { baseline: number; current: number | null } | null;
  fields: FieldDrift[];
}

interface OutcomeMetrics {
  n: number;
  positives: number;
  recall: number | null;
  precision: number | null;
}

export interface OutcomeReport {
  matched: number;
  versions: Array<{ model_version: string; overall: OutcomeMetrics }>;
  alerts: Array<{ message: string }>;
  status: 'ok' | 'alert';
}

/** One hour of GET /monitoring/series (src/monitor/series.ts). */
interface HourPoint {
  t: string;
  requests: number;
  errors: number;
  client_errors: number;
  latency_ms: { p95: number | null };
  students: number;
  flagged: number;
  bands: { alto: number; medio: number; baixo: number };
}

export interface MonitoringSeries {
  window: { from: string; to: string };
  hours: HourPoint[];
}

const LIGHT: Record<Status | 'insufficient', [string, string]> = {
  green: ['● verde', 'estável'],
  yellow: ['● amarelo', 'mudança moderada: acompanhar'],
  red: ['● vermelho', 'mudança forte: investigar e considerar retreinar'],
  insufficient: ['○ sem dados suficientes', 'poucos alunos pontuados no período'],
};

/** The light with what it means (sentences), or the light alone (table cells, explained in the caption). */
const light = (s: Status | 'insufficient', short = false): HTMLElement =>
  h('span', { class: `light light-${s}` }, short ? LIGHT[s][0] : `${LIGHT[s][0]} — ${LIGHT[s][1]}`);

const MS = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 1 });
const ms = (v: number | null) => (v == null ? DASH : `${MS.format(v)} ms`);
const windowText = (w: { from: string; to: string } | null) =>
  w ? `de ${date(w.from)} a ${date(w.to)}` : '';

function health(s: ServiceHealth): HTMLElement[] {
  const t = s.total;
  const drops = Object.values(t.dropped ?? {}).reduce((a, b) => a + b, 0);
  return [
    section(
      'Tráfego e erros',
      'trafego',
      h(
        'p',
        null,
        `${int(t.requests)} pedidos ${windowText(s.window)}; erros do servidor: ${pct(t.error_rate)}; pedidos recusados (erro do cliente): ${pct(t.client_error_rate)}.`,
      ),
      drops > 0
        ? notice(
            'warn',
            `${int(drops)} eventos de monitoramento descartados (fila cheia ou falha de escrita): as previsões não foram afetadas.`,
          )
        : null,
    ),
    section(
      'Latência',
      'latencia',
      table<EndpointHealth>(
        'Tempo de resposta por endpoint',
        [
          { head: 'Endpoint', rowHeader: true, cell: (e) => e.endpoint },
          { head: 'Pedidos', num: true, cell: (e) => int(e.requests) },
          { head: 'p50', num: true, cell: (e) => ms(e.latency_ms.p50) },
          { head: 'p95', num: true, cell: (e) => ms(e.latency_ms.p95) },
          { head: 'p99', num: true, cell: (e) => ms(e.latency_ms.p99) },
          { head: 'Erros do servidor', num: true, cell: (e) => pct(e.error_rate) },
        ],
        [...s.endpoints, { ...t, endpoint: 'total' }],
      ),
    ),
  ];
}

function scoreSection(d: DriftReport): HTMLElement {
  const bins = d.score.bins ?? [];
  // The score's bins are fixed 0.1-wide intervals; their centre is where each share is drawn.
  const centre = (i: number) => {
    const b = bins[i]!;
    const lo = b.lo ?? Math.max(0, (b.hi ?? 0) - 0.1);
    const hi = b.hi ?? Math.min(1, lo + 0.1);
    return (Math.max(0, lo) + Math.min(1, hi)) / 2;
  };
  return section(
    'Distribuição dos escores',
    'escores',
    h(
      'p',
      null,
      `Alunos sinalizados: ${pct(d.positive_rate.current)} agora, ${pct(d.positive_rate.baseline)} no treino. Situação do escore: `,
      light(d.score.status),
      '.',
    ),
    bins.length > 1
      ? lineChart({
          title: 'Escores: treino × agora',
          description: `Proporção de alunos em cada faixa de escore no treino e no período. PSI do escore ${num3(d.score.psi)}.`,
          xLabel: 'Escore',
          yLabel: 'Proporção de alunos',
          columns: ['Escore (centro da faixa)', 'Proporção agora'],
          series: [
            { name: 'agora', points: bins.map((b, i) => [centre(i), b.current]), kind: 'model', dots: true },
            { name: 'treino', points: bins.map((b, i) => [centre(i), b.baseline]), kind: 'reference' },
          ],
        })
      : null,
  );
}

function driftSection(d: DriftReport): HTMLElement {
  const moved = d.share_behind;
  return section(
    'Mudança nos dados (drift) por atributo',
    'drift',
    h(
      'p',
      null,
      `Modelo ${d.model_version}, ${int(d.records)} alunos ${windowText(d.window)}. Situação geral: `,
      light(d.status),
      '.',
    ),
    moved && moved.current != null
      ? h('p', null, `Alunos já atrasados: ${pct(moved.current)} agora, ${pct(moved.baseline)} no treino.`)
      : null,
    table<FieldDrift>(
      'Atributos, do que mais mudou para o que menos mudou (PSI a partir de 0,10: amarelo, acompanhar; a partir de 0,25: vermelho, investigar)',
      [
        {
          head: 'Atributo',
          rowHeader: true,
          cell: (f) => [
            f.description || f.field,
            f.counted ? null : h('span', { class: 'muted small' }, ' (não conta na situação geral)'),
          ],
        },
        { head: 'PSI', num: true, cell: (f) => num3(f.psi) },
        {
          head: 'Ausentes (treino → agora)',
          num: true,
          cell: (f) => `${pct(f.missing_rate.baseline)} → ${pct(f.missing_rate.current)}`,
        },
        { head: 'Semáforo', cell: (f) => light(f.status, true) },
        { head: 'Valores novos', cell: (f) => (f.unseen.length ? f.unseen.join(', ') : DASH) },
      ],
      [...d.fields].sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1)),
    ),
  );
}

function outcomesSection(o: OutcomeReport | null): HTMLElement {
  if (!o || o.versions.length === 0)
    return section(
      'Resultados observados',
      'resultados',
      empty(
        'Resultados reais: ainda não se sabe. Eles só existem quando a planilha do ano seguinte chega.',
        h(
          'p',
          null,
          'Quando a planilha do PEDE do ano seguinte chegar: ',
          code('defasagem monitor outcomes --source PEDE.xlsx'),
          '.',
        ),
      ),
    );
  return section(
    'Resultados observados',
    'resultados',
    o.alerts.map((a) => notice('warn', a.message)),
    table(
      `Recall e precisão reais (${int(o.matched)} alunos com resultado conhecido)`,
      [
        { head: 'Versão', rowHeader: true, cell: (v: OutcomeReport['versions'][number]) => v.model_version },
        { head: 'Alunos', num: true, cell: (v) => int(v.overall.n) },
        { head: 'Recall', num: true, cell: (v) => pct(v.overall.recall) },
        { head: 'Precisão', num: true, cell: (v) => pct(v.overall.precision) },
      ],
      o.versions,
    ),
  );
}

const OFF_CODE = 'DEF_ERR_MONITOR_MONITORING_OFF';

/** The calm notice of a server whose monitoring is switched off or absent, with what to set. */
function monitoringOff(state: 'off' | 'absent'): HTMLElement {
  return notice(
    'info',
    h(
      'p',
      { 'data-testid': 'monitoring-off' },
      h('strong', null, 'Monitoramento desativado neste servidor. '),
      state === 'off'
        ? 'Ele foi desligado com MONITOR_PRIVACY_MODE=off: nenhuma previsão é registrada. '
        : 'Este servidor foi iniciado sem monitoramento. ',
      'Para ligar, inicie o servidor (',
      code('defasagem serve'),
      ') com ',
      code('MONITOR_PRIVACY_MODE=aggregate_only'),
      ' (o padrão: só contagens e distribuições, nenhum aluno guardado) e uma pasta gravável em ',
      code('MONITOR_DATA_DIR'),
      '. As previsões funcionam normalmente sem ele.',
    ),
  );
}

/** One endpoint's report, or the error box in its place (one failing report never blanks the page). */
async function fetched<T>(on: boolean, path: string): Promise<T | null | HTMLElement> {
  if (!on) return null;
  try {
    return await api<T>(path);
  } catch (err) {
    // Switched off after the page read its config: the same calm notice, not an error.
    if (err instanceof ApiError && err.code === OFF_CODE) return monitoringOff('off');
    return errorBox(err);
  }
}

/** The hourly series summed per day (São Paulo time), newest first. */
function byDay(s: MonitoringSeries) {
  const day = new Intl.DateTimeFormat('pt-BR', { timeZone: 'America/Sao_Paulo', dateStyle: 'short' });
  const out = new Map<
    string,
    { day: string; requests: number; errors: number; students: number; flagged: number } & HourPoint['bands']
  >();
  for (const p of s.hours) {
    const k = day.format(new Date(p.t));
    const d = out.get(k) ?? {
      day: k,
      requests: 0,
      errors: 0,
      students: 0,
      flagged: 0,
      alto: 0,
      medio: 0,
      baixo: 0,
    };
    d.requests += p.requests;
    d.errors += p.errors;
    d.students += p.students;
    d.flagged += p.flagged;
    d.alto += p.bands.alto;
    d.medio += p.bands.medio;
    d.baixo += p.bands.baixo;
    out.set(k, d);
  }
  return [...out.values()].filter((d) => d.requests + d.students > 0).reverse();
}

function seriesSection(s: MonitoringSeries): HTMLElement {
  const days = byDay(s);
  const share = (n: number, d: { students: number }) => (d.students ? pct(n / d.students) : DASH);
  return section(
    'Ao longo do tempo',
    'tempo',
    days.length === 0
      ? empty(`Nenhum pedido ${windowText(s.window)}.`)
      : table(
          `Pedidos e escores por dia ${windowText(s.window)} (faixas: proporção dos alunos pontuados no dia)`,
          [
            { head: 'Dia', rowHeader: true, cell: (d: ReturnType<typeof byDay>[number]) => d.day },
            { head: 'Pedidos', num: true, cell: (d) => int(d.requests) },
            { head: 'Erros do servidor', num: true, cell: (d) => int(d.errors) },
            { head: 'Alunos pontuados', num: true, cell: (d) => int(d.students) },
            { head: 'Sinalizados', num: true, cell: (d) => share(d.flagged, d) },
            { head: 'Faixa alta', num: true, cell: (d) => share(d.alto, d) },
            { head: 'Faixa média', num: true, cell: (d) => share(d.medio, d) },
            { head: 'Faixa baixa', num: true, cell: (d) => share(d.baixo, d) },
          ],
          days,
          { 'data-testid': 'series' },
        ),
  );
}

const notYet = (title: string, id: string, what: string): HTMLElement =>
  section(title, id, h('p', { class: 'muted' }, what), empty('Ainda não disponível neste servidor.'));

async function renderMonitoring(main: HTMLElement, ctx: AppContext): Promise<void> {
  const f = ctx.features;
  if (ctx.monitoring !== 'on') {
    main.append(monitoringOff(ctx.monitoring));
    return;
  }
  const [slo, drift, outcomes, series] = await Promise.all([
    fetched<ServiceHealth>(f.slo, '/monitoring/slo'),
    fetched<DriftReport>(f.drift, '/monitoring/drift'),
    fetched<OutcomeReport>(f.outcomes, '/monitoring/outcomes'),
    fetched<MonitoringSeries>(f.series, '/monitoring/series'),
  ]);
  const parts: Child[] = [];
  if (slo instanceof HTMLElement) parts.push(section('Tráfego, erros e latência', 'trafego', slo));
  else if (slo) parts.push(...health(slo));
  else
    parts.push(
      notYet('Tráfego e erros', 'trafego', 'Pedidos por endpoint e taxa de erros no período.'),
      notYet('Latência', 'latencia', 'Tempo de resposta da API (p50, p95, p99).'),
    );
  if (drift instanceof HTMLElement) parts.push(section('Escores e drift', 'drift', drift));
  else if (drift) parts.push(scoreSection(drift), driftSection(drift));
  else
    parts.push(
      notYet(
        'Distribuição dos escores',
        'escores',
        'Proporção de alunos por faixa de escore, comparada ao treino.',
      ),
      notYet(
        'Mudança nos dados (drift) por atributo',
        'drift',
        'Cada atributo com um semáforo: verde estável, amarelo mudança moderada, vermelho mudança forte.',
      ),
    );
  if (series instanceof HTMLElement) parts.push(section('Ao longo do tempo', 'tempo', series));
  else if (series) parts.push(seriesSection(series));
  parts.push(
    outcomes instanceof HTMLElement
      ? section('Resultados observados', 'resultados', outcomes)
      : outcomesSection(outcomes),
  );
  main.append(...(parts as Node[]));
}

export const monitoringPage: Page = {
  path: 'monitoramento',
  title: 'Monitoramento',
  render: (main, ctx) => withLoading(main, 'o monitoramento', () => renderMonitoring(main, ctx)),
};
