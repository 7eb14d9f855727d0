/**
 * Tiny SVG charts for the Portuguese HTML report (PR, ROC and calibration curves, feature importance).
 * No dependency and nothing fetched: inline SVG in model_report.html, byte-stable for a seed. Each chart
 * carries a <title> and a <desc> (what it shows, in words) for screen readers.
 */

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  color: string;
  dashed?: boolean;
  /** Draw dots at the points (for calibration bins). */
  dots?: boolean;
}

export interface Marker {
  x: number;
  y: number;
  label: string;
}

/** What every chart has: an id (unique in the page), a title and a description in words. */
export interface ChartText {
  id: string;
  title: string;
  /** What the chart shows, in words: read by screen readers and printed under the chart. */
  description: string;
}

export interface ChartSpec extends ChartText {
  xLabel: string;
  yLabel: string;
  series: Series[];
  markers?: Marker[];
  /** Where the legend goes: the corner the curves leave empty (ROC and calibration: bottom-right). */
  legend?: 'top-right' | 'bottom-right';
}

const W = 420;
const H = 320;
const M = { left: 52, right: 16, top: 28, bottom: 46 };

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (v: number): string => (Math.round(v * 10) / 10).toString();

/** The opening tag, <title> and <desc> of an accessible chart. */
function open(t: ChartText, width: number, height: number): string[] {
  return [
    `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-labelledby="${t.id}-title ${t.id}-desc">`,
    `<title id="${t.id}-title">${esc(t.title)}</title>`,
    `<desc id="${t.id}-desc">${esc(t.description)}</desc>`,
  ];
}

/** A unit-square chart (both axes 0..1), as one line of SVG. */
export function lineChart(spec: ChartSpec): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (x: number): number => M.left + Math.min(1, Math.max(0, x)) * pw;
  const Y = (y: number): number => M.top + (1 - Math.min(1, Math.max(0, y))) * ph;
  const parts: string[] = [];
  parts.push(
    ...open(spec, W, H),
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(spec.title)}</text>`,
  );
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(
      `<line x1="${f(X(v))}" y1="${f(Y(0))}" x2="${f(X(v))}" y2="${f(Y(1))}" stroke="#eee"/>`,
      `<line x1="${f(X(0))}" y1="${f(Y(v))}" x2="${f(X(1))}" y2="${f(Y(v))}" stroke="#eee"/>`,
      `<text x="${f(X(v))}" y="${f(Y(0) + 14)}" text-anchor="middle">${v.toFixed(1).replace('.', ',')}</text>`,
      `<text x="${f(X(0) - 6)}" y="${f(Y(v) + 4)}" text-anchor="end">${v.toFixed(1).replace('.', ',')}</text>`,
    );
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${f(M.left + pw / 2)}" y="${H - 10}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text x="14" y="${f(M.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 14 ${f(M.top + ph / 2)})">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, k) => {
    if (s.points.length > 0) {
      const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(X(x))} ${f(Y(y))}`).join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      );
      if (s.dots)
        for (const [x, y] of s.points)
          parts.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="3" fill="${s.color}"/>`);
    }
    // Legend, top-right inside the plot.
    const ly =
      spec.legend === 'bottom-right'
        ? H - M.bottom - 8 - (spec.series.length - 1 - k) * 15
        : M.top + 14 + k * 15;
    parts.push(
      `<line x1="${W - M.right - 130}" y1="${ly - 4}" x2="${W - M.right - 112}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      `<text x="${W - M.right - 108}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  for (const m of spec.markers ?? []) {
    parts.push(
      `<circle cx="${f(X(m.x))}" cy="${f(Y(m.y))}" r="5" fill="none" stroke="#d62728" stroke-width="2"/>`,
      // Right of the point, or left of it near the right edge, so the label stays inside the chart.
      m.x > 0.6
        ? `<text x="${f(X(m.x) - 8)}" y="${f(Y(m.y) + 16)}" fill="#d62728" text-anchor="end">${esc(m.label)}</text>`
        : `<text x="${f(X(m.x) + 8)}" y="${f(Y(m.y) + 14)}" fill="#d62728">${esc(m.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A horizontal bar chart for feature importance (values ≥ 0). */
export function barChart(text: ChartText, bars: ReadonlyArray<{ label: string; value: number }>): string {
  const rowH = 20;
  const left = 230;
  const width = 560;
  const height = 36 + bars.length * rowH;
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const parts = [
    ...open(text, width, height),
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(text.title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = 28 + i * rowH;
    const w = ((width - left - 60) * b.value) / max;
    parts.push(
      `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y + 2}" width="${f(w)}" height="${rowH - 6}" fill="#1f77b4"/>`,
      `<text x="${f(left + w + 4)}" y="${y + 13}">${b.value.toFixed(3).replace('.', ',')}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
