import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBaseline, readBaseline } from './baseline.js';
import { binSpecFromBaseline, categoryKey, defaultBinSpec, numericBin, OTHER_CATEGORY } from './bins.js';
import { removeTempDirs, tempDir, tinyBaseline } from './testing/fixtures.js';

afterAll(removeTempDirs);

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
};

describe('baseline reader', () => {
  it('accepts a well-formed baseline and reads it from a file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'baseline.json');
    writeFileSync(file, JSON.stringify(tinyBaseline()));
    expect(readBaseline(file)).toEqual(tinyBaseline());
  });

  it('names what is wrong', () => {
    const bad = (edit: (b: ReturnType<typeof tinyBaseline>) => void): string => {
      const b = tinyBaseline();
      edit(b);
      try {
        parseBaseline(JSON.parse(JSON.stringify(b)));
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(bad((b) => ((b as { baseline_version: number }).baseline_version = 3))).toMatch(
      /baseline_version/,
    );
    // Version 2 names its model and its score source.
    expect(bad((b) => ((b as { baseline_version: number }).baseline_version = 2))).toMatch(/model\.sha256/);
    expect(
      bad((b) => {
        b.baseline_version = 2;
        b.model = { sha256: 'a'.repeat(64) };
      }),
    ).toMatch(/score\.source/);
    expect(
      bad((b) => {
        b.baseline_version = 2;
        b.model = { sha256: 'a'.repeat(64) };
        b.score.source = 'out_of_fold';
      }),
    ).toBe('no error');
    expect(bad((b) => (b.inputs.ieg = { ...b.inputs.ieg!, bin_counts: [1, 2] } as never))).toMatch(
      /inputs\.ieg.*2 bin counts for 3 inner edges/,
    );
    expect(bad((b) => (b.inputs.ieg = { ...b.inputs.ieg!, bin_edges: [5, 5, 9] } as never))).toMatch(
      /increase strictly/,
    );
    expect(bad((b) => (b.inputs.genero = { ...b.inputs.genero!, n: 99 } as never))).toMatch(
      /add up to 100, not n = 99/,
    );
    expect(bad((b) => (b.score = { ...b.score, bin_counts: [40, 30, 20, -1] }))).toMatch(
      /score.*whole numbers/,
    );
    expect(bad((b) => (b.positive_rate_at_threshold = 2))).toMatch(/positive_rate_at_threshold/);
    expect(codeOf(() => parseBaseline('nope'))).toBe('DEF_ERR_MONITOR_BASELINE_INVALID');
  });

  it('a field training never saw a value of is explicit: no edge, one empty bin', () => {
    const b = tinyBaseline();
    b.inputs.ipp = { kind: 'numeric', n: 0, missing: 100, bin_edges: [], bin_counts: [0] };
    expect(parseBaseline(JSON.parse(JSON.stringify(b))).inputs.ipp).toEqual(b.inputs.ipp);
    const ipp = binSpecFromBaseline(b).fields.find((f) => f.field === 'ipp')!;
    expect(ipp.kind === 'numeric' && ipp.edges.length).toBe(0);
  });

  it('a missing file is BASELINE_NOT_FOUND, a torn one BASELINE_INVALID', () => {
    const dir = tempDir();
    expect(codeOf(() => readBaseline(path.join(dir, 'none.json')))).toBe(
      'DEF_ERR_MONITOR_BASELINE_NOT_FOUND',
    );
    writeFileSync(path.join(dir, 'torn.json'), '{"baseline_version": 1, "inp');
    expect(codeOf(() => readBaseline(path.join(dir, 'torn.json')))).toBe('DEF_ERR_MONITOR_BASELINE_INVALID');
  });
});

describe('bins', () => {
  it('numeric bins follow the baseline rule: e[j-1] < v ≤ e[j]', () => {
    const e = Float64Array.from([5, 7, 9]);
    expect([-1, 5, 5.0001, 7, 8, 9, 9.5, 100].map((v) => numericBin(e, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(numericBin(new Float64Array(0), 3)).toBe(0);
  });

  it('categorical keys: numbers as written, allowed categories, anything else is never stored as text', () => {
    const spec = binSpecFromBaseline(tinyBaseline());
    const genero = spec.fields.find((f) => f.field === 'genero')!;
    if (genero.kind !== 'categorical') throw new Error('genero should be categorical');
    expect(categoryKey(genero, 'feminino')).toBe('feminino');
    expect(categoryKey(genero, 'Maria da Silva')).toBe(OTHER_CATEGORY);
    expect(categoryKey(genero, -2)).toBe('-2');
    expect(categoryKey(genero, null)).toBe('missing');
    expect(categoryKey(genero, Number.NaN)).toBe('missing');
  });

  it('the spec id changes with the edges and is stable otherwise', () => {
    const a = binSpecFromBaseline(tinyBaseline()).id;
    expect(binSpecFromBaseline(tinyBaseline()).id).toBe(a);
    const b = tinyBaseline();
    b.inputs.ieg = {
      kind: 'numeric',
      n: 90,
      missing: 10,
      bin_edges: [5, 7, 9.5],
      bin_counts: [10, 30, 40, 10],
    };
    expect(binSpecFromBaseline(b).id).not.toBe(a);
    expect(defaultBinSpec().id).not.toBe(a);
  });
});
