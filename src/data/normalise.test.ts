import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest } from './ingest.js';
import { reconcileAge } from './normalise.js';
import { HEADERS_2023, row2023, tmpDir, writeXlsx } from './testing/support.js';

describe('the age rule: idade must be year − birth year or one less', () => {
  it('keeps an agreeing age, replaces a disagreeing one, derives an empty one', () => {
    expect(reconcileAge(8, 2015, 2023)).toEqual({ idade: 8, outcome: 'agrees' });
    expect(reconcileAge(7, 2015, 2023)).toEqual({ idade: 7, outcome: 'agrees' });
    expect(reconcileAge(6, 2015, 2023)).toEqual({ idade: 8, outcome: 'replaced' });
    expect(reconcileAge(9, 2015, 2023)).toEqual({ idade: 8, outcome: 'replaced' });
    expect(reconcileAge(null, 2015, 2023)).toEqual({ idade: 8, outcome: 'derived' });
    expect(reconcileAge(12, null, 2023)).toEqual({ idade: 12, outcome: 'no_birth_date' });
    expect(reconcileAge(null, null, 2023)).toEqual({ idade: null, outcome: 'no_birth_date' });
  });
  it('rejects when the birth year gives no valid age, quoting neither the date nor the age', () => {
    expect(reconcileAge(11, 1950, 2023)).toEqual({
      idade: null,
      outcome: 'replaced',
      problem: 'the age disagrees with the birth date, which gives no age in 4–40',
    });
    expect(reconcileAge(null, 2022, 2023).problem).toBe(
      'the age derived from the birth date is outside 4–40',
    );
  });
});

/** A serial number shown as a date, as Excel stores the PEDE2023 ages typed into date cells. */
const dateCoded = (serial: number) => ({ value: serial, type: Number, format: 'dd/mm/yyyy' });

describe('a workbook with date-coded numbers and ages that disagree with birth dates', async () => {
  const dir = tmpDir();
  const h24 = HEADERS_2023.map((h) => (h === 'INDE 2023' ? 'INDE 2024' : h));
  const file = await writeXlsx(dir, 'pede.xlsx', [
    {
      sheet: 'PEDE2023',
      data: [
        HEADERS_2023,
        row2023(1, { Idade: dateCoded(8), 'Data de Nasc': '6/17/2015' }), // row 2: serial 8 = age 8
        row2023(2, { Idade: 12, 'Data de Nasc': '6/17/2015' }), // row 3: disagrees → 8
        row2023(3, { Idade: null, 'Data de Nasc': '6/17/2015' }), // row 4: derived → 8
        row2023(4, { Idade: 11, 'Data de Nasc': '3/9/1950' }), // row 5: no valid age → rejected
        row2023(5, { IEG: dateCoded(7.5), Defasagem: dateCoded(-1), Fase: dateCoded(2) }), // row 6
        row2023(6, { 'Ano ingresso': dateCoded(45000) }), // row 7: a real date in a year column → rejected
        row2023(7, { Idade: dateCoded(13), 'Data de Nasc': dateCoded(40909) }), // row 8: 2012-01-01, 13 → 11
      ],
    },
    { sheet: 'PEDE2024', data: [h24, ...[1, 2, 3, 5, 7].map((n) => row2023(n, { 'Data de Nasc': null }))] },
  ]);
  const out = path.join(dir, 'out');
  const summary = await ingest({ source: file, outDir: out });
  const card = JSON.parse(readFileSync(summary.outputs.dataCard, 'utf8'));
  const rejects = readFileSync(summary.outputs.rejects, 'utf8');

  it('reads date-coded cells as their serial and applies the age rule, counted per sheet', async () => {
    expect(summary.years.map((y) => [y.sheet, y.rowsNormalised, y.agesReplacedByBirthYear])).toEqual([
      ['PEDE2023', 5, 2],
      ['PEDE2024', 5, 0],
    ]);
    expect(card.years[0].age_vs_birth_date).toEqual({
      agrees: 2,
      replaced_by_birth_year: 2,
      derived_from_birth_year: 1,
    });
    expect(card.years[0].fixes_applied).toMatchObject({
      'date_coded_number:idade': 2,
      'date_coded_number:ieg': 1,
      'date_coded_number:defasagem': 1,
      'date_coded_number:fase': 1,
      idade_replaced_from_birth_year: 2,
      idade_derived_from_birth_year: 1,
    });
    expect(card.years[1].age_vs_birth_date).toEqual({
      agrees: 0,
      replaced_by_birth_year: 0,
      derived_from_birth_year: 0,
    });
    const { readNormalisedSource } = await import('./ingest.js');
    const { years } = await readNormalisedSource(file);
    const byRow = new Map(years[0]!.records.map((r, i) => [years[0]!.sourceRows[i], r]));
    expect([2, 3, 4, 8].map((row) => byRow.get(row)?.idade)).toEqual([8, 8, 8, 11]);
    expect(byRow.get(6)).toMatchObject({ ieg: 7.5, defasagem: -1, fase: 2, idade: 11 });
  });

  it('rejects what cannot be reconciled, and no birth date reaches any output', () => {
    expect(rejects).toBe(
      [
        'sheet,row,column,reason',
        'PEDE2023,5,Idade,"the age disagrees with the birth date, which gives no age in 4–40"',
        'PEDE2023,7,Ano ingresso,a calendar date is not a number',
        '',
      ].join('\n'),
    );
    const files = ['interim', 'processed'].flatMap((d) =>
      readdirSync(path.join(out, d)).map((f) => path.join(out, d, f)),
    );
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      for (const birth of ['6/17/2015', '2015-06-17', '3/9/1950', '1950', '40909', '2012-01-01']) {
        expect(text, `${path.basename(f)} holds ${birth}`).not.toContain(birth);
      }
    }
  });
});
