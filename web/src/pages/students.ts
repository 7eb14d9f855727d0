/**
 * Alunos: upload a PEDE workbook or CSV (or score the latest ingested cohort) → a ranked table with
 * search and filters, each student's factors in a side panel, a capacity control and an export.
 *
 * The scoring endpoint (POST /score, issue 12) is built separately; this page is wired to the contract
 * in docs/dashboard.md and says so plainly while the server does not have it. Names, when the file
 * has them, live only in this page's memory: never stored, never sent anywhere else.
 */

import type { Factor, RiskBand } from '../../../src/model/types';
import { api, isMissingEndpoint, request } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { int, num3 } from '../format';
import type { Page } from '../router';
import { empty, errorBox, loading, notice, section } from '../ui';

export interface ScoredStudent {
  rank: number;
  ra?: string | null;
  nome?: string | null;
  turma?: string | null;
  fase?: number | string | null;
  risk_score: number;
  risk_band: RiskBand;
  risk_label: 0 | 1;
  top_factors: Factor[];
}

export interface ScoreResponse {
  model_version: string;
  year?: number | null;
  students: ScoredStudent[];
  rejected?: Array<{ row: number; reason: string }>;
}

const BAND_PT = { alto: 'Alto', medio: 'Médio', baixo: 'Baixo' } as const;

/** The page's state: the last scored cohort, the filters and the capacity. Memory only. */
interface State {
  data: ScoreResponse | null;
  search: string;
  fase: string;
  turma: string;
  band: string;
  capacity: number | null;
  selected: ScoredStudent | null;
}

const state: State = {
  data: null,
  search: '',
  fase: '',
  turma: '',
  band: '',
  capacity: null,
  selected: null,
};

function filtered(s: State): ScoredStudent[] {
  const q = s.search.trim().toLowerCase();
  return (s.data?.students ?? []).filter(
    (r) =>
      (!q || [r.ra, r.nome, r.turma].some((v) => v != null && String(v).toLowerCase().includes(q))) &&
      (!s.fase || String(r.fase) === s.fase) &&
      (!s.turma || r.turma === s.turma) &&
      (!s.band || r.risk_band === s.band),
  );
}

/** "IDA (desempenho acadêmico) é 4,1: aumenta o risco". */
export function factorSentence(f: Factor): string {
  const v =
    f.value == null
      ? 'ausente'
      : typeof f.value === 'number'
        ? num3(f.value).replace(/,?0+$/, '').replace(/,$/, '')
        : f.value;
  return `${f.label} = ${v}: ${f.direction === 'aumenta' ? 'aumenta' : 'reduz'} o risco`;
}

/** CSV a Portuguese Excel opens as columns: `;` separated, decimal comma, UTF-8 with BOM. */
export function toCsv(rows: ScoredStudent[], capacity: number | null): string {
  const esc = (v: unknown) => {
    const t = v == null ? '' : String(v);
    return /[;"\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  const hasNames = rows.some((r) => r.nome);
  const head = [
    'posição',
    'RA',
    ...(hasNames ? ['nome'] : []),
    'turma',
    'fase',
    'escore',
    'faixa',
    capacity ? 'dentro da capacidade' : 'sinalizado',
    'fatores',
  ];
  const lines = rows.map((r) =>
    [
      r.rank,
      r.ra,
      ...(hasNames ? [r.nome] : []),
      r.turma,
      r.fase,
      r.risk_score.toFixed(3).replace('.', ','),
      BAND_PT[r.risk_band],
      capacity ? (r.rank <= capacity ? 'sim' : 'não') : r.risk_label ? 'sim' : 'não',
      r.top_factors.map(factorSentence).join(' | '),
    ]
      .map(esc)
      .join(';'),
  );
  return `\ufeff${[head.join(';'), ...lines].join('\r\n')}\r\n`;
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function sidePanel(r: ScoredStudent | null, close: () => void): HTMLElement {
  if (!r) return h('aside', { class: 'side-panel', 'aria-label': 'Fatores do aluno', hidden: true });
  return h(
    'aside',
    { class: 'side-panel', 'aria-labelledby': 'painel-aluno' },
    h(
      'h3',
      { id: 'painel-aluno', tabindex: -1 },
      `${r.nome ?? r.ra ?? `Aluno ${r.rank}`} — ${BAND_PT[r.risk_band]} (${num3(r.risk_score)})`,
    ),
    h(
      'p',
      null,
      `Posição ${r.rank} na lista${r.turma ? `, turma ${r.turma}` : ''}${r.fase != null ? `, fase ${r.fase}` : ''}.`,
    ),
    r.top_factors.length === 0
      ? h('p', { class: 'muted' }, 'Sem fatores para este aluno.')
      : h(
          'ul',
          { class: 'factors' },
          r.top_factors.map((f) =>
            h(
              'li',
              { class: f.direction === 'aumenta' ? 'up' : 'down' },
              `${f.direction === 'aumenta' ? '▲' : '▼'} ${factorSentence(f)}`,
            ),
          ),
        ),
    h('button', { type: 'button', class: 'btn btn-secondary', onclick: close }, 'Fechar'),
  );
}

function studentsTable(
  rows: ScoredStudent[],
  capacity: number | null,
  open: (r: ScoredStudent) => void,
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
            'Escore',
            'Faixa',
            capacity ? 'Capacidade' : 'Sinalizado',
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
            { class: capacity && r.rank <= capacity ? 'in-capacity' : null },
            h('td', { class: 'num' }, r.rank),
            h('th', { scope: 'row' }, r.ra ?? '—'),
            names ? h('td', null, r.nome ?? '') : null,
            h('td', null, r.turma ?? '—'),
            h('td', null, r.fase ?? '—'),
            h('td', { class: 'num' }, num3(r.risk_score)),
            h('td', null, h('span', { class: `band-tag band-${r.risk_band}` }, BAND_PT[r.risk_band])),
            h('td', null, capacity ? (r.rank <= capacity ? 'dentro' : 'fora') : r.risk_label ? 'sim' : 'não'),
            h(
              'td',
              null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'btn btn-small',
                  'aria-label': `Ver fatores de ${r.nome ?? r.ra ?? `aluno ${r.rank}`}`,
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
  const uniq = (xs: Array<string | number | null | undefined>) =>
    [...new Set(xs.filter((x) => x != null).map(String))].sort((a, b) =>
      a.localeCompare(b, 'pt-BR', { numeric: true }),
    );
  const rerender = () => renderResults(out);
  const searchId = uid('busca');
  const capId = uid('capacidade');
  const cap = state.capacity;
  const inCap = cap ? data.students.filter((r) => r.rank <= cap) : [];
  replaceChildren(
    out,
    h(
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
        uniq(data.students.map((r) => r.fase)).map((f) => [f, f]),
        (v) => {
          state.fase = v;
          rerender();
        },
      ),
      select(
        'Turma',
        state.turma,
        uniq(data.students.map((r) => r.turma)).map((t) => [t, t]),
        (v) => {
          state.turma = v;
          rerender();
        },
      ),
      select(
        'Faixa',
        state.band,
        [
          ['alto', 'Alto'],
          ['medio', 'Médio'],
          ['baixo', 'Baixo'],
        ],
        (v) => {
          state.band = v;
          rerender();
        },
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
          value: cap ?? '',
          onchange: (e: Event) => {
            const n = Number((e.target as HTMLInputElement).value);
            state.capacity = Number.isInteger(n) && n > 0 ? n : null;
            rerender();
          },
        }),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-secondary',
          onclick: () => download(`alunos_${data.model_version}.csv`, toCsv(rows, cap)),
        },
        'Exportar CSV',
      ),
    ),
    cap
      ? notice(
          'info',
          `Os ${int(cap)} primeiros da lista: ${int(inCap.filter((r) => r.risk_band === 'alto').length)} na faixa alta, ${int(inCap.filter((r) => r.risk_band === 'medio').length)} na média, ${int(inCap.filter((r) => r.risk_band === 'baixo').length)} na baixa.`,
        )
      : null,
    h(
      'div',
      { class: 'results' },
      studentsTable(rows, cap, (r) => {
        state.selected = r;
        rerender();
        (document.getElementById('painel-aluno') as HTMLElement | null)?.focus();
      }),
      sidePanel(state.selected, () => {
        state.selected = null;
        rerender();
      }),
    ),
    data.rejected?.length
      ? notice('warn', `${int(data.rejected.length)} linhas não puderam ser pontuadas (dados inválidos).`)
      : null,
  );
}

async function score(out: HTMLElement, status: HTMLElement, form: FormData | null): Promise<void> {
  replaceChildren(status, loading('a pontuação'));
  try {
    state.data = form
      ? await (await request('/score', { method: 'POST', form })).json()
      : await api<ScoreResponse>('/score', { method: 'POST', body: { cohort: 'latest' } });
    state.selected = null;
    replaceChildren(
      status,
      notice(
        'ok',
        `${int(state.data?.students.length)} alunos pontuados pelo modelo ${state.data?.model_version}.`,
      ),
    );
  } catch (err) {
    replaceChildren(
      status,
      isMissingEndpoint(err)
        ? notice(
            'info',
            'A pontuação de turmas ainda não está disponível neste servidor (POST /score). A lista aparecerá aqui quando estiver.',
          )
        : errorBox(err),
    );
  }
  renderResults(out);
}

export const studentsPage: Page = {
  path: 'alunos',
  title: 'Alunos',
  async render(main, ctx) {
    const out = h('div', { 'aria-live': 'polite' });
    const available = ctx.features.score;
    const status = h('div');
    const fileId = uid('arquivo');
    const namesId = uid('nomes');
    const file = h('input', {
      id: fileId,
      type: 'file',
      accept: '.xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv',
      required: true,
    });
    const names = h('input', { id: namesId, type: 'checkbox' });
    const submit = (ev: Event) => {
      ev.preventDefault();
      const f = file.files?.[0];
      if (!f) return;
      const form = new FormData();
      form.append('file', f);
      if (names.checked) form.append('include_names', 'true');
      void score(out, status, form);
    };
    main.append(
      section(
        'Pontuar uma turma',
        'pontuar',
        h(
          'p',
          null,
          `Envie a planilha do PEDE (.xlsx) ou um CSV. Os nomes, se a planilha tiver, ficam só nesta aba do navegador: não são guardados.`,
        ),
        h(
          'form',
          { class: 'inline-form', onsubmit: submit },
          h('div', { class: 'field' }, h('label', { for: fileId }, 'Planilha ou CSV'), file),
          h('div', { class: 'field check' }, names, h('label', { for: namesId }, 'Mostrar nomes')),
          h('button', { type: 'submit', class: 'btn', disabled: !available }, 'Pontuar'),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-secondary',
              disabled: !available,
              onclick: () => void score(out, status, null),
            },
            'Pontuar a turma mais recente já carregada',
          ),
        ),
        status,
        available
          ? null
          : notice(
              'info',
              'A pontuação de turmas ainda não está disponível neste servidor (POST /score): a lista aparecerá aqui quando estiver.',
            ),
      ),
      section('Lista de alunos', 'lista', out),
    );
    renderResults(out);
  },
};
