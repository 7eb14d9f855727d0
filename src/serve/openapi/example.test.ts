/**
 * Swagger's response example is what the served model really answers for the example student: the
 * signature's example response (computed by the model at training), never a placeholder generated from
 * the schema (which once read `risk_score: 1`, `risk_label: 0`, band "alto").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Factor } from '../../model/types.js';
import { trainRealArtifacts } from '../testing/real-model.js';
import { serveModel } from '../testing/served-model.js';

interface Answer {
  risk_score: number;
  risk_label: 0 | 1;
  risk_band: string;
  model_version: string;
  top_factors: Factor[];
}

describe('OpenAPI: the prediction example is a real prediction of the served model', () => {
  let tmp = '';
  let app: FastifyInstance;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-openapi-example-'));
    app = await serveModel(await trainRealArtifacts(tmp, 5), undefined, { topFactors: 3 });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('equals what POST /predict answers for the example student', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const example = doc.components.schemas.Prediction.example as Answer;
    const student = doc.components.schemas.Student.example as Record<string, unknown>;
    expect(example).toBeDefined();
    const r = await app.inject({ method: 'POST', url: '/predict', payload: student });
    expect(r.statusCode).toBe(200);
    const real = r.json() as Answer;
    expect(example.model_version).toBe(real.model_version);
    expect(example.risk_score).toBeCloseTo(real.risk_score, 4);
    expect(example.risk_label).toBe(real.risk_label);
    expect(example.risk_band).toBe(real.risk_band);
    expect(real.top_factors).toHaveLength(3);
    expect(example.top_factors.map((f) => [f.feature, f.label, f.text, f.missing, f.direction])).toEqual(
      real.top_factors.map((f) => [f.feature, f.label, f.text, f.missing, f.direction]),
    );
    example.top_factors.forEach((f, i) => {
      expect(f.contribution).toBeCloseTo(real.top_factors[i]!.contribution, 4);
      expect(f.effect_pp).toBeCloseTo(real.top_factors[i]!.effect_pp, 4);
    });
    // Consistent in itself: the label follows the score and the threshold, the band the label.
    const threshold = (await app.inject({ url: '/metadata' })).json().threshold as number;
    expect(example.risk_label).toBe(example.risk_score >= threshold ? 1 : 0);
    if (example.risk_band === 'baixo') expect(example.risk_label).toBe(0);
    else expect(example.risk_label).toBe(1);
  });
});
