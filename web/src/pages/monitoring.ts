/**
 * Monitoramento: traffic, latency, the score distribution over time, drift per feature with a traffic
 * light, and outcomes once known. The monitoring endpoints (issue 13) are built separately: the page
 * asks GET /monitoring/summary (contract in docs/dashboard.md) and, until the server has it, shows
 * each section's empty state.
 */
import { api, isMissingEndpoint } from '../api';
import { h } from '../dom';
import { int, num3, pct } from '../format';
import type { Page } from '../router';
import { empty, errorBox, loading, notice, section, table } from '../ui';

export interface DriftRow {
  feature: string;
  label: string;
  psi: number | null;
  status: 'verde' | 'amarelo' | 'vermelho' | 'sem_dados';
}

export interface MonitoringSummary {
  window: { from: string; to: string };
  traffic: { requests: number; students: number } | null;
  latency: { p50_ms: number; p95_ms: number; p99_ms: number } | null;
  scores: {
    flagged_share: number;
    baseline_flagged_share: number | null;
    bands: Record<string, number>;
  } | null;
  drift: DriftRow[] | null;
  outcomes: { n: number; recall: number | null; precision: number | null } | null;
}

const LIGHT_PT: Record<DriftRow['status'], string> = {
  verde: '● verde: estável',
  amarelo: '● amarelo: mudança moderada',
  vermelho: '● vermelho: mudança forte',
  sem_dados: '○ sem dados suficientes',
};

const SECTIONS: Array<[string, string, string]> = [
  ['Tráfego', 'trafego', 'Pedidos e alunos pontuados por período.'],
  ['Latência', 'latencia', 'Tempo de resposta da API (p50, p95, p99).'],
  [
    'Distribuição dos escores',
    'escores',
    'Proporção de alunos por faixa ao longo do tempo, comparada ao treino.',
  ],
  [
    'Mudança nos dados (drift) por atributo',
    'drift',
    'Cada atributo com um semáforo: verde estável, amarelo mudança moderada, vermelho mudança forte.',
  ],
  [
    'Resultados observados',
    'resultados',
    'Quando o resultado do ano seguinte for conhecido: recall e precisão reais do modelo.',
  ],
];

function shells(message: string): HTMLElement[] {
  return SECTIONS.map(([title, id, what]) =>
    section(title, id, h('p', { class: 'muted' }, what), empty(message)),
  );
}

function filled(m: MonitoringSummary): HTMLElement[] {
  const none = 'Sem dados neste período.';
  return [
    section(
      'Tráfego',
      'trafego',
      m.traffic
        ? h('p', null, `${int(m.traffic.requests)} pedidos, ${int(m.traffic.students)} alunos pontuados.`)
        : empty(none),
    ),
    section(
      'Latência',
      'latencia',
      m.latency
        ? h(
            'p',
            null,
            `p50 ${num3(m.latency.p50_ms)} ms · p95 ${num3(m.latency.p95_ms)} ms · p99 ${num3(m.latency.p99_ms)} ms`,
          )
        : empty(none),
    ),
    section(
      'Distribuição dos escores',
      'escores',
      m.scores
        ? h(
            'p',
            null,
            `Sinalizados: ${pct(m.scores.flagged_share)} (no treino: ${pct(m.scores.baseline_flagged_share)}).`,
          )
        : empty(none),
    ),
    section(
      'Mudança nos dados (drift) por atributo',
      'drift',
      m.drift?.length
        ? table<DriftRow>(
            'Drift por atributo (PSI)',
            [
              { head: 'Atributo', rowHeader: true, cell: (r) => r.label },
              { head: 'PSI', num: true, cell: (r) => num3(r.psi) },
              {
                head: 'Semáforo',
                cell: (r) => h('span', { class: `light light-${r.status}` }, LIGHT_PT[r.status]),
              },
            ],
            m.drift,
          )
        : empty(none),
    ),
    section(
      'Resultados observados',
      'resultados',
      m.outcomes
        ? h(
            'p',
            null,
            `${int(m.outcomes.n)} alunos com resultado conhecido: recall ${pct(m.outcomes.recall)}, precisão ${pct(m.outcomes.precision)}.`,
          )
        : empty('Os resultados do ano seguinte ainda não são conhecidos.'),
    ),
  ];
}

export const monitoringPage: Page = {
  path: 'monitoramento',
  title: 'Monitoramento',
  async render(main, ctx) {
    if (!ctx.features.monitoring) {
      main.append(
        notice('info', 'O monitoramento ainda não está ativo neste servidor.'),
        ...shells('Nada para mostrar ainda.'),
      );
      return;
    }
    const wait = loading('o monitoramento');
    main.append(wait);
    try {
      main.append(...filled(await api<MonitoringSummary>('/monitoring/summary')));
    } catch (err) {
      if (isMissingEndpoint(err))
        main.append(
          notice('info', 'O monitoramento ainda não está ativo neste servidor.'),
          ...shells('Nada para mostrar ainda.'),
        );
      else main.append(errorBox(err), ...shells('Nada para mostrar.'));
    } finally {
      wait.remove();
    }
  },
};
