/**
 * Hand-made SVG charts (lighter than any chart library and fully ours to make accessible): each is a
 * <figure> whose SVG has a title and a description for screen readers, with the numbers behind it in
 * a table under "Ver os dados em tabela".
 */
import { h, s, uid } from './dom';
import { num3 } from './format';
import type { Point } from './types';

const W = 440;
const H = 320;
const M = { left: 56, right: 18, top: 16, bottom: 52 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const X = (x: number) => M.left + Math.min(1, Math.max(0, x)) * PW;
const Y = (y: number) => M.top + (1 - Math.min(1, Math.max(0, y))) * PH;
const f1 = (v: number) => v.toFixed(1);
const tick = new Intl.NumberFormat('pt-BR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export interface Series {
  name: string;
  points: Point[];
  /** CSS class: colour and dash come from the stylesheet. */
  kind: 'model' | 'reference';
  dots?: boolean;
}

export interface LineChartSpec {
  title: string;
  /** One or two sentences a screen reader reads instead of the picture. */
  description: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  marker?: { x: number; y: number; label: string };
  /** Column headers of the data table (x, y). */
  columns: [string, string];
}

function axes(xLabel: string, yLabel: string): SVGElement[] {
  const out: SVGElement[] = [];
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    out.push(
      s('line', { x1: f1(X(v)), y1: f1(Y(0)), x2: f1(X(v)), y2: f1(Y(1)), class: 'grid' }),
      s('line', { x1: f1(X(0)), y1: f1(Y(v)), x2: f1(X(1)), y2: f1(Y(v)), class: 'grid' }),
      s('text', { x: f1(X(v)), y: f1(Y(0) + 16), 'text-anchor': 'middle', class: 'tick' }, tick.format(v)),
      s('text', { x: f1(X(0) - 8), y: f1(Y(v) + 4), 'text-anchor': 'end', class: 'tick' }, tick.format(v)),
    );
  }
  out.push(
    s('line', { x1: f1(X(0)), y1: f1(Y(0)), x2: f1(X(1)), y2: f1(Y(0)), class: 'axis' }),
    s('line', { x1: f1(X(0)), y1: f1(Y(0)), x2: f1(X(0)), y2: f1(Y(1)), class: 'axis' }),
    s('text', { x: f1(M.left + PW / 2), y: f1(H - 10), 'text-anchor': 'middle', class: 'label' }, xLabel),
    s(
      'text',
      {
        x: 14,
        y: f1(M.top + PH / 2),
        'text-anchor': 'middle',
        transform: `rotate(-90 14 ${f1(M.top + PH / 2)})`,
        class: 'label',
      },
      yLabel,
    ),
  );
  return out;
}

/** At most `max` rows for the table alternative, evenly spaced, first and last kept. */
function thin(points: Point[], max = 24): Point[] {
  if (points.length <= max) return points;
  return Array.from({ length: max }, (_, k) => points[Math.round((k * (points.length - 1)) / (max - 1))]!);
}

/**
 * The numbers behind a chart, folded under "Ver os dados em tabela": a header row, then one row per
 * entry whose first cell names it (a row header when it is a label, a number otherwise).
 */
function dataTable(
  caption: string,
  columns: [string, string],
  rows: Array<[string, number]>,
  labelled: boolean,
): HTMLElement {
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', null, 'Ver os dados em tabela'),
    h(
      'table',
      null,
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col', class: labelled ? null : 'num' }, columns[0]),
          h('th', { scope: 'col', class: 'num' }, columns[1]),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map(([name, v]) =>
          h(
            'tr',
            null,
            labelled ? h('th', { scope: 'row' }, name) : h('td', { class: 'num' }, name),
            h('td', { class: 'num' }, num3(v)),
          ),
        ),
      ),
    ),
  );
}

export function lineChart(spec: LineChartSpec): HTMLElement {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const paths = spec.series.map((sr) =>
    s(
      'g',
      { class: `series series-${sr.kind}` },
      s('polyline', { points: sr.points.map(([x, y]) => `${f1(X(x))},${f1(Y(y))}`).join(' '), fill: 'none' }),
      sr.dots ? sr.points.map(([x, y]) => s('circle', { cx: f1(X(x)), cy: f1(Y(y)), r: 3.5 })) : null,
    ),
  );
  const m = spec.marker;
  const marker = m
    ? s(
        'g',
        { class: 'marker' },
        s('circle', { cx: f1(X(m.x)), cy: f1(Y(m.y)), r: 6 }),
        s(
          'text',
          {
            x: f1(X(m.x) + (m.x > 0.6 ? -10 : 10)),
            y: f1(Y(m.y) + (m.y > 0.85 ? 20 : -10)),
            'text-anchor': m.x > 0.6 ? 'end' : 'start',
          },
          m.label,
        ),
      )
    : null;
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      class: 'chart',
      focusable: 'false',
    },
    s('title', { id: titleId }, spec.title),
    s('desc', { id: descId }, spec.description),
    axes(spec.xLabel, spec.yLabel),
    paths,
    marker,
  );
  const model = spec.series.find((sr) => sr.kind === 'model');
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', null, spec.title),
    svg,
    legend(spec.series, m?.label),
    model
      ? dataTable(
          spec.title,
          spec.columns,
          thin(model.points).map(([x, y]) => [num3(x), y]),
          false,
        )
      : null,
  );
}

function legend(series: Series[], markerLabel: string | undefined): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    series.map((sr) =>
      h('li', null, h('span', { class: `swatch swatch-${sr.kind}`, 'aria-hidden': 'true' }), sr.name),
    ),
    markerLabel
      ? h('li', null, h('span', { class: 'swatch swatch-marker', 'aria-hidden': 'true' }), markerLabel)
      : null,
  );
}

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, longest first, values printed at the end of each bar. */
export function barChart(title: string, description: string, bars: Bar[], valueHead: string): HTMLElement {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const row = 26;
  const labelW = 250;
  const width = 640;
  const height = bars.length * row + 12;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const scale = (v: number) => (v / max) * (width - labelW - 70);
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      class: 'chart bars',
      focusable: 'false',
    },
    s('title', { id: titleId }, title),
    s('desc', { id: descId }, description),
    bars.map((b, i) => {
      const y = 6 + i * row;
      return s(
        'g',
        null,
        s('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end', class: 'tick' }, b.label),
        s('rect', {
          x: labelW,
          y: y + 3,
          width: f1(Math.max(1, scale(b.value))),
          height: row - 8,
          class: 'bar',
        }),
        s('text', { x: f1(labelW + scale(b.value) + 6), y: y + 15, class: 'tick' }, num3(b.value)),
      );
    }),
  );
  return h(
    'figure',
    { class: 'chart-figure wide' },
    h('figcaption', null, title),
    svg,
    dataTable(
      title,
      ['Fator', valueHead],
      bars.map((b) => [b.label, b.value]),
      true,
    ),
  );
}

/**
 * A chart the training report drew (SVG, with its own title), shown as an image: it can never run
 * anything in the page. `alt` says what it shows in words.
 */
export function reportImage(svg: string, alt: string, note: string): HTMLElement {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  return h(
    'figure',
    { class: 'chart-figure' },
    h('img', { src: url, alt, class: 'report-chart' }),
    h('figcaption', { class: 'muted small' }, note),
  );
}
