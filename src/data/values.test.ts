import { describe, expect, it } from 'vitest';
import {
  dateCodedNumber,
  excelSerialOfCellDate,
  isProblem,
  parseAge,
  parseBirthDate,
  parseFase,
  parseFaseIdeal,
  parseGenero,
  parseIndicator,
  parseInstituicao,
  parseInteger,
  parseNumber,
} from './values.js';

/** The Date read-excel-file returns for a date-formatted cell holding serial n: 1899-12-30 + n days. */
const readerDate = (serial: number) => new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000);

describe('parseAge', () => {
  it('reads ages stored as Excel date serials as the serial (read-excel-file gives serial 8 as 1900-01-07)', () => {
    expect(readerDate(8).toISOString().slice(0, 10)).toBe('1900-01-07');
    expect(parseAge(new Date(Date.UTC(1900, 0, 7)))).toBe(8);
    expect(parseAge(readerDate(8))).toBe(8);
    expect(parseAge(readerDate(19))).toBe(19);
    expect(parseAge(readerDate(26))).toBe(26);
  });
  it('reads numbers and the text forms of a date-coded age (what Excel or pandas show: day = age)', () => {
    expect(parseAge('1900-01-10')).toBe(10);
    expect(parseAge(12)).toBe(12);
    expect(parseAge('12')).toBe(12);
    expect(parseAge(null)).toBeNull();
  });
  it('rejects a calendar date, a date with a time and a fractional age', () => {
    expect(isProblem(parseAge(new Date(Date.UTC(2012, 5, 1))))).toBe(true);
    // Serial 61, the first real date of Excel's calendar: not a date-coded number.
    expect(isProblem(parseAge(new Date(Date.UTC(1900, 2, 1))))).toBe(true);
    expect(isProblem(parseAge(readerDate(8.5)))).toBe(true);
    expect(isProblem(parseAge(8.5))).toBe(true);
  });
});

describe('date-coded numbers in other numeric columns', () => {
  it('reads the serial back exactly, below serial 61 only', () => {
    expect(excelSerialOfCellDate(new Date(Date.UTC(2015, 5, 17)))).toBe(42172);
    expect(dateCodedNumber(readerDate(60))).toBe(60);
    expect(dateCodedNumber(new Date(Date.UTC(1900, 2, 1)))).toBeNull();
    expect(parseNumber(readerDate(7.5))).toBe(7.5);
    expect(parseInteger(readerDate(-2))).toBe(-2);
    expect(parseIndicator(readerDate(0))).toEqual({ value: 0, clamped: false });
    expect(parseFase(readerDate(3))).toBe(3);
    expect(parseFaseIdeal(readerDate(0))).toBe(0);
  });
  it('rejects a real calendar date in a numeric column without showing it', () => {
    const got = parseInteger(new Date(Date.UTC(2015, 5, 17)));
    expect(got).toEqual({ problem: 'a calendar date is not a number' });
    expect(isProblem(parseFase(new Date(Date.UTC(2015, 5, 17))))).toBe(true);
  });
});

describe('parseAge of Excel-date ages exported as slash text', () => {
  it('reads US and Portuguese Excel CSV forms of 1900-01-08 as 8', () => {
    expect(parseAge('1/8/1900')).toBe(8);
    expect(parseAge('08/01/1900')).toBe(8);
    expect(parseAge('19/01/1900')).toBe(19);
    expect(parseAge('1/19/1900')).toBe(19);
  });
  it('refuses a slash date that is not an Excel-date age', () => {
    expect(isProblem(parseAge('17/06/1900'))).toBe(true);
    expect(isProblem(parseAge('6/17/2015'))).toBe(true);
  });
});

describe('parseBirthDate', () => {
  it('reads real dates, US text and ISO text', () => {
    expect(parseBirthDate('6/17/2015')).toEqual(new Date(Date.UTC(2015, 5, 17)));
    expect(parseBirthDate('2015-06-17')).toEqual(new Date(Date.UTC(2015, 5, 17)));
    const d = new Date(Date.UTC(2014, 0, 2));
    expect(parseBirthDate(d)).toBe(d);
  });
  it('reads day-first text from a CSV saved by Excel in Portuguese', () => {
    expect(parseBirthDate('17/06/2015')).toEqual(new Date(Date.UTC(2015, 5, 17)));
    expect(parseBirthDate('31/12/2009')).toEqual(new Date(Date.UTC(2009, 11, 31)));
    // Ambiguous: the US reading is kept; the year, all that ingestion uses, is the same either way.
    expect(parseBirthDate('05/06/2015')).toEqual(new Date(Date.UTC(2015, 4, 6)));
  });
  it('rejects impossible dates', () => {
    expect(isProblem(parseBirthDate('2/30/2015'))).toBe(true);
    expect(isProblem(parseBirthDate('31/02/2015'))).toBe(true);
    expect(isProblem(parseBirthDate('13/13/2015'))).toBe(true);
    expect(isProblem(parseBirthDate('ontem'))).toBe(true);
  });
});

describe('parseFase', () => {
  it('reads every form seen: "0".."7", ALFA, FASE n, 9, "7E"', () => {
    expect(parseFase('0')).toBe(0);
    expect(parseFase('7')).toBe(7);
    expect(parseFase('ALFA')).toBe(0);
    expect(parseFase('FASE 3')).toBe(3);
    expect(parseFase(9)).toBe(9);
    expect(parseFase('7E')).toBe(7);
    expect(parseFase('4M')).toBe(4);
    expect(parseFase('1G')).toBe(1);
  });
  it('rejects what it does not recognise', () => {
    expect(isProblem(parseFase('12'))).toBe(true);
    expect(isProblem(parseFase('avançada'))).toBe(true);
  });
  it('reads fase ideal labels', () => {
    expect(parseFaseIdeal('ALFA  (2º e 3º ano)')).toBe(0);
    expect(parseFaseIdeal('Fase 8 (Universitários)')).toBe(8);
    expect(parseFaseIdeal('Fase 2 (5° e 6° ano)')).toBe(2);
  });
});

describe('categories', () => {
  it('unifies Menina/Menino and Feminino/Masculino', () => {
    expect(parseGenero('Menina')).toBe('feminino');
    expect(parseGenero('Feminino')).toBe('feminino');
    expect(parseGenero('Menino')).toBe('masculino');
    expect(parseGenero('Masculino')).toBe('masculino');
    expect(isProblem(parseGenero('Azul'))).toBe(true);
  });

  it('maps every school type seen in 2022–2024', () => {
    const cases: [string, string][] = [
      ['Escola Pública', 'publica'],
      ['Pública', 'publica'],
      ['Rede Decisão', 'privada_bolsa'],
      ['Escola JP II', 'privada_bolsa'],
      ['Privada - Programa de Apadrinhamento', 'privada_bolsa'],
      ['Privada - Programa de apadrinhamento', 'privada_bolsa'],
      ['Privada *Parcerias com Bolsa 100%', 'privada_bolsa'],
      ['Privada - Pagamento por *Empresa Parceira', 'privada_bolsa'],
      ['Privada', 'privada'],
      ['Concluiu o 3º EM', 'concluiu_em'],
      ['Bolsista Universitário *Formado (a)', 'concluiu_em'],
      ['Nenhuma das opções acima', 'outro'],
    ];
    for (const [raw, want] of cases) {
      const got = parseInstituicao(raw);
      expect(got, raw).toEqual({ value: want, recognised: true });
    }
    expect(parseInstituicao('Escola técnica')).toEqual({ value: 'outro', recognised: false });
    expect(parseInstituicao(null)).toBeNull();
  });
});

describe('numbers and indicators', () => {
  it('reads decimal commas and missing markers', () => {
    expect(parseNumber('5,78')).toBe(5.78);
    expect(parseNumber(' 7 ')).toBe(7);
    expect(parseNumber('INCLUIR')).toBeNull();
    expect(parseNumber('#N/A')).toBeNull();
    expect(isProblem(parseNumber('sete'))).toBe(true);
  });
  it('clamps rounding noise just above 10 and rejects real out-of-range values', () => {
    expect(parseIndicator(10.002)).toEqual({ value: 10, clamped: true });
    expect(parseIndicator(10.01)).toEqual({ value: 10, clamped: true });
    expect(parseIndicator(7.5)).toEqual({ value: 7.5, clamped: false });
    expect(isProblem(parseIndicator(42))).toBe(true);
    expect(isProblem(parseIndicator(-1))).toBe(true);
  });
});
