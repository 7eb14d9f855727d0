/**
 * Header matching. Every PEDE edition spells its headers a little differently (accents, case, spacing,
 * year suffixes such as `INDE 22` / `INDE 2023`, duplicates). We match a normalised header against a
 * synonyms table, with an optional suffix for the sheet's own year, so a new edition (PEDE2025) with the
 * same kind of headers needs no code change.
 */

/** Lowercase, accents stripped, punctuation and runs of spaces collapsed to one space. */
export function normaliseHeader(raw: unknown): string {
  if (raw === null || raw === undefined) return '';
  return String(raw)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The source columns ingestion understands: the record's fields plus the helpers that derive them. */
export type SourceField =
  | 'ra'
  | 'nome'
  | 'fase'
  | 'fase_ideal'
  | 'defasagem'
  | 'idade'
  | 'ano_nasc'
  | 'data_nasc'
  | 'genero'
  | 'ano_ingresso'
  | 'instituicao'
  | 'ian'
  | 'ida'
  | 'ieg'
  | 'iaa'
  | 'ips'
  | 'ipp'
  | 'ipv'
  | 'inde';

interface FieldMatch {
  /** Normalised names, without year suffix. */
  readonly names: readonly string[];
  /** Whether `<name> <yy>` / `<name> <yyyy>` for the sheet's year also matches. */
  readonly yearSuffix: boolean;
}

/**
 * The synonyms table. Names are normalised (see normaliseHeader). Add a spelling here when a new edition
 * introduces one; docs/data.md lists the same table.
 */
export const SYNONYMS: Readonly<Record<SourceField, FieldMatch>> = {
  ra: { names: ['ra', 'registro aluno', 'id aluno'], yearSuffix: false },
  nome: { names: ['nome', 'nome anonimizado', 'nome aluno', 'nome do aluno'], yearSuffix: false },
  fase: { names: ['fase', 'fase atual'], yearSuffix: true },
  fase_ideal: { names: ['fase ideal'], yearSuffix: true },
  defasagem: { names: ['defasagem', 'defas'], yearSuffix: true },
  idade: { names: ['idade', 'idade aluno'], yearSuffix: true },
  ano_nasc: { names: ['ano nasc', 'ano nascimento', 'ano de nascimento'], yearSuffix: false },
  data_nasc: {
    names: ['data de nasc', 'data nasc', 'data de nascimento', 'data nascimento'],
    yearSuffix: false,
  },
  genero: { names: ['genero', 'sexo'], yearSuffix: false },
  ano_ingresso: { names: ['ano ingresso', 'ano de ingresso'], yearSuffix: false },
  instituicao: {
    names: ['instituicao de ensino', 'instituicao', 'instituicao ensino', 'tipo de instituicao'],
    yearSuffix: true,
  },
  ian: { names: ['ian'], yearSuffix: true },
  ida: { names: ['ida'], yearSuffix: true },
  ieg: { names: ['ieg'], yearSuffix: true },
  iaa: { names: ['iaa'], yearSuffix: true },
  ips: { names: ['ips'], yearSuffix: true },
  ipp: { names: ['ipp'], yearSuffix: true },
  ipv: { names: ['ipv'], yearSuffix: true },
  inde: { names: ['inde'], yearSuffix: true },
};

/**
 * Columns the data contract requires in every yearly sheet. Alternatives are separated by `|`: one of
 * them suffices (age can be derived from the birth year or date, defasagem from fase − fase ideal).
 * IPP is optional: it did not exist in 2022.
 */
export const REQUIRED_COLUMNS: readonly (readonly SourceField[])[] = [
  ['ra'],
  ['fase'],
  ['defasagem', 'fase_ideal'],
  ['idade', 'ano_nasc', 'data_nasc'],
  ['genero'],
  ['ano_ingresso'],
  ['instituicao'],
  ['ian'],
  ['ida'],
  ['ieg'],
  ['iaa'],
  ['ips'],
  ['ipv'],
  ['inde'],
];

/** Human names used in error messages for missing columns. */
export const FIELD_LABELS: Readonly<Record<SourceField, string>> = {
  ra: 'RA',
  nome: 'Nome',
  fase: 'Fase',
  fase_ideal: 'Fase Ideal',
  defasagem: 'Defasagem',
  idade: 'Idade',
  ano_nasc: 'Ano nasc',
  data_nasc: 'Data de Nasc',
  genero: 'Gênero',
  ano_ingresso: 'Ano ingresso',
  instituicao: 'Instituição de ensino',
  ian: 'IAN',
  ida: 'IDA',
  ieg: 'IEG',
  iaa: 'IAA',
  ips: 'IPS',
  ipp: 'IPP',
  ipv: 'IPV',
  inde: 'INDE',
};

/** Which field a normalised header names for a sheet of `year`, or null (unknown, or another year's). */
export function matchHeader(normalised: string, year: number): SourceField | null {
  if (!normalised) return null;
  const yy = String(year % 100).padStart(2, '0');
  const yyyy = String(year);
  for (const [field, m] of Object.entries(SYNONYMS) as [SourceField, FieldMatch][]) {
    for (const name of m.names) {
      if (normalised === name) return field;
      if (!m.yearSuffix || !normalised.startsWith(name)) continue;
      const suffix = normalised.slice(name.length).trim();
      if (suffix === yy || suffix === yyyy) return field;
    }
  }
  return null;
}

export interface ColumnMapping {
  /** Field → column index chosen in the sheet. */
  readonly index: Partial<Record<SourceField, number>>;
  /** Field → original header text chosen (for the data card). */
  readonly header: Partial<Record<SourceField, string>>;
  /** Required fields (first alternative's label) with no column. */
  readonly missing: string[];
  /** Headers that matched nothing (reported in the data card; ignored). */
  readonly ignored: string[];
}

/**
 * Maps a header row to fields. When several columns match the same field (`INDE 2023` and an empty
 * `INDE 23`, or a duplicated header) the one with the most non-empty cells wins: an all-empty duplicate
 * must not shadow the real data.
 */
export function mapColumns(
  headerRow: readonly unknown[],
  rows: readonly (readonly unknown[])[],
  year: number,
) {
  const candidates = new Map<SourceField, number[]>();
  const ignored: string[] = [];
  headerRow.forEach((h, i) => {
    const field = matchHeader(normaliseHeader(h), year);
    if (field === null) {
      if (h !== null && h !== undefined && String(h).trim() !== '') ignored.push(String(h));
      return;
    }
    const list = candidates.get(field) ?? [];
    list.push(i);
    candidates.set(field, list);
  });
  const index: Partial<Record<SourceField, number>> = {};
  const header: Partial<Record<SourceField, string>> = {};
  for (const [field, cols] of candidates) {
    let best = cols[0]!;
    if (cols.length > 1) {
      let bestCount = -1;
      for (const c of cols) {
        let n = 0;
        for (const r of rows) if (!isBlank(r[c])) n++;
        if (n > bestCount) {
          bestCount = n;
          best = c;
        }
      }
    }
    index[field] = best;
    header[field] = String(headerRow[best]);
  }
  const missing = REQUIRED_COLUMNS.filter((alts) => alts.every((f) => index[f] === undefined)).map((alts) =>
    alts.map((f) => FIELD_LABELS[f]).join(' or '),
  );
  return { index, header, missing, ignored } satisfies ColumnMapping;
}

export function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}
