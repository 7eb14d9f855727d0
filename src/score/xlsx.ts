/**
 * The xlsx a coordinator opens: sheet 1 "Ranking" (the ranked table, frozen header row, column widths,
 * number formats), sheet 2 "Sobre" (model, threshold, bands, backtest quality, date, capacity rule and
 * what each column means) and, when rows were rejected, sheet 3 "Rejeitadas" (sheet, row, column,
 * reason). Text cells are written as text, never as formulas.
 */
import writeExcelFile, { type Cell, type Row, type Sheet } from 'write-excel-file/node';
import type { Reject } from '../data/normalise.js';
import type { Cohort } from './input.js';
import type { RankedCohort } from './rank.js';
import { aboutRows, type OutColumn, type ScoreContext, tableColumns } from './table.js';

const HEADER_STYLE = {
  fontWeight: 'bold',
  backgroundColor: '#DDEBF7',
  wrap: true,
  alignVertical: 'center',
} as const;

function cell(c: OutColumn, v: string | number | null): Cell {
  if (v === null) return null;
  if (c.kind === 'text') return { type: String, value: String(v) };
  return { type: Number, value: v as number, format: c.kind === 'percent' ? '0.0' : '0' };
}

function header(texts: readonly string[]): Row {
  return texts.map((t) => ({ type: String, value: t, ...HEADER_STYLE }));
}

function rejectsSheet(rejects: readonly Reject[]): Sheet<Buffer> {
  return {
    sheet: 'Rejeitadas',
    stickyRowsCount: 1,
    columns: [{ width: 14 }, { width: 8 }, { width: 22 }, { width: 60 }],
    data: [
      header(['Aba ou arquivo', 'Linha', 'Coluna', 'Motivo']),
      ...rejects.map(
        (r): Row => [
          { type: String, value: r.sheet },
          { type: Number, value: r.row, format: '0' },
          { type: String, value: r.column },
          { type: String, value: r.reason },
        ],
      ),
    ],
  };
}

/** The workbook's bytes. */
export async function renderXlsx(ctx: ScoreContext, cohort: Cohort, ranked: RankedCohort): Promise<Buffer> {
  const cols = tableColumns(ctx, ranked);
  const table: Row[] = [header(cols.map((c) => c.header))];
  for (const r of ranked.students) table.push(cols.map((c) => cell(c, c.value(r))));
  const about: Row[] = [
    header(['Item', 'Descrição']),
    ...aboutRows(ctx, cohort, ranked).map(
      ([k, v]): Row => [
        { type: String, value: k, fontWeight: 'bold', alignVertical: 'top' },
        { type: String, value: v, wrap: true, alignVertical: 'top' },
      ],
    ),
  ];
  const sheets: Sheet<Buffer>[] = [
    { sheet: 'Ranking', stickyRowsCount: 1, columns: cols.map((c) => ({ width: c.width })), data: table },
    { sheet: 'Sobre', stickyRowsCount: 1, columns: [{ width: 26 }, { width: 100 }], data: about },
  ];
  if (cohort.rejects.length > 0) sheets.push(rejectsSheet(cohort.rejects));
  return writeExcelFile(sheets).toBuffer();
}
