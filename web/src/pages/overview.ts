/**
 * Visão geral: which model decides, what its score and bands mean, how good it was on the backtest
 * (operating point with intervals, curves, confusion matrix), what weighs most, and for whom it works
 * less well. Everything comes from the champion's registered files through /registry.
 */
import { api } from '../api';
import { barChart, lineChart, reportImage } from '../charts';
import { type Child, h } from '../dom';
import { ciText, date, GROUP_PT, int, LEARNER_PT, levelName, num3, pct, pctCell } from '../format';
import type { Page } from '../router';
import type { Estimate, Evaluation, RegistryOverview, ReportChart, VersionDetail } from '../types';
import { code, empty, NO_REGISTRY, notice, section, table, withLoading } from '../ui';

function championCard(o: RegistryOverview, d: VersionDetail, ev: Evaluation | null): HTMLElement {
  const c = o.champion!;
  const by = c.promoted_by ?? null;
  const serving = o.serving;
  const learner = ev?.learner ? (LEARNER_PT[ev.learner] ?? ev.learner) : null;
  return section(
    'Modelo campeão',
    'campeao',
    h(
      'div',
      { class: 'champion' },
      h('p', { class: 'big', 'data-testid': 'champion-version' }, c.version),
      h(
        'dl',
        { class: 'facts' },
        learner && [h('dt', null, 'Tipo de modelo'), h('dd', null, learner)],
        h('dt', null, c.action === 'rollback' ? 'Voltou a ser campeão em' : 'Promovido em'),
        h('dd', null, date(c.promoted_at)),
        h('dt', null, 'Por'),
        h('dd', null, by ?? h('span', { class: 'muted' }, 'visível só com chave admin')),
        c.reason !== undefined && [h('dt', null, 'Motivo'), h('dd', null, c.reason || '—')],
        c.forced && [
          h('dt', null, 'Critérios'),
          h('dd', null, 'promovido à força, apesar dos critérios mínimos'),
        ],
        h('dt', null, 'Registrado em'),
        h('dd', null, date(d.manifest.created_at)),
      ),
    ),
    serving
      ? serving.version === c.version
        ? h(
            'p',
            { class: 'muted' },
            `Este servidor responde agora com ${serving.version}${serving.follows_champion ? ' e segue o campeão automaticamente.' : '.'}`,
          )
        : notice(
            'warn',
            `Este servidor responde com ${serving.version}, não com o campeão${serving.follows_champion ? ' (a troca está em andamento ou falhou: veja /ready)' : ` (MODEL_VERSION=${serving.requested || '""'} fixa o modelo servido)`}.`,
          )
      : notice('warn', 'Nenhum modelo carregado no servidor agora (veja /ready).'),
    ev?.synthetic
      ? notice(
          'warn',
          h('strong', null, 'Dados sintéticos. '),
          'Este modelo foi treinado com alunos gerados por computador, não com alunos reais: não use para decisões.',
        )
      : null,
  );
}

function meaning(ev: Evaluation): HTMLElement {
  const t = ev.bands?.medio_from ?? ev.threshold;
  const alto = ev.bands?.alto_from ?? null;
  return section(
    'O que o escore significa',
    'escore',
    h(
      'p',
      null,
      'Para cada aluno, o escore é a probabilidade estimada de ele estar ',
      h('strong', null, 'atrasado em relação à fase ideal no ano seguinte'),
      '. Vai de 0 a 1 e é calibrado: entre alunos com escore 0,6, espera-se que cerca de 6 em 10 fiquem atrasados.',
    ),
    t != null
      ? h(
          'ul',
          { class: 'bands' },
          alto != null &&
            h(
              'li',
              { class: 'band band-alto' },
              h('strong', null, 'Alto'),
              ` — escore a partir de ${num3(alto)}: mais provável atrasar do que não; prioridade de acompanhamento.`,
            ),
          h(
            'li',
            { class: 'band band-medio' },
            h('strong', null, 'Médio'),
            ` — de ${num3(t)} até ${alto != null ? num3(alto) : '1'}: o aluno é sinalizado; acompanhar.`,
          ),
          h(
            'li',
            { class: 'band band-baixo' },
            h('strong', null, 'Baixo'),
            ` — abaixo de ${num3(t)}: não sinalizado.`,
          ),
        )
      : notice('warn', 'Os limites das faixas não estão nos arquivos desta versão.'),
    h(
      'p',
      { class: 'muted' },
      'O escore é um alerta para olhar mais de perto, não um diagnóstico: use-o como ponto de partida da conversa com a equipe.',
    ),
  );
}

function stat(
  label: string,
  value: string,
  ci: string | null,
  sentence: Child,
  testid?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'stat', 'data-testid': testid ?? null },
    h('p', { class: 'stat-label' }, label),
    h('p', { class: 'stat-value' }, value),
    ci && h('p', { class: 'stat-ci' }, ci),
    h('p', { class: 'stat-text' }, sentence),
  );
}

const pctStat = (e: Estimate | undefined): [string, string | null] => [pct(e?.value), ciText(e)];

function operatingPoint(ev: Evaluation): HTMLElement {
  const t = ev.test!;
  const c = t.confusion;
  const year = t.label_years.join(', ') || 'de teste';
  const prec = t.metrics.precision?.value ?? null;
  const rec = t.metrics.recall?.value ?? null;
  const flagged = c ? c.tp + c.fp : null;
  return section(
    `Ponto de operação no ano de teste (${year})`,
    'ponto',
    h(
      'p',
      null,
      `O modelo foi avaliado como será usado: desenvolvido só com anos anteriores e testado em ${int(t.n)} alunos que ele nunca viu, dos quais ${int(t.positives)} ficaram atrasados (${pct(t.base_rate)}).`,
      t.mean_predicted != null ? ` Em média, o modelo esperava ${pct(t.mean_predicted)} de atrasados.` : '',
    ),
    h(
      'div',
      { class: 'stats' },
      stat(
        'Sinalizados',
        pct(t.flagged_share),
        null,
        flagged != null ? `${int(flagged)} de ${int(t.n)} alunos.` : '',
        'flagged',
      ),
      stat(
        'Precisão',
        ...pctStat(t.metrics.precision),
        prec != null
          ? `De cada 10 sinalizados, cerca de ${Math.round(prec * 10)} realmente atrasam (sem modelo: ${Math.round((t.base_rate ?? 0) * 10)}).`
          : '',
        'precision',
      ),
      stat(
        'Recall',
        ...pctStat(t.metrics.recall),
        rec != null
          ? `De cada 100 alunos que vão atrasar, o modelo encontra cerca de ${Math.round(rec * 100)}.`
          : '',
        'recall',
      ),
      stat(
        'ROC-AUC',
        num3(t.metrics.roc_auc?.value),
        ciText(t.metrics.roc_auc, num3),
        'Capacidade de ordenar os alunos por risco: 0,5 é o acaso, 1 é perfeito.',
      ),
    ),
    t.threshold != null && ev.threshold != null && Math.abs(t.threshold - ev.threshold) > 1e-9
      ? h(
          'p',
          { class: 'muted small' },
          `Números do modelo de backtest (limiar ${num3(t.threshold)}); o modelo entregue foi reajustado com todos os anos pelo mesmo procedimento (limiar ${num3(ev.threshold)}). IC 95%: intervalo de confiança por reamostragem.`,
        )
      : h('p', { class: 'muted small' }, 'IC 95%: intervalo de confiança por reamostragem (bootstrap).'),
  );
}

function confusionMatrix(ev: Evaluation): HTMLElement | null {
  const c = ev.test?.confusion;
  if (!c) return null;
  const cell = (n: number, what: string) =>
    h('td', { class: 'num' }, h('span', { class: 'cm-n' }, int(n)), h('span', { class: 'cm-what' }, what));
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', null, 'Matriz de confusão (ano de teste)'),
    h(
      'table',
      { class: 'confusion' },
      h('caption', { class: 'sr-only' }, 'Matriz de confusão: alunos por resultado real e decisão do modelo'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('td', null),
          h('th', { scope: 'col' }, 'Sinalizado'),
          h('th', { scope: 'col' }, 'Não sinalizado'),
        ),
      ),
      h(
        'tbody',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, 'Ficou atrasado'),
          cell(c.tp, 'encontrados'),
          cell(c.fn, 'não encontrados'),
        ),
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, 'Não atrasou'),
          cell(c.fp, 'alarmes falsos'),
          cell(c.tn, 'corretamente não sinalizados'),
        ),
      ),
    ),
  );
}

function ownCurves(ev: Evaluation): HTMLElement[] {
  const t = ev.test!;
  const cv = ev.curves!;
  const out: HTMLElement[] = [];
  const prec = t.metrics.precision?.value;
  const rec = t.metrics.recall?.value;
  if (cv.pr)
    out.push(
      lineChart({
        title: 'Precisão × recall (ano de teste)',
        description: `Quanto mais alunos em risco o modelo encontra (recall), menor a precisão. No ponto de operação: recall ${pct(rec)}, precisão ${pct(prec)}; sem modelo a precisão seria a taxa base, ${pct(t.base_rate)}.`,
        xLabel: 'Recall',
        yLabel: 'Precisão',
        columns: ['Recall', 'Precisão'],
        series: [
          { name: 'modelo', points: cv.pr, kind: 'model' },
          ...(t.base_rate != null
            ? [
                {
                  name: 'taxa base (sem modelo)',
                  points: [
                    [0, t.base_rate],
                    [1, t.base_rate],
                  ] as Array<[number, number]>,
                  kind: 'reference' as const,
                },
              ]
            : []),
        ],
        ...(prec != null && rec != null ? { marker: { x: rec, y: prec, label: 'ponto de operação' } } : {}),
      }),
    );
  if (cv.calibration)
    out.push(
      lineChart({
        title: 'Calibração (ano de teste)',
        description:
          'Cada ponto compara a probabilidade prevista de um grupo de alunos com a proporção deles que realmente atrasou; sobre a diagonal, o escore diz a verdade.',
        xLabel: 'Probabilidade prevista',
        yLabel: 'Proporção que atrasou',
        columns: ['Probabilidade prevista', 'Proporção observada'],
        series: [
          { name: 'modelo', points: cv.calibration, kind: 'model', dots: true },
          {
            name: 'calibração perfeita',
            points: [
              [0, 0],
              [1, 1],
            ],
            kind: 'reference',
          },
        ],
      }),
    );
  return out;
}

/** The training report's own charts, when the curves were not stored as data. */
function reportCurves(charts: ReportChart[], ev: Evaluation): HTMLElement[] {
  const t = ev.test;
  const alt: Record<string, string> = {
    pr: `Curva precisão × recall do ano de teste. No ponto de operação: recall ${pct(t?.metrics.recall?.value)}, precisão ${pct(t?.metrics.precision?.value)}; taxa base ${pct(t?.base_rate)}.`,
    calibration: `Curva de calibração do ano de teste: probabilidade prevista contra proporção observada. Erro de calibração (ECE) ${num3(t?.metrics.ece?.value)}.`,
  };
  return charts
    .filter((c) => c.kind === 'pr' || c.kind === 'calibration')
    .map((c) => reportImage(c.svg, alt[c.kind] ?? c.title, 'Gráfico do relatório de treino desta versão.'));
}

function importance(ev: Evaluation, charts: ReportChart[] | null): HTMLElement {
  const body: Child[] = [];
  if (ev.importance)
    body.push(
      barChart(
        'Importância média de cada fator',
        `Os fatores que mais mudam o escore, do maior para o menor: ${ev.importance
          .slice(0, 5)
          .map((i) => i.label)
          .join(', ')}.`,
        ev.importance.slice(0, 15).map((i) => ({ label: i.label, value: i.value })),
        'Contribuição média (absoluta)',
      ),
    );
  else {
    const img = charts?.find((c) => c.kind === 'importance');
    body.push(
      img
        ? reportImage(
            img.svg,
            'Importância média de cada fator no escore (média do valor absoluto da contribuição exata), do relatório de treino.',
            'Gráfico do relatório de treino desta versão.',
          )
        : empty('A importância dos fatores não está nos arquivos desta versão.'),
    );
  }
  return section(
    'O que mais pesa no escore',
    'fatores',
    h(
      'p',
      null,
      'Quanto, em média, cada fator move o escore de um aluno (para cima ou para baixo). Os fatores de cada aluno aparecem na página Alunos.',
    ),
    ...body,
  );
}

function groups(ev: Evaluation): HTMLElement {
  const tables = ev.groups.filter((g) => g.rows.length > 0);
  return section(
    'Resultados por grupo (ano de teste)',
    'grupos',
    h(
      'p',
      null,
      'O mesmo limiar vale para todos. Compare o recall entre os grupos: um grupo com recall bem menor tem alunos em risco que o modelo deixa passar.',
    ),
    tables.length === 0
      ? empty('Os resultados por grupo não estão nos arquivos desta versão.')
      : tables.map((g) => {
          const small = g.rows.filter((r) => r.small).length;
          return h(
            'div',
            { class: 'group' },
            table(
              GROUP_PT[g.field] ?? g.field,
              [
                {
                  head: 'Grupo',
                  rowHeader: true,
                  cell: (r) => [
                    levelName(g.field, r.level),
                    r.small ? h('span', { class: 'small-flag' }, ' ⚠ grupo pequeno') : null,
                  ],
                },
                { head: 'Alunos', num: true, cell: (r) => int(r.n) },
                { head: 'Atrasaram', num: true, cell: (r) => pct(r.base_rate) },
                { head: 'Sinalizados', num: true, cell: (r) => pct(r.flagged_share) },
                { head: 'Recall', num: true, cell: (r) => pctCell(r.metrics.recall) },
                { head: 'Precisão', num: true, cell: (r) => pctCell(r.metrics.precision) },
              ],
              g.rows,
            ),
            small > 0 &&
              notice(
                'warn',
                `${small === 1 ? 'Um grupo tem' : `${small} grupos têm`} menos de 30 alunos (⚠): com tão poucos alunos os números variam muito de um ano para outro; não tire conclusões deles.`,
              ),
          );
        }),
  );
}

async function curvesSection(
  ev: Evaluation,
  d: VersionDetail,
): Promise<{ el: HTMLElement; charts: ReportChart[] | null }> {
  let charts: ReportChart[] | null = null;
  let figures: HTMLElement[] = [];
  if (ev.curves && ev.test) figures = ownCurves(ev);
  else if (d.has_report_charts) {
    charts = (
      await api<{ charts: ReportChart[] }>(
        `/registry/versions/${encodeURIComponent(d.version)}/report-charts`,
      )
    ).charts;
    figures = reportCurves(charts, ev);
  }
  const cm = confusionMatrix(ev);
  return {
    charts,
    el: section(
      'Curvas e matriz de confusão',
      'curvas',
      h('div', { class: 'figures' }, ...figures, cm),
      figures.length === 0 && empty('As curvas deste modelo não estão nos arquivos desta versão.'),
    ),
  };
}

async function renderOverview(main: HTMLElement): Promise<void> {
  const o = await api<RegistryOverview>('/registry');
  if (!o.champion) {
    main.append(
      section(
        'Modelo campeão',
        'campeao',
        o.champion_problem
          ? notice('error', `O arquivo do campeão está ilegível: ${o.champion_problem}`)
          : null,
        empty(
          'Nenhum modelo campeão ainda.',
          h(
            'p',
            null,
            'Rode ',
            code('npm start'),
            ' (na primeira vez ele treina, registra e promove um modelo) ou promova uma versão registrada: ',
            code('defasagem registry promote --version vX.Y.Z'),
            o.versions.length > 0 ? ' — ou pela página Modelos, com uma chave admin.' : '.',
          ),
        ),
      ),
    );
    return;
  }
  const d = await api<VersionDetail>(`/registry/versions/${encodeURIComponent(o.champion.version)}`);
  const ev = d.evaluation;
  main.append(championCard(o, d, ev));
  if (!d.integrity.ok)
    main.append(
      notice(
        'error',
        `A versão ${d.version} falhou na verificação de integridade: ${d.integrity.problems.map((p) => p.message).join('; ')}. Rode `,
        code(`defasagem registry verify ${d.version}`),
        '.',
      ),
    );
  if (!ev) {
    main.append(notice('warn', 'As métricas desta versão (metrics.json) não puderam ser lidas.'));
    return;
  }
  main.append(meaning(ev));
  if (!ev.test) {
    main.append(
      section(
        'Ponto de operação',
        'ponto',
        empty('Esta versão não tem avaliação num ano de teste (não havia um ano posterior para testar).'),
      ),
    );
    return;
  }
  main.append(operatingPoint(ev));
  const curves = await curvesSection(ev, d);
  main.append(curves.el, importance(ev, curves.charts), groups(ev));
}

export const overviewPage: Page = {
  path: 'visao-geral',
  title: 'Visão geral',
  render: (main) => withLoading(main, 'o modelo campeão', () => renderOverview(main), NO_REGISTRY),
};
