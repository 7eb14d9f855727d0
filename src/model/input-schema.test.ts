import { describe, expect, it } from 'vitest';
import { type FieldSpec, STUDENT_FIELDS } from '../core/student.js';
import { compileInputFields, inputSchemaProblems, studentSchema } from './input-schema.js';
import type { ModelSignature } from './types.js';

const signatureOf = (inputs: unknown[]): ModelSignature =>
  ({
    signature_version: 1,
    inputs,
    outputs: [],
    example_request: {},
    example_response: {},
  }) as unknown as ModelSignature;

const served = signatureOf(STUDENT_FIELDS.map((f) => ({ ...f })));
const byName = new Map(compileInputFields(served).map((f) => [f.spec.name as string, f]));
const field = (name: string) => byName.get(name)!;

describe('input checks compiled from a signature', () => {
  it('the signature training writes compiles, with no problem to report', () => {
    expect(inputSchemaProblems(served)).toEqual([]);
    expect([...byName.keys()]).toEqual(STUDENT_FIELDS.map((f) => f.name));
  });

  it('checks each value by its type and range and never coerces', () => {
    const fase = field('fase').check;
    expect([3, 0, 9].map(fase)).toEqual([null, null, null]);
    expect([2.5, '3', -1, 10, Number.POSITIVE_INFINITY, Number.NaN, true].map(fase)).toEqual([
      'integer',
      'type',
      'minimum',
      'maximum',
      'finite',
      'finite',
      'type',
    ]);
    const ida = field('ida').check;
    expect([6.2, 0, 10, 10.01, -0.1, '7', [6]].map(ida)).toEqual([
      null,
      null,
      null,
      'maximum',
      'minimum',
      'type',
      'type',
    ]);
    const genero = field('genero').check;
    expect(['feminino', 'masculino', 'Feminino', 'pública', 1].map(genero)).toEqual([
      null,
      null,
      'category',
      'category',
      'type',
    ]);
  });

  it('says what it expects in words a client reads', () => {
    expect(field('fase').expected).toBe('an integer from 0 to 9');
    expect(field('ipp').expected).toBe('a number from 0 to 10 (or null)');
    expect(field('genero').expected).toBe('one of: feminino, masculino (or null)');
    const onlyMin = signatureOf([
      { name: 'idade', type: 'integer', nullable: false, min: 4, description: '' },
    ]);
    expect(compileInputFields(onlyMin)[0]!.expected).toBe('an integer ≥ 4');
  });

  it('lists every reason a signature could not be served, and compiling stops at the first', () => {
    const bad = signatureOf([
      { name: 'fase', type: 'integer', nullable: false, description: '' },
      { name: 'turma', type: 'category', nullable: true, categories: ['A'], description: '' },
      { name: 'genero', type: 'category', nullable: true, categories: [], description: '' },
      { name: 'ida', type: 'float', nullable: true, description: '' },
      7,
    ]);
    expect(inputSchemaProblems(bad)).toEqual([
      'signature field turma is not a student field',
      'signature field genero is a category without categories',
      'signature field ida has an unknown type float',
      'signature input 4 is not an object',
    ]);
    expect(() => compileInputFields(bad)).toThrow('signature field turma is not a student field');
    expect(inputSchemaProblems(signatureOf([]))).toEqual(['the signature has no "inputs" list']);
    expect(inputSchemaProblems({} as ModelSignature)).toEqual(['the signature has no "inputs" list']);
  });
});

describe('the JSON Schema of a student', () => {
  const schema = studentSchema(STUDENT_FIELDS) as {
    additionalProperties: boolean;
    required: string[];
    properties: Record<string, Record<string, unknown>>;
  };

  it('refuses extra fields, requires the non-nullable ones and types each field', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['fase', 'defasagem']);
    expect(schema.properties.fase).toMatchObject({ type: 'integer', minimum: 0, maximum: 9 });
    expect(schema.properties.fase).not.toHaveProperty('nullable');
    expect(schema.properties.ida).toMatchObject({ type: 'number', minimum: 0, maximum: 10, nullable: true });
    expect(schema.properties.genero).toMatchObject({ type: 'string', enum: ['feminino', 'masculino'] });
  });

  it('agrees with the compiled checks at every bound', () => {
    for (const spec of STUDENT_FIELDS as readonly FieldSpec[]) {
      const p = schema.properties[spec.name]!;
      const check = field(spec.name).check;
      const step = spec.type === 'integer' ? 1 : 0.5;
      if (typeof p.minimum === 'number') {
        expect(check(p.minimum), spec.name).toBeNull();
        expect(check(p.minimum - step), spec.name).toBe('minimum');
      }
      if (typeof p.maximum === 'number') {
        expect(check(p.maximum), spec.name).toBeNull();
        expect(check(p.maximum + step), spec.name).toBe('maximum');
      }
      if (Array.isArray(p.enum)) for (const v of p.enum) expect(check(v), spec.name).toBeNull();
    }
  });
});
