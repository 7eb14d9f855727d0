/**
 * Explanations a person can read: a missing value is its own factor, the label states the student's
 * value (so it cannot contradict the direction), and the effect in percentage points is the change in
 * calibrated risk from removing the contribution, recomputed here by hand from the Platt parameters.
 */
import { describe, expect, it } from 'vitest';
import type { StudentRecord } from '../core/student.js';
import { FEATURE_CATALOG } from '../features/catalog.js';
import { syntheticRows } from '../features/testing/records.js';
import { createRng } from '../ml/rng.js';
import { categoryFieldOf, DESCRIBED_FEATURES, factorText, ptNumber } from './factor-text.js';
import { loadModel } from './load.js';
import { fixtureModels } from './testing/model-files.js';
import type { Factor } from './types.js';

// One student in ten has no age in training, so the trees learn a side for a missing age.
const rows = syntheticRows(500, 21).map((r, i) => (i % 10 === 3 ? { ...r, idade: null } : r));
const fixture = fixtureModels(rows);
const gbdtFile = fixture.gbdtFile({ maxIter: 60, maxLeafNodes: 8, maxDepth: 3, seed: 2 });
const lrFile = fixture.logisticFile();
const forestFile = fixture.forestFile({ nEstimators: 15, maxDepth: 6, seed: 3 });
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const gbdt = loadModel(roundTrip(gbdtFile));
const lr = loadModel(roundTrip(lrFile));
const forest = loadModel(roundTrip(forestFile));

const student: StudentRecord = {
  ano_base: 2024,
  fase: 3,
  idade: 13,
  genero: 'feminino',
  instituicao: 'privada_bolsa',
  ano_ingresso: 2022,
  ian: 5,
  ida: 6,
  ieg: 7,
  iaa: 8,
  ips: 6.5,
  ipp: 7,
  ipv: 7,
  inde: 6.8,
  defasagem: -1,
};

const factorOf = (fs: Factor[], feature: string): Factor => {
  const f = fs.find((x) => x.feature === feature);
  if (!f) throw new Error(`no factor for ${feature} (contribution 0?)`);
  return f;
};

describe('explain: factors people can read', () => {
  it('a missing age is its own factor: "Idade não informada", value null, missing true', () => {
    for (const m of [gbdt, lr]) {
      const f = factorOf(m.explain({ ...student, idade: null }, 100), 'idade');
      expect(f).toMatchObject({ label: 'Idade não informada', value: null, missing: true });
      expect(f.text.startsWith('Idade não informada: ')).toBe(true);
      // The same student with an age: a statement about the age, not "missing".
      const known = factorOf(m.explain(student, 100), 'idade');
      expect(known.missing).toBe(false);
      expect(known.value).toBe(13);
      expect(known.label).toMatch(/^13 anos — /);
    }
    // Every missing indicator says so.
    const none = gbdt.explain({ ...student, ida: null, ieg: null }, 100);
    for (const [feature, label] of [
      ['ida', 'IDA não informado'],
      ['ieg', 'IEG não informado'],
    ] as const) {
      const f = none.find((x) => x.feature === feature);
      if (f) expect(f).toMatchObject({ label, value: null, missing: true });
    }
  });

  it('a value of 0 and a high value get labels that state each value (never a label of the other)', () => {
    const all = (r: StudentRecord) => lr.explain(r, 100);
    const low = all({ ...student, ida: 0, defasagem: 0, ano_ingresso: 2024 });
    const high = all({ ...student, ida: 10, defasagem: -3, ano_ingresso: 2019 });
    expect(factorOf(low, 'ida').label).toMatch(/^IDA 0 — abaixo da mediana dos alunos \(\d+(,\d)?\)$/);
    expect(factorOf(high, 'ida').label).toMatch(/^IDA 10 — acima da mediana dos alunos \(\d+(,\d)?\)$/);
    expect(factorOf(low, 'defasagem').label).toBe('Na fase ideal para a idade (defasagem 0)');
    expect(factorOf(high, 'defasagem').label).toBe('Já está 3 fases atrás da fase ideal para a idade');
    expect(factorOf(low, 'atrasado_agora').label).toBe('Não está atrasado hoje (defasagem ≥ 0)');
    expect(factorOf(high, 'atrasado_agora').label).toBe('Já está atrasado em relação à fase ideal');
    expect(factorOf(low, 'anos_no_programa').label).toBe('Entrou no programa neste ano');
    expect(factorOf(high, 'anos_no_programa').label).toBe('No programa há 5 anos');
    // The direction is the contribution's sign, and the sentence says it.
    for (const f of [...low, ...high]) {
      expect(f.direction).toBe(f.contribution > 0 ? 'aumenta' : 'reduz');
      expect(f.text).toBe(factorText(f.label, f.direction, f.effect_pp));
      expect(f.text).toContain(`: ${f.direction} o risco em `);
      expect(f.label).not.toMatch(/aumenta|reduz/);
    }
  });

  it('one-hot columns name the student\'s own category, and a missing one says "não informado"', () => {
    const fs = lr.explain(student, 100);
    const own = factorOf(fs, 'instituicao_privada_bolsa');
    expect(own).toMatchObject({ label: 'Tipo de escola: particular com bolsa', value: 'privada_bolsa' });
    expect(factorOf(fs, 'instituicao_publica').label).toBe(
      'Tipo de escola: particular com bolsa (não pública)',
    );
    const unknown = lr
      .explain({ ...student, instituicao: null }, 100)
      .filter((f) => categoryFieldOf(f.feature));
    expect(unknown.length).toBeGreaterThan(0);
    for (const f of unknown) {
      expect(f.missing).toBe(true);
      expect(f.value).toBeNull();
      expect(f.label.startsWith('Tipo de escola não informado')).toBe(true);
    }
  });

  it('effect_pp = 100 × (risk − risk without the contribution), by hand from the Platt parameters', () => {
    const platt = (file: typeof gbdtFile, raw: number): number => {
      const s = file.calibrator.kind === 'platt' ? file.calibrator.state : null;
      if (s?.kind !== 'platt') throw new Error('expected a Platt calibrator');
      return 1 / (1 + Math.exp(s.a * raw + s.b));
    };
    for (const [m, file, unit] of [
      [gbdt, gbdtFile, 'log_odds'],
      [lr, lrFile, 'log_odds'],
      [forest, forestFile, 'probability'],
    ] as const) {
      for (const r of [student, { ...student, idade: null }, rows[0]!, rows[7]!]) {
        const raw = m.rawScore(r);
        const risk = platt(file, raw);
        expect(m.predictOne(r)).toBeCloseTo(risk, 12);
        const fs = m.explain(r, 5);
        expect(fs.length).toBeGreaterThan(0);
        for (const f of fs) {
          expect(f.contribution_unit).toBe(unit);
          const without = platt(file, raw - f.contribution);
          expect(f.effect_pp).toBeCloseTo(100 * (risk - without), 9);
          // A monotone calibration keeps the sign: the effect goes the way the direction says.
          expect(Math.sign(f.effect_pp)).toBe(f.direction === 'aumenta' ? 1 : -1);
          expect(f.text).toContain(ptNumber(Math.abs(f.effect_pp)));
        }
      }
    }
  });

  it('every catalogue feature has a Portuguese text', () => {
    const missing = FEATURE_CATALOG.map((f) => f.name).filter(
      (n) => !categoryFieldOf(n) && !DESCRIBED_FEATURES.includes(n),
    );
    expect(missing).toEqual([]);
  });

  it('pt-BR numbers and the smallest effects', () => {
    expect(ptNumber(3.25)).toBe('3,3');
    expect(ptNumber(2)).toBe('2');
    expect(ptNumber(-0.01)).toBe('0');
    expect(factorText('X', 'reduz', -0.01)).toBe('X: reduz o risco em menos de 0,1 ponto percentual');
    expect(factorText('X', 'aumenta', 1.04)).toBe('X: aumenta o risco em cerca de 1 ponto percentual');
    expect(factorText('X', 'aumenta', 12.34)).toBe('X: aumenta o risco em cerca de 12,3 pontos percentuais');
  });

  it('ptNumber with one decimal is exactly what toFixed(1) gives, ties and large values included', () => {
    // The definition ptNumber had before its one-decimal case was computed without toFixed.
    const viaToFixed = (v: number, digits = 1) => {
      const r = Number(v.toFixed(digits));
      return (Object.is(r, -0) ? 0 : r).toString().replace('.', ',');
    };
    const rng = createRng(17);
    const values = [
      0,
      -0,
      0.05,
      -0.05,
      0.15,
      1.05,
      2.25,
      -2.25,
      3.35,
      99999.95,
      1e8 - 0.05,
      1e8,
      1e21,
      -1e-9,
    ];
    values.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE);
    for (let i = 0; i < 1_000_000; i++) {
      const scale = 10 ** (rng.int(12) - 3);
      const v = (rng.next() - 0.3) * scale;
      // Every fourth value a tie in decimal (k / 20), where binary rounding and toFixed can disagree.
      values.push(i % 4 === 0 ? Math.round(v * 20) / 20 : v);
    }
    let differ = 0;
    for (const v of values) if (ptNumber(v) !== viaToFixed(v)) differ++;
    expect(differ).toBe(0);
    expect(ptNumber(1234.5678, 3)).toBe(viaToFixed(1234.5678, 3));
  });
});

describe('predictExplain: the score and the factors of one pass', () => {
  it('equals predictOne and explain, bit for bit, for every learner kind and for students with gaps', () => {
    const students = syntheticRows(300, 77).map((r, i) =>
      i % 5 === 1 ? { ...r, idade: null, ida: null, instituicao: null } : r,
    );
    let factors = 0;
    for (const [model, input] of [
      [gbdt, 'raw'],
      [lr, 'imputed'],
      [forest, 'imputed'],
    ] as const) {
      // Both ways of reading a row: the raw learner input is also the shown value, the imputed is not.
      expect(model.file.learner.input).toBe(input);
      for (const s of students) {
        const both = model.predictExplain(s, 5);
        expect(Object.is(both.score, model.predictOne(s))).toBe(true);
        // toStrictEqual compares numbers with Object.is: −0 and 0 differ.
        expect(both.factors).toStrictEqual(model.explain(s, 5));
        factors += both.factors.length;
      }
    }
    expect(factors).toBeGreaterThan(3 * 300 * 3);
  });
});
