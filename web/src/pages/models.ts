/**
 * Modelos: every registered version with its metrics side by side, the diff of two versions (metrics,
 * signature, the semver verdict), the champion's history, and promote / rollback for an admin key
 * behind a confirmation that states the guardrail results and asks for a reason.
 */
import { api } from '../api';
import { type Child, h, replaceChildren, uid } from '../dom';
import { DASH, date, LEARNER_PT, LOWER_IS_BETTER, METRIC_PT, num3, signed3 } from '../format';
import type { AppContext, Page } from '../router';
import type { Change, HistoryEntry, MetricDelta, RegistryOverview, VersionDiff, VersionRow } from '../types';
import {
  code,
  empty,
  errorBox,
  loading,
  NO_REGISTRY,
  notice,
  section,
  table,
  verdict,
  withLoading,
} from '../ui';
import { openMoveDialog } from './move-dialog';

const TABLE_METRICS = ['roc_auc', 'pr_auc', 'precision', 'recall', 'brier'];

const BUMP_PT: Record<string, string> = {
  patch: 'PATCH (correção)',
  minor: 'MINOR (compatível)',
  major: 'MAJOR (incompatível)',
  none: 'nenhum',
};

function versionsTable(o: RegistryOverview, ctx: AppContext, onMoved: (text: string) => void): HTMLElement {
  const move = (v: string) => openMoveDialog({ action: 'promote', target: v, overview: o, ctx, onMoved });
  return table<VersionRow>(
    'Versões registradas, da mais antiga para a mais nova (métricas no ano de teste)',
    [
      {
        head: 'Versão',
        rowHeader: true,
        cell: (v) => [
          v.version,
          v.is_champion ? h('span', { class: 'tag tag-champion' }, '★ campeão') : null,
        ],
      },
      { head: 'Registrada em', cell: (v) => date(v.created_at) },
      ...(ctx.session.role === 'admin' ? [{ head: 'Notas', cell: (v: VersionRow) => v.notes || DASH }] : []),
      { head: 'Modelo', cell: (v) => (v.learner ? (LEARNER_PT[v.learner] ?? v.learner) : DASH) },
      ...TABLE_METRICS.map((m) => ({
        head: METRIC_PT[m] ?? m,
        num: true,
        cell: (v: VersionRow) => num3(v.test_metrics?.[m]),
      })),
      {
        head: 'Critérios mínimos',
        cell: (v) =>
          v.guardrails
            ? verdict(v.guardrails.every((g) => g.ok))
            : h('span', { class: 'muted' }, v.readable ? 'sem teste' : 'ilegível'),
      },
      {
        head: h('span', { class: 'sr-only' }, 'Ações'),
        cell: (v) =>
          v.is_champion || !v.readable
            ? null
            : h(
                'button',
                {
                  type: 'button',
                  class: 'btn',
                  onclick: () => move(v.version),
                  'aria-label': `Promover ${v.version} a campeão`,
                },
                'Promover',
              ),
      },
    ],
    o.versions,
    { 'data-testid': 'versions' },
  );
}

function championLine(o: RegistryOverview, ctx: AppContext, onMoved: (text: string) => void): HTMLElement {
  const c = o.champion;
  const back = o.rollback_target;
  return h(
    'div',
    { class: 'champion-line' },
    h(
      'p',
      null,
      'Campeão atual: ',
      h('strong', { 'data-testid': 'models-champion' }, c ? c.version : 'nenhum'),
      c ? ` (desde ${date(c.promoted_at)})` : '',
    ),
    back
      ? h(
          'button',
          {
            type: 'button',
            class: 'btn btn-secondary',
            onclick: () => openMoveDialog({ action: 'rollback', target: back, overview: o, ctx, onMoved }),
          },
          `Voltar para ${back} (rollback)`,
        )
      : h('p', { class: 'muted' }, 'Não há campeão anterior para onde voltar.'),
  );
}

function deltaCell(d: MetricDelta): Child {
  if (d.delta == null) return DASH;
  if (Math.abs(d.delta) < 5e-4) return h('span', { class: 'muted' }, signed3(d.delta));
  const better = LOWER_IS_BETTER.has(d.metric) ? d.delta < 0 : d.delta > 0;
  return h(
    'span',
    { class: better ? 'pass' : 'fail' },
    `${signed3(d.delta)} ${better ? '▲ melhor' : '▼ pior'}`,
  );
}

function changeList(title: string, changes: Change[], none: string): HTMLElement {
  return h(
    'div',
    null,
    h('h4', null, title),
    changes.length === 0
      ? h('p', { class: 'muted' }, none)
      : h(
          'ul',
          null,
          changes.map((c) =>
            h(
              'li',
              null,
              c.detail ?? c.field ?? c.kind ?? '?',
              c.breaking
                ? h('span', { class: 'tag tag-warn' }, 'quebra compatibilidade')
                : c.bump
                  ? h('span', { class: 'tag' }, BUMP_PT[c.bump] ?? c.bump)
                  : null,
            ),
          ),
        ),
  );
}

function diffView(d: VersionDiff): HTMLElement {
  const sv = d.semver;
  const parts = [
    sv.contract_required && `contrato da API: ${BUMP_PT[sv.contract_required] ?? sv.contract_required}`,
    sv.model_required && `modelo: ${BUMP_PT[sv.model_required] ?? sv.model_required}`,
  ].filter(Boolean);
  const order = new Map(Object.keys(METRIC_PT).map((k, i) => [k, i]));
  const rows = [...d.metrics.test].sort((a, b) => (order.get(a.metric) ?? 99) - (order.get(b.metric) ?? 99));
  return h(
    'div',
    { class: 'diff', 'data-testid': 'diff' },
    h('h3', null, `${sv.from} → ${sv.to}`),
    notice(
      sv.ok ? 'ok' : 'warn',
      h(
        'p',
        { class: 'notice-title' },
        sv.ok ? '✓ A numeração da versão está correta.' : '✗ A numeração da versão não cobre as mudanças.',
      ),
      h(
        'p',
        null,
        `As mudanças pedem no mínimo ${BUMP_PT[sv.required] ?? sv.required}${parts.length ? ` (${parts.join('; ')})` : ''}; de ${sv.from} para ${sv.to} o aumento é ${BUMP_PT[sv.actual] ?? sv.actual}.`,
      ),
      sv.warning ? h('p', null, sv.warning) : null,
      h('p', { class: 'tech', lang: 'en' }, sv.verdict),
    ),
    table<MetricDelta>(
      `Métricas no ano de teste: ${d.a} e ${d.b}`,
      [
        { head: 'Métrica', rowHeader: true, cell: (m) => METRIC_PT[m.metric] ?? m.metric },
        { head: d.a, num: true, cell: (m) => num3(m.a) },
        { head: d.b, num: true, cell: (m) => num3(m.b) },
        { head: `Diferença (${d.b} − ${d.a})`, num: true, cell: deltaCell },
      ],
      rows,
    ),
    h(
      'div',
      { class: 'changes' },
      changeList(
        'Assinatura (contrato da API)',
        d.signature.changes,
        d.same_signature
          ? 'Mesma assinatura: clientes da API não percebem a troca.'
          : 'Sem mudanças que afetem os clientes.',
      ),
      d.model
        ? changeList('Modelo', d.model.changes, 'Sem mudanças no modelo que peçam outra numeração.')
        : null,
    ),
  );
}

function compare(o: RegistryOverview): HTMLElement {
  const readable = o.versions.filter((v) => v.readable).map((v) => v.version);
  if (readable.length < 2)
    return section(
      'Comparar duas versões',
      'comparar',
      empty('É preciso ter pelo menos duas versões registradas para comparar.'),
    );
  const out = h('div', { 'aria-live': 'polite' });
  const select = (label: string, chosen: string) => {
    const id = uid('versao');
    const el = h(
      'select',
      { id },
      readable.map((v) => h('option', { value: v, selected: v === chosen }, v)),
    );
    return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
  };
  const champion = o.champion?.version;
  const a = select('Versão A', champion && readable.includes(champion) ? champion : readable.at(-2)!);
  const b = select('Versão B', readable.at(-1) === a.el.value ? readable.at(-2)! : readable.at(-1)!);
  const run = async (ev: Event) => {
    ev.preventDefault();
    replaceChildren(out, loading('a comparação'));
    try {
      const d = await api<VersionDiff>(
        `/registry/diff?a=${encodeURIComponent(a.el.value)}&b=${encodeURIComponent(b.el.value)}`,
      );
      replaceChildren(out, diffView(d));
    } catch (err) {
      replaceChildren(out, errorBox(err));
    }
  };
  return section(
    'Comparar duas versões',
    'comparar',
    h(
      'form',
      { class: 'inline-form', onsubmit: run },
      a.field,
      b.field,
      h('button', { type: 'submit', class: 'btn' }, 'Comparar'),
    ),
    out,
  );
}

const ACTION_PT: Record<string, string> = { promote: 'promoção', rollback: 'volta (rollback)' };

function history(entries: HistoryEntry[], ctx: AppContext): HTMLElement {
  const admin = ctx.session.role === 'admin';
  return section(
    'Histórico do campeão',
    'historico',
    entries.length === 0
      ? empty('Nenhuma troca de campeão registrada ainda.')
      : table<HistoryEntry>(
          'Trocas de campeão, da mais recente para a mais antiga',
          [
            { head: 'Quando', rowHeader: true, cell: (e) => date(e.at) },
            { head: 'Ação', cell: (e) => ACTION_PT[e.action] ?? e.action },
            { head: 'De', cell: (e) => e.from ?? 'nenhum' },
            { head: 'Para', cell: (e) => e.to },
            ...(admin
              ? [
                  { head: 'Por', cell: (e: HistoryEntry) => e.by ?? DASH },
                  { head: 'Motivo', cell: (e: HistoryEntry) => e.reason || DASH },
                ]
              : []),
            {
              head: 'Observação',
              cell: (e) =>
                [
                  e.forced ? 'forçada (critérios ignorados)' : null,
                  e.recovered ? ' recuperada após falha' : null,
                ]
                  .filter(Boolean)
                  .join(';') || DASH,
            },
          ],
          [...entries].reverse(),
          { 'data-testid': 'history' },
        ),
    admin
      ? null
      : h('p', { class: 'muted small' }, 'Quem fez cada troca e o motivo aparecem só com uma chave admin.'),
  );
}

async function renderModels(main: HTMLElement, ctx: AppContext, flash: string | null): Promise<void> {
  const [o, hist] = await Promise.all([
    api<RegistryOverview>('/registry'),
    api<{ entries: HistoryEntry[] }>('/registry/history'),
  ]);
  const onMoved = (text: string) => {
    // Keep the page heading; everything under it is drawn again from the registry.
    replaceChildren(main, main.querySelector('h1'));
    void renderModelsPage(main, ctx, text);
  };
  const g = o.guardrail_minimums;
  if (flash) main.append(notice('ok', h('p', { role: 'status', 'data-testid': 'move-result' }, flash)));
  main.append(
    section(
      'Versões',
      'versoes',
      championLine(o, ctx, onMoved),
      o.versions.length === 0
        ? empty(
            'Nenhuma versão registrada.',
            h(
              'p',
              null,
              'Rode ',
              code('npm start'),
              ' ou ',
              code('defasagem registry register --version v1.0.0 --artifacts artifacts/'),
              '.',
            ),
          )
        : versionsTable(o, ctx, onMoved),
      h(
        'p',
        { class: 'muted small' },
        `Critérios mínimos de promoção (no ano de teste): ROC-AUC ≥ ${num3(g.roc_auc)}, precisão ≥ ${num3(g.precision)}, recall ≥ ${num3(g.recall)}.`,
      ),
      o.champion_problem
        ? notice('error', `O arquivo do campeão está ilegível: ${o.champion_problem}`)
        : null,
    ),
    compare(o),
    history(hist.entries, ctx),
  );
}

function renderModelsPage(main: HTMLElement, ctx: AppContext, flash: string | null): Promise<void> {
  return withLoading(main, 'as versões', () => renderModels(main, ctx, flash), NO_REGISTRY);
}

export const modelsPage: Page = {
  path: 'modelos',
  title: 'Modelos',
  render: (main, ctx) => renderModelsPage(main, ctx, null),
};
