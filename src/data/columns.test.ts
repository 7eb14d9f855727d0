import { describe, expect, it } from 'vitest';
import { mapColumns, matchHeader, normaliseHeader } from './columns.js';

describe('normaliseHeader', () => {
  it('lowercases, strips accents and collapses punctuation and spaces', () => {
    expect(normaliseHeader('Instituição de ensino')).toBe('instituicao de ensino');
    expect(normaliseHeader('  Ativo/ Inativo ')).toBe('ativo inativo');
    expect(normaliseHeader('Gênero')).toBe('genero');
    expect(normaliseHeader(null)).toBe('');
  });
});

describe('matchHeader', () => {
  it('maps the spellings of every edition to the same field', () => {
    expect(matchHeader('defas', 2022)).toBe('defasagem');
    expect(matchHeader('defasagem', 2023)).toBe('defasagem');
    expect(matchHeader('fase ideal', 2023)).toBe('fase_ideal');
    expect(matchHeader('fase', 2023)).toBe('fase');
    expect(matchHeader('nome anonimizado', 2024)).toBe('nome');
  });

  it("accepts a year suffix only for the sheet's own year", () => {
    expect(matchHeader('inde 22', 2022)).toBe('inde');
    expect(matchHeader('inde 2023', 2023)).toBe('inde');
    expect(matchHeader('inde 22', 2023)).toBeNull();
    expect(matchHeader('idade 22', 2022)).toBe('idade');
    expect(matchHeader('inde 2025', 2025)).toBe('inde');
    expect(matchHeader('inde 25', 2025)).toBe('inde');
    expect(matchHeader('pedra 2023', 2023)).toBeNull();
  });
});

describe('mapColumns', () => {
  it('prefers the filled column when several match (INDE 2023 beside an empty INDE 23)', () => {
    const header = ['RA', 'INDE 23', 'INDE 2023'];
    const rows = [
      ['RA-1', null, 7],
      ['RA-2', null, 6],
    ];
    const m = mapColumns(header, rows, 2023);
    expect(m.index.inde).toBe(2);
    expect(m.header.inde).toBe('INDE 2023');
  });

  it('names every missing required column, accepting alternatives', () => {
    const m = mapColumns(['RA', 'Fase', 'Fase Ideal', 'Ano nasc', 'Score'], [], 2023);
    expect(m.missing).toContain('Gênero');
    expect(m.missing).toContain('IAN');
    expect(m.missing).not.toContain('Defasagem or Fase Ideal');
    expect(m.missing).not.toContain('Idade or Ano nasc or Data de Nasc');
    expect(m.missing).not.toContain('IPP');
    expect(m.ignored).toEqual(['Score']);
  });
});
