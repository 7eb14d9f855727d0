import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import { DEFAULT_FEATURES, FEATURE_CATALOG } from './catalog.js';
import { compilePipeline, fitFeaturePipeline } from './pipeline.js';
import { syntheticRows } from './testing/records.js';

const base: StudentRecord = {
  ano_base: 2023,
  fase: 3,
  idade: 14,
  genero: 'feminino',
  instituicao: 'publica',
  ano_ingresso: 2020,
  ian: 5,
  ida: 6,
  ieg: 8,
  iaa: 9,
  ips: 7,
  ipp: 7.5,
  ipv: 7,
  inde: 7.1,
  defasagem: -1,
};

describe('feature pipeline', () => {
  const train = syntheticRows(300, 3);
  const spec = fitFeaturePipeline(train);
  const p = compilePipeline(JSON.parse(JSON.stringify(spec)));

  // Every catalogue feature, the ones off by default included.
  const all = compilePipeline(
    fitFeaturePipeline(
      train,
      FEATURE_CATALOG.map((f) => f.name),
    ),
  );
  const featureOf = (r: StudentRecord, name: string, impute = false, q = p): number => {
    const out = new Float64Array(q.width);
    q.transformInto(r, out, 0, impute);
    const j = q.names.indexOf(name);
    expect(j).toBeGreaterThanOrEqual(0);
    return out[j]!;
  };

  it('derives the documented features', () => {
    expect(featureOf(base, 'anos_no_programa')).toBe(3);
    expect(featureOf(base, 'atrasado_agora')).toBe(1);
    expect(featureOf({ ...base, defasagem: 0 }, 'atrasado_agora')).toBe(0);
    // Summaries over ian, ida, ieg, iaa, ips, ipv only (not ipp, not inde).
    const vals = [5, 6, 8, 9, 7, 7];
    const mean = vals.reduce((a, b) => a + b) / 6;
    expect(featureOf(base, 'ind_media')).toBeCloseTo(mean, 12);
    expect(featureOf(base, 'ind_min')).toBe(5);
    const sd = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / 6);
    expect(featureOf(base, 'ind_desvio')).toBeCloseTo(sd, 12);
    expect(featureOf(base, 'ind_ausentes')).toBe(0);
    expect(featureOf({ ...base, ida: null, inde: null }, 'ind_ausentes')).toBe(2);
    expect(featureOf({ ...base, ida: null }, 'ind_media')).toBeCloseTo((5 + 8 + 9 + 7 + 7) / 5, 12);
  });

  it('derives idade_vs_fase from the age medians learned at fit (kept in the catalogue, off by default)', () => {
    const full = fitFeaturePipeline(train, [...DEFAULT_FEATURES, 'idade_vs_fase']);
    const q = compilePipeline(full);
    const out = new Float64Array(q.width);
    q.transformInto(base, out, 0, false);
    const expectedAge = full.params.idade_mediana_por_fase['3']!;
    expect(out[q.names.indexOf('idade_vs_fase')]).toBeCloseTo(14 - expectedAge, 12);
  });

  it('one-hot encodes categories with an explicit unknown level', () => {
    expect(featureOf(base, 'genero_feminino', false, all)).toBe(1);
    expect(featureOf(base, 'genero_masculino', false, all)).toBe(0);
    expect(featureOf(base, 'genero_desconhecido', false, all)).toBe(0);
    expect(featureOf({ ...base, genero: null }, 'genero_desconhecido', false, all)).toBe(1);
    // Gender is recorded but not a default feature (a protected attribute).
    expect(p.names.some((n) => n.startsWith('genero_'))).toBe(false);
    expect(featureOf({ ...base, instituicao: 'privada_bolsa' }, 'instituicao_privada_bolsa')).toBe(1);
    expect(featureOf({ ...base, instituicao: null }, 'instituicao_desconhecido')).toBe(1);
    // An unexpected string (bypassing types) counts as unknown, never as a silent all-zeros row.
    expect(featureOf({ ...base, instituicao: 'marte' as never }, 'instituicao_desconhecido')).toBe(1);
  });

  it('keeps NaN for trees and imputes training medians for linear models', () => {
    const r = { ...base, ieg: null, idade: null };
    expect(Number.isNaN(featureOf(r, 'ieg'))).toBe(true);
    const med = spec.features.find((f) => f.name === 'ieg')!.impute_value;
    expect(featureOf(r, 'ieg', true)).toBe(med);
    const all = p.transform(train, true);
    expect(all.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('computes every catalogue feature in the documented order', () => {
    expect(FEATURE_CATALOG.map((f) => f.name)).toEqual([
      'fase',
      'idade',
      'anos_no_programa',
      'defasagem',
      'atrasado_agora',
      'idade_vs_fase',
      'ian',
      'ida',
      'ieg',
      'iaa',
      'ips',
      'ipp',
      'ipv',
      'inde',
      'ind_media',
      'ind_min',
      'ind_desvio',
      'ind_ausentes',
      'ipp_ausente',
      'genero_feminino',
      'genero_masculino',
      'genero_desconhecido',
      'instituicao_publica',
      'instituicao_privada',
      'instituicao_privada_bolsa',
      'instituicao_concluiu_em',
      'instituicao_outro',
      'instituicao_desconhecido',
    ]);
    const full = compilePipeline(
      fitFeaturePipeline(
        train,
        FEATURE_CATALOG.map((f) => f.name),
      ),
    );
    const out = new Float64Array(full.width);
    full.transformInto({ ...base, ipp: null, ian: undefined as never }, out, 0, false);
    const v = (n: string) => out[full.names.indexOf(n)];
    expect(v('ipp_ausente')).toBe(1);
    // A field a JSON client left out counts as missing.
    expect(Number.isNaN(v('ian')!)).toBe(true);
    expect(v('ind_ausentes')).toBe(1);
    expect(v('ind_min')).toBe(6);
    expect(v('inde')).toBe(7.1);
    expect(v('ipv')).toBe(7);
  });

  it('never uses identifiers and leaves out the year-only ipp flag by default', () => {
    for (const f of FEATURE_CATALOG) {
      expect(f.inputs).not.toContain('ra' as never);
      expect(f.inputs).not.toContain('nome' as never);
    }
    expect(DEFAULT_FEATURES).not.toContain('ipp_ausente');
    expect(p.names).not.toContain('ano_base');
  });

  it('default features carry across years: same student, same values whatever cohort the pipeline saw', () => {
    expect(DEFAULT_FEATURES).not.toContain('idade_vs_fase');
    for (const f of FEATURE_CATALOG) {
      if (!DEFAULT_FEATURES.includes(f.name)) expect(f.notByDefault?.length ?? 0, f.name).toBeGreaterThan(20);
    }
    // Two training cohorts that differ in age for fase and in the share behind.
    const older = syntheticRows(300, 11).map((r) => ({
      ...r,
      idade: r.idade === null ? null : r.idade + 2,
      defasagem: -2,
    }));
    const a = compilePipeline(fitFeaturePipeline(train));
    const b = compilePipeline(fitFeaturePipeline(older));
    expect(b.names).toEqual(a.names.filter((n) => b.names.includes(n)));
    const row = (q: typeof a, r: StudentRecord) => {
      const out = new Float64Array(q.width);
      q.transformInto(r, out, 0, false);
      return Object.fromEntries(q.names.map((n, j) => [n, out[j]]));
    };
    const va = row(a, base);
    const vb = row(b, base);
    for (const n of b.names) expect(vb[n], n).toBe(va[n]);
    // Nothing reveals the edition: the same student one year later, with everything else equal.
    const later = { ...base, ano_base: 2024, ano_ingresso: 2021 };
    expect(row(a, later)).toEqual(va);
  });

  it('drops features that are constant on the training records', () => {
    // Only 2022 rows: IPP is always missing there.
    const only2022 = syntheticRows(200, 5, [2022]);
    const s = fitFeaturePipeline(only2022);
    expect(s.dropped_constant).toContain('ipp');
    expect(s.features.map((f) => f.name)).not.toContain('ipp');
  });

  it('transforms a row in place without allocating new arrays per call', () => {
    const out = new Float64Array(p.width * 2);
    p.transformInto(base, out, p.width, false);
    expect(out.subarray(0, p.width).every((v) => v === 0)).toBe(true);
    expect(out[p.width + p.names.indexOf('fase')]).toBe(3);
  });

  it('rejects malformed specs with a FEATURES error naming the problem', () => {
    const bad = JSON.parse(JSON.stringify(spec));
    bad.features[0].name = 'nome';
    try {
      compilePipeline(bad);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('DEF_ERR_FEATURES_PIPELINE_INVALID');
      expect((e as Error).message).toContain('unknown feature "nome"');
    }
    expect(() => compilePipeline({ ...spec, pipeline_version: 2 })).toThrow(/pipeline_version 2/);
    expect(() => fitFeaturePipeline(train, ['fase', 'ra'])).toThrow(
      expect.objectContaining({
        code: 'DEF_ERR_FEATURES_UNKNOWN_FEATURE',
        message: expect.stringMatching(/"ra"/),
      }),
    );
  });
});
