/**
 * Alunos: upload a PEDE workbook or CSV to POST /score → the ranked table the server answers, with
 * search and filters, each student's factors in a side panel (the model's own Portuguese sentences),
 * a capacity control and two exports: the coordinator's spreadsheet as the server writes it (xlsx,
 * the same endpoint asked for the file) and the filtered list as CSV.
 *
 * The capacity ("we can follow 120 students") is applied here with the same function the server and
 * the CLI use (src/ml/capacity.ts: from the top, a tie at the last place left out whole), so changing
 * it neither sends the file again nor spends the key's rate limit; the xlsx asks the server with it.
 * Names, when asked for and present in the file, live only in this page's memory: never stored in the
 * browser, never sent anywhere but back to the server that read them.
 */

import { flagByCapacity } from '../../../src/ml/capacity';
import type { ScoreAnswerJson, ScoredRowJson } from '../../../src/score/json';
import { request } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { int, pct } from '../format';
import type { Page } from '../router';
import { empty, errorBox, loading, notice, section, table } from '../ui';

export type ScoreAnswer = ScoreAnswerJson;
export type ScoredRow = ScoredRowJson;

const BAND_PT = { alto: 'Alto', medio: 'Médio', baixo: 'Baixo' } as const;
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The page's state: the last scored cohort, its file (for the xlsx), filters, capacity. Memory only. */
interface State {
  data: ScoreAnswer | null;
  file: File | null;
  names: boolean;
  search: string;
  fase: string;
  turma: string;
  band: string;
  capacity: number | null;
  selected: ScoredRow | null;
}

const state: State = {
  data: null,
  file: null,
  names: false,
  search: '',
  fase: '',
  turma: '',
  band: '',
  capacity: null,
  selected: null,
};

function filtered(s: State): ScoredRow[] {
  const q = s.search.trim().toLowerCase();
  return (s.data?.rows ?? []).filter(
    (r) =>
      (!q || [r.ra, r.nome, r.turma].some((v) => v != null && String(v).toLowerCase().includes(q))) &&
      (!s.fase || String(r.fase) === s.fase) &&
      (!s.turma || r.turma === s.turma) &&
      (!s.band || r.risk_band === s.band),
  );
}

/** Who is within a capacity of `count` students: the server's rule, on the ranked rows. */
export function withinCapacity(rows: readonly ScoredRow[], count: number) {
  const r = flagByCapacity(
    rows.map((x) => x.risk_score),
    { kind: 'count', count },
  );
  const ranks = new Set(rows.filter((_, i) => r.flagged[i] === 1).map((x) => x.rank));
  return { ranks, count: r.count, tiesLeftOut: r.tiesLeftOut };
}

/** A text cell a spreadsheet will not run as a formula (CSV injection), quoted when it must be. */
function csvCell(v: unknown): string {
  let t = v == null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(t)) t = `'${t}`;
  return /[;"\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** CSV a Portuguese Excel opens as columns: `;` separated, decimal comma, UTF-8 with BOM. */
export function toCsv(rows: readonly ScoredRow[], inCapacity: ReadonlySet<number> | null): string {
  const hasNames = rows.some((r) => r.nome);
  const head = [
    'posição',
    'RA',
    ...(hasNames ? ['nome'] : []),
    'turma',
    'fase',
    'risco (%)',
    'faixa',
    inCapacity ? 'dentro da capacidade' : 'sinalizado',
    'fatores',
  ];
  const lines = rows.map((r) =>
    [
      r.rank,
      r.ra,
      ...(hasNames ? [r.nome] : []),
      r.turma,
      r.fase,
      (r.risk_score * 100).toFixed(1).replace('.', ','),
      BAND_PT[r.risk_band],
      (inCapacity ? inCapacity.has(r.rank) : r.risk_label === 1) ? 'sim' : 'não',
      r.top_factors.map((f) => f.text).join(' | '),
    ]
      .map(csvCell)
      .join(';'),
  );
  return `\ufeff${[head.join(';'), ...lines].join('\r\n')}\r\n`;
}

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const who = (r: ScoredRow) => r.nome ?? r.ra ?? `aluno ${r.rank}`;
const riskPct = (r: ScoredRow) => pct(r.risk_score);

function sidePanel(r: ScoredRow | null, close: () => void): HTMLElement {
  if (!r) return h('aside', { class: 'side-panel', 'aria-label': 'Fatores do aluno', hidden: true });
  return h(
    'aside',
    {
      class: 'side-panel',
      'aria-labelledby': 'painel-aluno',
      'data-testid': 'student-panel',
      onkeydown: (e: Event) => {
        if ((e as KeyboardEvent).key === 'Escape') close();
      },
    },
    h('h3', { id: 'painel-aluno', tabindex: -1 }, `${who(r)} — ${BAND_PT[r.risk_band]} (${riskPct(r)})`),
    h(
      'p',
      null,
      `Posição ${r.rank} na lista${r.turma ? `, turma ${r.turma}` : ''}${r.fase != null ? `, fase ${r.fase}` : ''}.`,
    ),
    h('p', { class: 'muted small' }, 'O que mais pesou no risco deste aluno, do maior para o menor:'),
    r.top_factors.length === 0
      ? h('p', { class: 'muted' }, 'Sem fatores para este aluno.')
      : h(
          'ul',
          { class: 'factors' },
          r.top_factors.map((f) =>
            h(
              'li',
              { class: f.direction === 'aumenta' ? 'up' : 'down' },
              h('span', { 'aria-hidden': 'true' }, f.direction === 'aumenta' ? '▲ ' : '▼ '),
              f.text,
            ),
          ),
        ),
    r.missing_data.length
      ? h('p', null, `Dados ausentes: ${r.missing_data.join(', ')} (o risco é menos confiável).`)
      : null,
    h('button', { type: 'button', class: 'btn btn-secondary', onclick: close }, 'Fechar'),
  );
}

function studentsTable(
  rows: ScoredRow[],
  inCapacity: ReadonlySet<number> | null,
  open: (r: ScoredRow) => void,
): HTMLElement {
  const names = rows.some((r) => r.nome);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': 'students' },
      h('caption', null, `Alunos do maior para o menor risco (${int(rows.length)})`),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'Posição',
            'RA',
            ...(names ? ['Nome'] : []),
            'Turma',
            'Fase',
            'Risco',
            'Faixa',
            inCapacity ? 'Capacidade' : 'Sinalizado',
            'Fatores',
          ].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            { class: inCapacity?.has(r.rank) ? 'in-capacity' : null },
            h('td', { class: 'num' }, r.rank),
            h('th', { scope: 'row' }, r.ra ?? '—'),
            names ? h('td', null, r.nome ?? '') : null,
            h('td', null, r.turma ?? '—'),
            h('td', null, r.fase ?? '—'),
            h('td', { class: 'num' }, riskPct(r)),
            h('td', null, h('span', { class: `band-tag band-${r.risk_band}` }, BAND_PT[r.risk_band])),
            h(
              'td',
              null,
              inCapacity ? (inCapacity.has(r.rank) ? 'dentro' : 'fora') : r.risk_label ? 'sim' : 'não',
            ),
            h(
              'td',
              null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'btn btn-small',
                  'aria-label': `Ver fatores de ${who(r)}`,
                  onclick: () => open(r),
                },
                'Ver fatores',
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function select(
  label: string,
  value: string,
  options: Array<[string, string]>,
  on: (v: string) => void,
): HTMLElement {
  const id = uid('filtro');
  const el = h(
    'select',
    { id, onchange: (e: Event) => on((e.target as HTMLSelectElement).value) },
    h('option', { value: '' }, 'todas'),
    options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
  );
  return h('div', { class: 'field' }, h('label', { for: id }, label), el);
}

/** The coordinator's spreadsheet as the server writes it (Ranking, Sobre, Rejeitadas), with the capacity. */
async function downloadXlsx(status: HTMLElement): Promise<void> {
  const data = state.data;
  if (!state.file || !data) return;
  const q = new URLSearchParams({ format: 'xlsx' });
  if (state.capacity) q.set('capacity', String(state.capacity));
  if (state.names) q.set('include_names', 'true');
  const form = new FormData();
  form.append('file', state.file);
  replaceChildren(status, loading('a planilha'));
  try {
    const r = await request(`/score?${q}`, { method: 'POST', form, accept: XLSX_MIME });
    download(`alunos_${data.year}_${data.model_version}.xlsx`, await r.blob());
    replaceChildren(status, notice('ok', 'Planilha gerada pelo servidor (abas Ranking e Sobre).'));
  } catch (err) {
    replaceChildren(status, errorBox(err));
  }
}

function filters(data: ScoreAnswer, rerender: () => void): HTMLElement {
  const uniq = (xs: Array<string | number | null | undefined>) =>
    [...new Set(xs.filter((x) => x != null).map(String))].sort((a, b) =>
      a.localeCompare(b, 'pt-BR', { numeric: true }),
    );
  const searchId = uid('busca');
  const capId = uid('capacidade');
  const on = (k: 'fase' | 'turma' | 'band') => (v: string) => {
    state[k] = v;
    rerender();
  };
  return h(
    'div',
    { class: 'filters', role: 'search' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: searchId }, 'Buscar (RA, nome, turma)'),
      h('input', {
        id: searchId,
        type: 'search',
        value: state.search,
        oninput: (e: Event) => {
          state.search = (e.target as HTMLInputElement).value;
          rerender();
          (document.getElementById(searchId) as HTMLInputElement | null)?.focus();
        },
      }),
    ),
    select(
      'Fase',
      state.fase,
      uniq(data.rows.map((r) => r.fase)).map((f) => [f, f]),
      on('fase'),
    ),
    select(
      'Turma',
      state.turma,
      uniq(data.rows.map((r) => r.turma)).map((t) => [t, t]),
      on('turma'),
    ),
    select(
      'Faixa',
      state.band,
      [
        ['alto', 'Alto'],
        ['medio', 'Médio'],
        ['baixo', 'Baixo'],
      ],
      on('band'),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: capId }, 'Conseguimos acompanhar (alunos)'),
      h('input', {
        id: capId,
        type: 'number',
        min: 0,
        step: 1,
        value: state.capacity ?? '',
        onchange: (e: Event) => {
          const n = Number((e.target as HTMLInputElement).value);
          state.capacity = Number.isInteger(n) && n > 0 ? n : null;
          rerender();
          (document.getElementById(capId) as HTMLInputElement | null)?.focus();
        },
      }),
    ),
  );
}

function capacityNotice(data: ScoreAnswer, cap: number, inCap: ReturnType<typeof withinCapacity>) {
  const picked = data.rows.filter((r) => inCap.ranks.has(r.rank));
  const n = (b: string) => int(picked.filter((r) => r.risk_band === b).length);
  return notice(
    'info',
    h(
      'span',
      { 'data-testid': 'capacity-summary' },
      `Dentro da capacidade de ${int(cap)}: ${int(inCap.count)} alunos, do maior risco para o menor (${n('alto')} na faixa alta, ${n('medio')} na média, ${n('baixo')} na baixa).`,
      inCap.tiesLeftOut
        ? ` ${int(inCap.tiesLeftOut)} alunos com exatamente o mesmo risco disputavam a última vaga e ficaram todos de fora, para não passar da capacidade.`
        : '',
    ),
  );
}

function renderResults(out: HTMLElement): void {
  const data = state.data;
  if (!data) {
    replaceChildren(
      out,
      empty(
        'Nenhum aluno pontuado ainda.',
        h(
          'p',
          null,
          'Envie uma planilha do PEDE (.xlsx) ou um CSV acima: a lista aparece aqui, do maior para o menor risco.',
        ),
      ),
    );
    return;
  }
  const rows = filtered(state);
  const rerender = () => renderResults(out);
  const cap = state.capacity;
  const inCap = cap ? withinCapacity(data.rows, cap) : null;
  const exportStatus = h('div', { 'aria-live': 'polite' });
  const selected = state.selected;
  replaceChildren(
    out,
    filters(data, rerender),
    h(
      'div',
      { class: 'inline-form' },
      h(
        'button',
        { type: 'button', class: 'btn btn-secondary', onclick: () => void downloadXlsx(exportStatus) },
        'Baixar planilha completa (.xlsx)',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-secondary',
          onclick: () =>
            download(
              `alunos_${data.year}_${data.model_version}.csv`,
              new Blob([toCsv(rows, inCap?.ranks ?? null)], { type: 'text/csv;charset=utf-8' }),
            ),
        },
        'Exportar CSV (lista filtrada)',
      ),
    ),
    exportStatus,
    cap && inCap ? capacityNotice(data, cap, inCap) : null,
    h(
      'div',
      { class: 'results' },
      studentsTable(rows, inCap?.ranks ?? null, (r) => {
        state.selected = r;
        rerender();
        (document.getElementById('painel-aluno') as HTMLElement | null)?.focus();
      }),
      sidePanel(selected, () => {
        state.selected = null;
        rerender();
        // Back to the button that opened the panel.
        if (selected)
          (
            out.querySelector(
              `button[aria-label="Ver fatores de ${CSS.escape(who(selected))}"]`,
            ) as HTMLElement | null
          )?.focus();
      }),
    ),
  );
}

/** What the server said about the cohort: who scored it, the rule, the rows it could not read. */
function summary(d: ScoreAnswer): HTMLElement[] {
  const rule =
    d.flag_rule === 'capacity'
      ? 'sinalizados pela capacidade pedida'
      : `sinalizados a partir do limiar do modelo (${pct(d.threshold)})`;
  return [
    notice(
      'ok',
      `${int(d.students)} alunos de ${d.year} pontuados pelo modelo ${d.model_version}: ${int(d.flagged)} ${rule}.`,
    ),
    d.synthetic.model || d.synthetic.input
      ? notice(
          'warn',
          d.synthetic.input
            ? 'Estes alunos são sintéticos (dados de demonstração): não são alunos reais.'
            : 'O modelo foi treinado com dados sintéticos: os riscos servem só para demonstração.',
        )
      : null,
    d.rows_rejected
      ? h(
          'div',
          null,
          notice(
            'warn',
            `${int(d.rows_rejected)} linhas não puderam ser lidas e ficaram de fora: corrija-as e envie de novo.`,
          ),
          table(
            'Linhas que ficaram de fora',
            [
              { head: 'Aba', cell: (r: ScoreAnswer['rejects'][number]) => r.sheet },
              { head: 'Linha', num: true, cell: (r) => r.row },
              { head: 'Coluna', cell: (r) => r.column || '—' },
              { head: 'Motivo', cell: (r) => r.reason },
            ],
            d.rejects.slice(0, 50),
          ),
        )
      : null,
  ].filter((x): x is HTMLElement => x !== null);
}

async function score(out: HTMLElement, status: HTMLElement, file: File, names: boolean): Promise<void> {
  replaceChildren(status, loading('a pontuação'));
  const form = new FormData();
  form.append('file', file);
  try {
    const r = await request(`/score${names ? '?include_names=true' : ''}`, { method: 'POST', form });
    state.data = (await r.json()) as ScoreAnswer;
    state.file = file;
    state.names = names;
    state.selected = null;
    replaceChildren(status, ...summary(state.data));
  } catch (err) {
    replaceChildren(status, errorBox(err));
  }
  renderResults(out);
}

export const studentsPage: Page = {
  path: 'alunos',
  title: 'Alunos',
  async render(main, ctx) {
    const out = h('div', { 'aria-live': 'polite' });
    const available = ctx.features.score;
    const status = h('div', { 'data-testid': 'score-status' });
    const fileId = uid('arquivo');
    const namesId = uid('nomes');
    const file = h('input', {
      id: fileId,
      type: 'file',
      accept: `.xlsx,.csv,${XLSX_MIME},text/csv`,
      required: true,
    });
    const names = h('input', { id: namesId, type: 'checkbox', checked: state.names });
    const submit = (ev: Event) => {
      ev.preventDefault();
      const f = file.files?.[0];
      if (f) void score(out, status, f, names.checked);
    };
    main.append(
      section(
        'Pontuar uma turma',
        'pontuar',
        h(
          'p',
          null,
          'Envie a planilha do PEDE (.xlsx, a aba do ano mais recente é a pontuada) ou um CSV exportado dela. Os nomes, se pedidos e se a planilha tiver, ficam só nesta aba do navegador: não são guardados.',
        ),
        h(
          'form',
          { class: 'inline-form', onsubmit: submit },
          h('div', { class: 'field' }, h('label', { for: fileId }, 'Planilha ou CSV'), file),
          h('div', { class: 'field check' }, names, h('label', { for: namesId }, 'Mostrar nomes')),
          h('button', { type: 'submit', class: 'btn', disabled: !available }, 'Pontuar'),
        ),
        status,
        available
          ? null
          : notice(
              'info',
              'A pontuação de turmas (POST /score) não está ligada neste servidor: a lista aparecerá aqui quando estiver.',
            ),
      ),
      section('Lista de alunos', 'lista', out),
    );
    if (state.data) replaceChildren(status, ...summary(state.data));
    renderResults(out);
  },
};
