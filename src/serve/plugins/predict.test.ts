import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import {
  bandOptions,
  EXAMPLE_STUDENT,
  inProcessApp,
  makeApp,
  standInParts,
  testSettings,
} from '../testing/support.js';
import { BATCH_CHUNK } from './predict.js';

describe('POST /predict', () => {
  const app = inProcessApp();

  it('POST /predict scores one student with band, label, version and top factors', async () => {
    const r = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p.risk_score).toBeGreaterThan(0);
    expect(p.risk_score).toBeLessThan(1);
    expect(p.risk_label).toBe(p.risk_score >= 0.4 ? 1 : 0);
    expect(p.risk_band).toBe(p.risk_score >= 0.4 ? 'alto' : p.risk_score >= 0.24 ? 'medio' : 'baixo');
    expect(p.model_version).toBe('v1.0.0');
    expect(p.top_factors).toHaveLength(3);
    const sizes = p.top_factors.map((f: { contribution: number }) => Math.abs(f.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(p.top_factors.find((f: { feature: string }) => f.feature === 'defasagem')).toMatchObject({
      value: -1,
      direction: 'aumenta',
    });
  });

  it('POST /predict scores a batch and accepts null for optional fields', async () => {
    const low = { ...EXAMPLE_STUDENT, defasagem: 2, ida: 9, ieg: 9, ian: 10 };
    const high = { ...EXAMPLE_STUDENT, defasagem: -3, ida: 2, ieg: 2, ian: 2.5 };
    const sparse = { fase: 0, defasagem: 0, ipp: null };
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [low, high, sparse] },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.model_version).toBe('v1.0.0');
    expect(body.predictions.map((p: { risk_band: string }) => p.risk_band).slice(0, 2)).toEqual([
      'baixo',
      'alto',
    ]);
    expect(body.predictions[2].risk_score).toBeGreaterThan(0);
  });

  it('field errors name the field and the rule and never the value', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, ida: '7' },
    });
    expect(r.json().error).toMatchObject({
      code: 'DEF_ERR_API_INVALID_FIELD',
      details: { field: 'ida', rule: 'type' },
    });
    expect(r.json().error.message).toContain('"ida"');
    const range = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, fase: 12 },
    });
    expect(range.json().error.details).toMatchObject({ field: 'fase', rule: 'maximum' });
    const batch = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, { ...EXAMPLE_STUDENT, genero: 'x' }] },
    });
    expect(batch.json().error.details).toMatchObject({ field: 'genero', rule: 'category', index: 1 });
  });
});

describe('POST /predict limits', () => {
  it('MAX_INSTANCES bounds a batch', async () => {
    const { app } = await makeApp({ maxInstances: 2 });
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, EXAMPLE_STUDENT, EXAMPLE_STUDENT] },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().error.details).toMatchObject({ rule: 'max_items', limit: 2, count: 3 });
    await app.close();
  });

  it('a large batch yields between chunks: a health check sent while it is explained is answered meanwhile', async () => {
    const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
    await holder.reload('test');
    // Count explanations, to see how far the batch had got when the health check was answered.
    const model = holder.current!.model;
    const explain = model.explain.bind(model);
    let explained = 0;
    Object.assign(model, {
      explain: (...args: Parameters<typeof explain>) => {
        explained++;
        return explain(...args);
      },
    });
    let explainedAtHealth = -1;
    let health: Promise<unknown> | null = null;
    const app = await buildApp({
      settings: testSettings(),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
      // Called once the batch is scored and before its explanations are built.
      observer: () => {
        health ??= app.inject({ url: '/health' }).then(() => {
          explainedAtHealth = explained;
        });
      },
    });
    const n = BATCH_CHUNK * 10 + 3;
    const instances = Array.from({ length: n }, (_, i) => ({ ...EXAMPLE_STUDENT, ieg: (i % 100) / 10 }));
    const before = explained;
    const batch = await app.inject({ method: 'POST', url: '/predict', payload: { instances } });
    await health;
    expect(batch.statusCode).toBe(200);
    expect(explained - before).toBe(n);
    // Answered between two chunks, long before the last explanation.
    expect(explainedAtHealth - before).toBeGreaterThan(0);
    expect(explainedAtHealth - before).toBeLessThan(n / 2);
    // Chunking changes nothing in the answer: same order and values as one request per student.
    const predictions = batch.json().predictions as Array<Record<string, unknown>>;
    expect(predictions).toHaveLength(n);
    for (const i of [0, BATCH_CHUNK - 1, BATCH_CHUNK, n - 1]) {
      const one = await app.inject({ method: 'POST', url: '/predict', payload: instances[i] });
      expect(predictions[i]).toEqual(one.json());
    }
    await app.close();
  });
});
