/**
 * The ranked table as CSV for a Portuguese Excel: UTF-8 with a BOM (so accents open right), `;`
 * between fields (the comma is the decimal separator there), decimal comma, CRLF line ends. A field is
 * quoted when it holds `;`, `"` or a line break. A text field starting with `=`, `+`, `-`, `@`, a tab
 * or a carriage return is prefixed with `'` so a spreadsheet shows it as text instead of running it as
 * a formula (CSV injection: an RA or turma cell of a hostile workbook must not become `=HYPERLINK(...)`).
 */
import type { RankedStudent } from './rank.js';
import type { OutColumn } from './table.js';

export const CSV_BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

function field(c: OutColumn | null, v: string | number | null): string {
  if (v === null) return '';
  let s: string;
  if (typeof v === 'number' && c?.kind !== 'text') {
    s = (c?.kind === 'percent' ? v.toFixed(1) : String(v)).replace('.', ',');
  } else {
    s = String(v);
    if (FORMULA_START.test(s)) s = `'${s}`;
  }
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV text (BOM first): the header row, then one row per student. */
export function renderCsv(cols: readonly OutColumn[], students: readonly RankedStudent[]): string {
  const lines = [cols.map((c) => field(null, c.header)).join(';')];
  for (const r of students) lines.push(cols.map((c) => field(c, c.value(r))).join(';'));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
