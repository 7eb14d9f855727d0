import { describe, expect, it } from 'vitest';
import { STUDENT_FIELD_NAMES } from '../core/student.js';
import { identifierStem, isPiiKey, keyWords } from './identifiers.js';
import { EXAMPLE_STUDENT, inProcessApp } from './testing/support.js';

const VALUE = 'Joana Pereira 123.456.789-09';

/** Keys a client could use for personal data, with the stem each one must be refused by. */
const IDENTIFIER_KEYS: Array<[string, string]> = [
  ['student_name', 'name'],
  ['studentName', 'name'],
  ['nombre', 'nombre'],
  ['matricula', 'matricula'],
  ['Matrícula', 'matricula'],
  ['n\u043eme', 'nome'], // Cyrillic о
  ['\u043d\u043e\u043c\u0435', 'non_latin'], // all Cyrillic: "номе" reads as hoме, not Latin
  ['ΝΟΜΕ', 'nome'], // Greek capitals
  ['ｎｏｍｅ', 'nome'], // fullwidth
  ['𝐧𝐨𝐦𝐞', 'nome'], // mathematical bold
  ['no\u200Bme', 'nome'], // zero-width space inside
  ['NomeCompleto', 'nome'],
  ['Nome Anonimizado', 'nome'],
  ['RA', 'ra'],
  ['ra_aluno', 'ra'],
  ['CPFResponsavel', 'cpf'],
  ['c.p.f', 'cpf'],
  ['rg', 'rg'],
  ['Data de Nascimento', 'nasc'],
  ['birth_date', 'birth'],
  ['fecha_nacimiento', 'nacimiento'],
  ['E-mail', 'email'],
  ['telefone', 'telefone'],
  ['phone', 'phone'],
  ['Endereço', 'endereco'],
  ['address', 'address'],
  ['nome_mae', 'mae'],
  ['mãe', 'mae'],
  ['pai', 'pai'],
  ['responsavel', 'responsavel'],
  ['student_id', 'id'],
  ['Avaliador1', 'avaliador'],
  ['名前', 'non_latin'],
];

describe('identifier-like keys', () => {
  it('are recognised in pt/es/en, any case or separator, through Unicode look-alikes; signature fields are not', () => {
    for (const [key, stem] of IDENTIFIER_KEYS) expect(identifierStem(key), JSON.stringify(key)).toBe(stem);
    for (const key of STUDENT_FIELD_NAMES) expect(isPiiKey(key), key).toBe(false);
    // Unknown but harmless columns of the PEDE workbook stay droppable.
    for (const key of ['turma', 'Pedra 2024', 'escola', 'Fase Ideal', 'Ativo/Inativo', 'IPV', 'Destaque IEG'])
      expect(identifierStem(key), key).toBeNull();
    expect(keyWords('CPFResponsavel_do-Aluno')).toEqual(['cpf', 'responsavel', 'do', 'aluno']);
  });

  describe('with EXTRA_FEATURE_POLICY=ignore', () => {
    const app = inProcessApp({ extraFeaturePolicy: 'ignore' });

    it('every identifier-like key is refused (422, the rule and the stem named, the value never echoed); other unknown keys are dropped', async () => {
      for (const [key, stem] of IDENTIFIER_KEYS) {
        const r = await app.inject({
          method: 'POST',
          url: '/predict',
          payload: { ...EXAMPLE_STUDENT, [key]: VALUE },
        });
        expect(r.statusCode, key).toBe(422);
        expect(r.json().error, key).toMatchObject({
          code: 'DEF_ERR_API_PII_FIELD',
          details: { rule: 'pii_field', stem },
        });
        expect(r.body).not.toContain('Joana');
        expect(r.body).not.toContain('123.456');
      }
      const dropped = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: { ...EXAMPLE_STUDENT, turma: 'A', escola: 'publica' },
      });
      expect(dropped.statusCode).toBe(200);
    });
  });
});
