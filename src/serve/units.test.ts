import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { STUDENT_FIELD_NAMES } from '../core/student.js';
import { authenticate, hashKey, isLoopbackHost, presentedKey } from './auth.js';
import { resolveBands, scrubMetadata } from './bundle.js';
import { sameVersion } from './oip.js';
import { parseApiKeys, parseBandCut } from './settings.js';
import { EXAMPLE_STUDENT, standInModel, standInSignature } from './testing/support.js';
import { compileInput, isPiiKey, safeKey } from './validation.js';

describe('settings parsers', () => {
  it('API_KEYS accepts sha256hex:role entries only', () => {
    const h = hashKey('k');
    expect(parseApiKeys(`${h}:predict, ${h.toUpperCase()}:admin`).map((k) => k.role)).toEqual([
      'predict',
      'admin',
    ]);
    expect(parseApiKeys('')).toEqual([]);
    expect(() => parseApiKeys('secret:predict')).toThrow(/sha256hex:role/);
    expect(() => parseApiKeys(`${h}:root`)).toThrow(/predict, admin/);
    expect(() => parseApiKeys(`${h}`)).toThrow();
  });

  it('risk band cut-offs: absolute, relative to the threshold, or the model own', () => {
    expect(parseBandCut('0.6')).toEqual({ value: 0.6, relative: false });
    expect(parseBandCut('1.5t')).toEqual({ value: 1.5, relative: true });
    expect(parseBandCut('')).toBeNull();
    expect(parseBandCut('model')).toBeNull();
    expect(() => parseBandCut('1.2')).toThrow(/0 to 1/);
    expect(() => parseBandCut('high')).toThrow();
    const m = standInModel({ threshold: 0.4 });
    expect(resolveBands(m, { value: 1.5, relative: true }, null)).toEqual({
      alto: 0.6000000000000001,
      medio: 0.4,
    });
    expect(() => resolveBands(m, { value: 0.2, relative: false }, { value: 0.5, relative: false })).toThrow(
      /above/,
    );
  });
});

describe('auth helpers', () => {
  it('reads the key from X-API-Key or a Bearer token and matches it by hash', () => {
    expect(presentedKey({ 'x-api-key': 'abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeNull();
    expect(presentedKey({})).toBeNull();
    const keys = parseApiKeys(`${hashKey('one')}:predict,${hashKey('two')}:admin`);
    expect(authenticate(keys, 'two')).toEqual({ id: hashKey('two').slice(0, 8), role: 'admin' });
    expect(authenticate(keys, 'three')).toBeNull();
    expect(authenticate(keys, 'x'.repeat(10_000))).toBeNull();
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.0.10', 'example.org'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('validation compiled from the signature', () => {
  const input = compileInput(standInSignature(), { extraFeatures: 'reject', maxInstances: 10 });

  it('returns records with every student key, null where not given', () => {
    const { records, batch } = input.parseBody({ fase: 2, defasagem: 0 });
    expect(batch).toBe(false);
    expect(Object.keys(records[0]!)).toHaveLength(15);
    expect(records[0]).toMatchObject({ fase: 2, defasagem: 0, ida: null, genero: null });
    expect(input.parseBody({ instances: [EXAMPLE_STUDENT] }).records[0]).toEqual(EXAMPLE_STUDENT);
  });

  it('recognises personal identifier keys in their usual spellings; shows only identifier-like keys', () => {
    for (const k of [
      'nome',
      'Nome',
      'NOME ANONIMIZADO',
      'Nome Anonimizado',
      'name',
      'RA',
      'ra',
      'CPF',
      'c.p.f',
      'email',
      'nome_completo',
      'Nome do Aluno',
      'Data de Nascimento',
      'data_nasc',
      'cpf_responsavel',
      'Endereço',
      'telefone',
      'E-mail',
    ])
      expect(isPiiKey(k), k).toBe(true);
    for (const k of ['fase', 'ian', 'turma', 'idade', 'ano_ingresso', 'instituicao'])
      expect(isPiiKey(k), k).toBe(false);
    // Every signature field is a plain field, never mistaken for a personal one.
    for (const k of STUDENT_FIELD_NAMES) expect(isPiiKey(k), k).toBe(false);
    expect(safeKey('turma')).toBe('turma');
    expect(safeKey('Maria da Silva')).toBeNull();
    expect(safeKey('x'.repeat(60))).toBeNull();
  });

  it('throws catalogue errors naming field and rule', () => {
    const fail = (body: unknown) => {
      try {
        input.parseBody(body);
      } catch (e) {
        if (isAppError(e)) return { code: e.code, ...(e.details as object) };
        throw e;
      }
      throw new Error('no error');
    };
    expect(fail({ ...EXAMPLE_STUDENT, fase: -1 })).toMatchObject({ field: 'fase', rule: 'minimum' });
    expect(fail({ ...EXAMPLE_STUDENT, ida: Number.POSITIVE_INFINITY })).toMatchObject({
      field: 'ida',
      rule: 'finite',
    });
    expect(fail({ defasagem: 0 })).toMatchObject({
      code: 'DEF_ERR_API_MISSING_FIELD',
      field: 'fase',
      rule: 'required',
    });
    expect(fail({ instances: new Array(11).fill(EXAMPLE_STUDENT) })).toMatchObject({ rule: 'max_items' });
    // In a batch, each problem names its student by 1-based position.
    expect(fail({ instances: [EXAMPLE_STUDENT, 7] })).toMatchObject({
      code: 'DEF_ERR_API_INVALID_BATCH',
      problems: [{ student: 2, code: 'DEF_ERR_API_BODY_SHAPE', rule: 'object' }],
    });
    // Across fields: joining the programme after the observed year is refused (negative years in it).
    expect(fail({ ...EXAMPLE_STUDENT, ano_ingresso: 2030 })).toMatchObject({
      code: 'DEF_ERR_API_INVALID_FIELD',
      field: 'ano_ingresso',
      rule: 'order',
      expected: 'a year no later than ano_base',
    });
    expect(fail({ instances: [EXAMPLE_STUDENT, { ...EXAMPLE_STUDENT, ano_ingresso: 2030 }] })).toMatchObject({
      problems: [{ student: 2, code: 'DEF_ERR_API_INVALID_FIELD', field: 'ano_ingresso', rule: 'order' }],
    });
    // Same year, or either year missing, is fine.
    expect(input.parseBody({ ...EXAMPLE_STUDENT, ano_ingresso: 2023 }).records).toHaveLength(1);
    expect(input.parseBody({ ...EXAMPLE_STUDENT, ano_base: null, ano_ingresso: 2030 }).records).toHaveLength(
      1,
    );
  });
});

describe('misc', () => {
  it('scrubs filesystem paths and host names from metadata', () => {
    expect(
      scrubMetadata({
        seed: 1,
        data_path: '/x',
        source: { directory: '/home/a' },
        note: 'ok',
        file: 'a',
        hosts: ['h'],
        list: ['/tmp/a', 'b'],
      }),
    ).toEqual({ seed: 1, source: {}, note: 'ok', list: ['b'] });
  });

  it('v1.2.0 and 1.2.0 are the same version', () => {
    expect(sameVersion('1.2.0', 'v1.2.0')).toBe(true);
    expect(sameVersion('v1.2.1', 'v1.2.0')).toBe(false);
  });
});
