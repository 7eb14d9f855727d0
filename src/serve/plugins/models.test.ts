import { describe, expect, it } from 'vitest';
import { inProcessApp } from '../testing/support.js';

describe('model routes', () => {
  const app = inProcessApp();

  it('GET /metadata shows version, threshold, signature and metrics without filesystem paths', async () => {
    const r = await app.inject({ url: '/metadata' });
    expect(r.statusCode).toBe(200);
    const m = r.json();
    expect(m).toMatchObject({ model_version: 'v1.0.0', threshold: 0.4, learner: 'logistic_regression' });
    expect(m.signature.inputs.length).toBeGreaterThan(5);
    expect(m.metrics.test.roc_auc).toBe(0.8);
    expect(m.risk_bands.alto).toBeCloseTo(0.4);
    expect(m.risk_bands.medio).toBeCloseTo(0.24);
    expect(r.body).not.toContain('/home/');
    expect(m.metadata.trained_at).toBe('2026-01-01T00:00:00Z');
  });

  it('GET /models lists the registry and what is served', async () => {
    const r = await app.inject({ url: '/models' });
    expect(r.json()).toEqual({
      serving: { version: 'v1.0.0', source: 'registry', requested: 'champion' },
      registry: { champion: 'v1.0.0', versions: ['v1.0.0'] },
    });
  });
});
