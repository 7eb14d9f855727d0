import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NormalisedRecord, NormalisedYear } from './normalise.js';
import { buildTransitions } from './transitions.js';

function rec(ra: string, year: number, defasagem: number, ieg = 7): NormalisedRecord {
  return {
    ra,
    ano_base: year,
    fase: 3,
    idade: 12,
    genero: 'feminino',
    instituicao: 'publica',
    ano_ingresso: 2020,
    ian: defasagem < 0 ? 5 : 10,
    ida: 6,
    ieg,
    iaa: 8,
    ips: 7,
    ipp: null,
    ipv: 7,
    inde: 7,
    defasagem,
  };
}

function year(y: number, records: NormalisedRecord[]): NormalisedYear {
  return {
    year: y,
    sheet: `PEDE${y}`,
    records,
    sourceRows: records.map((_, i) => i + 2),
    rowsRead: records.length,
    blankRowsSkipped: 0,
    rowsRejected: 0,
    mapping: {},
    ignoredColumns: [],
    fixes: {},
    defasagemMismatches: 0,
    ageCheck: { agrees: 0, replaced: 0, derived: 0 },
  };
}

describe('buildTransitions', () => {
  const years = [
    year(2022, [rec('RA-1', 2022, 0, 9), rec('RA-2', 2022, -1), rec('RA-3', 2022, 0)]),
    year(2023, [rec('RA-1', 2023, -1, 4), rec('RA-2', 2023, 0), rec('RA-4', 2023, -2)]),
    year(2024, [rec('RA-1', 2024, -1), rec('RA-4', 2024, 0)]),
  ];

  it('joins consecutive years on RA and labels from t+1 only', () => {
    const { rows, stats } = buildTransitions(years, Buffer.from('salt'));
    expect(stats.map((s) => [s.from, s.to, s.rows, s.positives])).toEqual([
      [2022, 2023, 2, 1],
      [2023, 2024, 2, 1],
    ]);
    const first = rows[0]!;
    // Features from 2022 (ieg 9, defasagem 0), label from 2023 (defasagem −1).
    expect(first).toMatchObject({ ano_base: 2022, ieg: 9, defasagem: 0, em_risco: 1 });
    expect(rows.every((r) => !('ra' in r))).toBe(true);
  });

  it('gives one stable pseudonym per student that is not a plain hash of the RA', () => {
    const { rows } = buildTransitions(years, Buffer.from('salt'));
    const ids = rows.map((r) => r.aluno_id);
    expect(ids[0]).toBe(ids[2]); // RA-1 in 2022→2023 and 2023→2024
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).not.toBe(createHash('sha256').update('RA-1').digest('hex').slice(0, 16));
    const other = buildTransitions(years, Buffer.from('other salt')).rows[0]!.aluno_id;
    expect(other).not.toBe(ids[0]);
  });

  it('builds nothing across a gap year', () => {
    const { rows, stats } = buildTransitions([years[0]!, years[2]!]);
    expect(rows).toEqual([]);
    expect(stats).toEqual([]);
  });
});
