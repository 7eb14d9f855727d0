import { describe, expect, it } from 'vitest';
import type { VersionSummary } from '../../registry/types.js';
import { buildApp } from '../app.js';
import { hashKey } from '../auth.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import { parseApiKeys } from '../settings.js';
import { bandOptions, inProcessApp, standInParts, testSettings } from '../testing/support.js';

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
      serving: { version: 'v1.0.0', synthetic: null, source: 'registry', requested: 'champion' },
      registry: { champion: 'v1.0.0', versions: ['v1.0.0'] },
    });
  });
});

describe('GET /models by role', () => {
  it('a predict key does not see who registered a version nor its notes; an admin key does', async () => {
    const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
    await holder.reload('test');
    const version: VersionSummary = {
      version: 'v1.0.0',
      prerelease: false,
      created_at: '2026-01-01T00:00:00Z',
      created_by: 'ana.souza',
      notes: 'retreinado após a reunião com a coordenadora Maria',
      is_champion: true,
      model_format_version: 1,
      learner: 'random_forest',
      synthetic: false,
      test_metrics: { roc_auc: 0.8 },
      readable: true,
    };
    const app = await buildApp({
      settings: testSettings({
        apiKeys: parseApiKeys(`${hashKey('pred-key')}:predict,${hashKey('admin-key')}:admin`),
      }),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
      listModels: async () => ({ champion: { version: 'v1.0.0' }, versions: [version] }),
    });
    const models = async (key: string) =>
      (await app.inject({ url: '/models', headers: { 'x-api-key': key } })).json();
    const predict = await models('pred-key');
    const { created_by: _by, notes: _notes, ...rest } = version;
    expect(predict.registry).toEqual({ champion: { version: 'v1.0.0' }, versions: [rest] });
    expect(JSON.stringify(predict)).not.toMatch(/ana\.souza|Maria/);
    expect((await models('admin-key')).registry.versions[0]).toEqual(version);
    await app.close();
  });
});
