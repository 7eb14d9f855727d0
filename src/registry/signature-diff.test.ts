import { describe, expect, it } from 'vitest';
import type { ModelSignature } from '../model/types.js';
import { diffSignatures } from './signature-diff.js';
import { fixtureSignature } from './testing/fixtures.js';

type In = ModelSignature['inputs'][number];
const edit = (f: (inputs: In[]) => In[]): ModelSignature => {
  const s = fixtureSignature();
  return { ...s, inputs: f(s.inputs) };
};
const kinds = (a: ModelSignature, b: ModelSignature) =>
  diffSignatures(a, b).changes.map((c) => [c.kind, c.breaking]);

describe('signature diff', () => {
  const base = fixtureSignature();

  it('identical signatures need no more than a patch', () => {
    expect(diffSignatures(base, fixtureSignature())).toEqual({ changes: [], required: 'patch' });
  });

  it('classifies input changes', () => {
    expect(
      kinds(
        base,
        edit((i) => i.filter((f) => f.name !== 'ieg')),
      ),
    ).toEqual([['input_removed', true]]);
    expect(
      kinds(
        base,
        edit((i) => i.map((f) => (f.name === 'fase' ? { ...f, nullable: true } : f))),
      ),
    ).toEqual([['input_now_optional', false]]);
    expect(
      kinds(
        base,
        edit((i) => i.map((f) => (f.name === 'ieg' ? { ...f, nullable: false } : f))),
      ),
    ).toEqual([['input_now_required', true]]);
    expect(
      kinds(
        base,
        edit((i) => i.map((f) => (f.name === 'idade' ? { ...f, max: 30 } : f))),
      ),
    ).toEqual([['input_range_narrowed', true]]);
    expect(
      kinds(
        base,
        edit((i) => i.map((f) => (f.name === 'idade' ? { ...f, max: 60 } : f))),
      ),
    ).toEqual([['input_range_widened', false]]);
    expect(
      kinds(
        base,
        edit((i) =>
          i.map((f) => (f.name === 'genero' ? { ...f, categories: ['feminino', 'masculino', 'outro'] } : f)),
        ),
      ),
    ).toEqual([['input_categories_added', false]]);
    expect(
      kinds(
        base,
        edit((i) => i.map((f) => (f.name === 'genero' ? { ...f, categories: ['feminino'] } : f))),
      ),
    ).toEqual([['input_categories_removed', true]]);
    expect(
      kinds(
        base,
        edit((i) => [...i, { name: 'escola' as never, type: 'category', nullable: false, description: '' }]),
      ),
    ).toEqual([['input_added', true]]);
  });

  it('calls a removed + added input of the same shape a rename', () => {
    const d = diffSignatures(
      base,
      edit((i) => i.map((f) => (f.name === 'ida' ? { ...f, name: 'desempenho' as never } : f))),
    );
    expect(d.required).toBe('major');
    expect(d.changes).toEqual([
      {
        kind: 'input_renamed',
        field: 'ida',
        breaking: true,
        detail: 'input "ida" renamed to "desempenho" (number?)',
      },
    ]);
  });

  it('any change to an existing output is breaking; a new output is additive', () => {
    const outs = (o: ModelSignature['outputs']) => ({ ...fixtureSignature(), outputs: o });
    expect(kinds(base, outs(base.outputs.slice(0, 1)))).toEqual([['output_removed', true]]);
    expect(kinds(base, outs([{ ...base.outputs[0]!, type: 'string' }, base.outputs[1]!]))).toEqual([
      ['output_retyped', true],
    ]);
    const added = diffSignatures(
      base,
      outs([...base.outputs, { name: 'risk_band', type: 'category', description: '' }]),
    );
    expect(added).toMatchObject({ required: 'minor', changes: [{ kind: 'output_added', breaking: false }] });
  });
});
