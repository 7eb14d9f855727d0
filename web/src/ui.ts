/** Shared pieces of the pages: sections, notices, error boxes, loading lines and tables. */
import { isMissingEndpoint } from './api';
import { type Child, h } from './dom';
import { errorDetail, errorText } from './messages';

export function section(title: string, id: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export type Tone = 'info' | 'warn' | 'error' | 'ok';

export function notice(tone: Tone, ...children: Child[]): HTMLElement {
  // Errors are announced at once; other notices are read in their place.
  return h('div', { class: `notice notice-${tone}`, role: tone === 'error' ? 'alert' : null }, ...children);
}

export function errorBox(err: unknown, ...extra: Child[]): HTMLElement {
  const detail = errorDetail(err);
  return notice(
    'error',
    h('p', { class: 'notice-title' }, errorText(err)),
    ...extra,
    detail && h('p', { class: 'tech' }, detail),
  );
}

/** An empty state: what is missing and the command or step that fills it. */
export function empty(title: string, ...how: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), ...how);
}

export const loading = (what: string): HTMLElement =>
  h('p', { class: 'loading', role: 'status' }, `Carregando ${what}…`);

export const code = (text: string): HTMLElement => h('code', null, text);

export interface Column<T> {
  head: Child;
  cell: (row: T) => Child;
  /** Right-aligned numbers. */
  num?: boolean;
  /** A row header cell (the row's name for screen readers). */
  rowHeader?: boolean;
}

export function table<T>(
  caption: Child,
  columns: Column<T>[],
  rows: T[],
  attrs: Record<string, string> = {},
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.head)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            columns.map((c) =>
              c.rowHeader
                ? h('th', { scope: 'row', class: c.num ? 'num' : null }, c.cell(r))
                : h('td', { class: c.num ? 'num' : null }, c.cell(r)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A pass/fail word with a symbol, so the result never depends on colour alone. */
export const verdict = (ok: boolean, yes = 'passa', no = 'não passa'): HTMLElement =>
  h('span', { class: ok ? 'pass' : 'fail' }, ok ? `✓ ${yes}` : `✗ ${no}`);

/**
 * Runs a page's drawing with a loading line meanwhile; a failure becomes its error box in the page
 * (a family of routes the server does not have: `missing`, when given).
 */
export async function withLoading(
  main: HTMLElement,
  what: string,
  draw: () => Promise<void>,
  missing?: string,
): Promise<void> {
  const wait = loading(what);
  main.append(wait);
  try {
    await draw();
  } catch (err) {
    main.append(missing && isMissingEndpoint(err) ? notice('error', missing) : errorBox(err));
  } finally {
    wait.remove();
  }
}

export const NO_REGISTRY = 'Este servidor não tem o registro de modelos ligado (rotas /registry ausentes).';
