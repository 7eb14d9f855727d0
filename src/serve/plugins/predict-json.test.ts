/**
 * The hand-written /predict JSON against JSON.stringify of the same object, byte for byte, on the
 * explanations of a real trained model (every factor of every student, not only the top 3), and
 * through the server: the bytes a client reads are the bytes JSON.stringify writes.
 */
import { describe, expect, it } from 'vitest';
import { syntheticRows } from '../../features/testing/records.js';
import { loadModel } from '../../model/load.js';
import { fixtureModels } from '../../model/testing/model-files.js';
import type { Factor } from '../../model/types.js';
import { EXAMPLE_STUDENT, inProcessApp } from '../testing/support.js';
import { batchJson, type ScoreOut, scoreJson, str } from './predict-json.js';

describe('predict-json: the bytes JSON.stringify writes', () => {
  // Students with gaps (null numbers, a missing category) so values are numbers, strings and nulls.
  const rows = syntheticRows(400, 31).map((r, i) =>
    i % 4 === 1 ? { ...r, idade: null, ida: null, instituicao: null } : r,
  );
  const fixture = fixtureModels(rows);
  const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const models = [
    loadModel(roundTrip(fixture.gbdtFile({ maxIter: 40, maxLeafNodes: 8, maxDepth: 3, seed: 1 }))),
    loadModel(roundTrip(fixture.logisticFile())),
  ];

  it('every prediction of 800 explanations, with and without an id, and their batch', () => {
    const outs: ScoreOut[] = [];
    const kinds = new Set<string>();
    for (const model of models)
      rows.forEach((r, i) => {
        const { score, factors } = model.predictExplain(r, model.featureNames.length);
        for (const f of factors) kinds.add(f.value === null ? 'null' : typeof f.value);
        outs.push({
          ...(i % 3 === 0 ? { id: `aluno-${i}"\\\u2028é` } : {}),
          risk_score: score,
          risk_label: i % 2 === 0 ? 1 : 0,
          risk_band: i % 3 === 0 ? 'alto' : i % 3 === 1 ? 'medio' : 'baixo',
          model_version: 'v1.2.3',
          synthetic: i % 3 === 0 ? null : i % 3 === 1,
          top_factors: factors,
        });
      });
    expect([...kinds].sort()).toEqual(['null', 'number', 'string']);
    for (const out of outs) expect(scoreJson(out)).toBe(JSON.stringify(out));
    for (const synthetic of [true, false, null])
      expect(batchJson('v1.2.3', synthetic, outs)).toBe(
        JSON.stringify({ model_version: 'v1.2.3', synthetic, predictions: outs }),
      );
    expect(batchJson('v1', null, [])).toBe(
      JSON.stringify({ model_version: 'v1', synthetic: null, predictions: [] }),
    );
  });

  it('numbers JSON cannot hold are written as JSON.stringify writes them (null), and −0 as 0', () => {
    const f: Factor = {
      feature: 'ida',
      label: 'IDA',
      text: 'IDA: reduz',
      value: -0,
      missing: false,
      contribution: Number.NaN,
      contribution_unit: 'log_odds',
      effect_pp: Number.POSITIVE_INFINITY,
      direction: 'reduz',
    };
    const out: ScoreOut = {
      risk_score: 1e-7,
      risk_label: 0,
      risk_band: 'baixo',
      model_version: 'v1',
      synthetic: true,
      top_factors: [f, { ...f, value: 'publica' }],
    };
    expect(scoreJson(out)).toBe(JSON.stringify(out));
  });

  it('str is JSON.stringify of a string: every code unit alone and in text, pairs and lone surrogates', () => {
    const samples: string[] = [
      '',
      'IDA 3,2 — abaixo da mediana dos alunos (6,1): aumenta o risco',
      '\u2028\u2029\u007f',
    ];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      samples.push(ch, `Idade: ${ch} anos`);
    }
    samples.push('\ud83d\ude00', 'a\ud83d', '\ude00b', '\ude00\ud83d', 'x"y\\z\n');
    let differ = 0;
    for (const s of samples) if (str(s) !== JSON.stringify(s)) differ++;
    expect(differ).toBe(0);
    expect(samples.length).toBeGreaterThan(2 * 0x10000);
  });

  const app = inProcessApp();
  it('the server answers those bytes, with the content type fastify gives an object', async () => {
    const one = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(one.statusCode).toBe(200);
    expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(one.body).toBe(JSON.stringify(JSON.parse(one.body)));
    const batch = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [{ id: 'a1b2c3d4', ...EXAMPLE_STUDENT }, EXAMPLE_STUDENT] },
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(batch.body).toBe(JSON.stringify(JSON.parse(batch.body)));
    expect(batch.json().predictions[0].id).toBe('a1b2c3d4');
  });
});
