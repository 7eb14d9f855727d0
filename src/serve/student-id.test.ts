import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { studentIdRule } from './student-id.js';

describe('the per-student id of /predict', () => {
  it('accepts row numbers, row labels and pseudonyms', () => {
    for (const id of [
      '1',
      '17',
      '1000',
      '12345678',
      'linha-17',
      'L17',
      'turma_a-3',
      'k3f9q2',
      'x'.repeat(64),
    ])
      expect(studentIdRule(id), id).toBeNull();
  });

  it('accepts random ids whatever digits they hold: UUIDs and long hex parts', () => {
    expect(studentIdRule('12345678-1234-4234-9234-123456789012')).toBeNull();
    expect(studentIdRule('lote7-0123456789abcdef0123')).toBeNull();
    for (let i = 0; i < 500; i++) {
      const uuid = randomUUID();
      const hex = randomBytes(16).toString('hex');
      expect(studentIdRule(uuid), uuid).toBeNull();
      expect(studentIdRule(hex), hex).toBeNull();
    }
  });

  it('refuses what is not 1–64 characters of A-Z a-z 0-9 _ -', () => {
    for (const id of ['', 'x'.repeat(65), 'Maria Souza', '123.456.789-09', 'a/b', 'josé', 'a\u200Bb', ' 17'])
      expect(studentIdRule(id), JSON.stringify(id)).toBe('id_format');
    for (const id of [17, true, {}, ['a'], 1.5])
      expect(studentIdRule(id), JSON.stringify(id)).toBe('id_format');
  });

  it('refuses RA, CPF and other document numbers, phone numbers, dates and PEDE anonymised names', () => {
    const personal = [
      'RA-123', // PEDE's RA
      'ra_7',
      'RA1156',
      'Aluno-123', // PEDE's anonymised name carries the RA's number
      'aluna_4',
      'cpf-1',
      'escola-rg-9',
      'matricula-2024',
      '12345678909', // a CPF
      '123-456-789-09', // a CPF with the separators the syntax allows
      '123456789_09',
      'aluno12345678909',
      'x-12345678909-y',
      '11987654321', // a mobile phone with its area code
      '987654321', // nine digits
      '000123456789', // São Paulo's school RA
      '1234567890123456', // all digits is a number, not a hex id
      '2012-03-17', // a birth date
      '17-03-2012',
      '17_3_2012',
      'nasc-2012-03-17',
    ];
    for (const id of personal) expect(studentIdRule(id), id).toBe('id_personal');
  });
});
