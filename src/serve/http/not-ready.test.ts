import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import { bandOptions, EXAMPLE_STUDENT, testSettings } from '../testing/support.js';
import { withoutPaths } from './not-ready.js';

describe('no model loaded', () => {
  it('without a model: 503 on /ready with the reason, 503 on /predict, health still 200', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const holder = new ModelHolder({
      ...bandOptions,
      load: async () => {
        throw new Error('champion.json points at v3.0.0, which does not exist');
      },
    });
    await holder.reload('startup');
    const app = await buildApp({ settings: testSettings(), holder, metrics, logger: false });
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().ready).toBe(false);
    expect(ready.json().reason).toContain('v3.0.0');
    const p = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(p.statusCode).toBe(503);
    expect(p.json().error.code).toBe('DEF_ERR_API_NOT_READY');
    expect((await app.inject({ url: '/v2/health/ready' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/metadata' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    await app.close();
  });

  it('the public not-ready reason keeps the cause but not the server paths', async () => {
    const holder = new ModelHolder({
      ...bandOptions,
      load: async () => {
        throw new Error(
          'these do not exist: MODEL_PATH=/home/ana/proj/artifacts/model_v1.json, SIGNATURE_PATH=./artifacts/s.json; registry C:\\models\\reg (see /srv/x).',
        );
      },
    });
    await holder.reload('startup');
    const app = await buildApp({
      settings: testSettings(),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
    });
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toContain(
      'these do not exist: MODEL_PATH=<path>, SIGNATURE_PATH=<path>; registry <path> (see <path>).',
    );
    const p = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(p.json().error.message).toContain('MODEL_PATH=<path>');
    for (const r of [ready, p])
      for (const s of ['/home', 'ana', 'artifacts', 'models', '/srv']) expect(r.body).not.toContain(s);
    // What is not a path stays.
    expect(withoutPaths('v1.0.0 and/or 1/2 at 50%')).toBe('v1.0.0 and/or 1/2 at 50%');
    await app.close();
  });
});
