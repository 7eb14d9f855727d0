import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../core/config.js';
import { MONITOR_ERRORS } from './errors.js';
import { checkMonitorSettings, openMonitor, pruneStore } from './monitor.js';
import { defaultMonitorSettings, MONITOR_SETTINGS } from './settings.js';
import { hourOf } from './store/schema.js';
import { openSqliteStore } from './store/sqlite.js';
import { removeTempDirs, tempDir, tinyBaseline } from './testing/fixtures.js';
import { lastDays, windowBetween } from './window.js';

afterAll(removeTempDirs);

const T0 = Date.UTC(2025, 6, 1, 8, 0);

describe('monitor settings', () => {
  it('every setting has an env var, a default that parses, and a description', () => {
    const env: Record<string, string> = {};
    for (const def of Object.values(MONITOR_SETTINGS)) {
      expect(def.env).toMatch(/^MONITOR_[A-Z_]+$/);
      expect(def.description.length).toBeGreaterThan(20);
      env[def.env] = Array.isArray(def.default) ? def.default.join(',') : String(def.default);
    }
    expect(loadSettings(MONITOR_SETTINGS, env)).toEqual(defaultMonitorSettings());
    expect(MONITOR_SETTINGS.hmacSecret.secret).toBe(true);
  });

  it('lists every bad value at once, and relations the parsers cannot see', () => {
    expect(() =>
      loadSettings(MONITOR_SETTINGS, { MONITOR_PRIVACY_MODE: 'everything', MONITOR_RETENTION_DAYS: '0' }),
    ).toThrow(
      /MONITOR_PRIVACY_MODE must be one of: aggregate_only, pseudonymised, off; MONITOR_RETENTION_DAYS/,
    );
    expect(() => checkMonitorSettings(defaultMonitorSettings({ psiYellow: 0.3, psiRed: 0.2 }))).toThrow(
      expect.objectContaining({ code: 'DEF_ERR_CONFIG_INVALID' }),
    );
  });

  it('pseudonymised refuses to start without the secret, and never echoes a given one', async () => {
    const dataDir = tempDir();
    await expect(
      openMonitor(defaultMonitorSettings({ dataDir, privacyMode: 'pseudonymised' })),
    ).rejects.toMatchObject({
      spec: MONITOR_ERRORS.SECRET_MISSING,
    });
    const err = await openMonitor(
      defaultMonitorSettings({ dataDir, privacyMode: 'pseudonymised', hmacSecret: 'hunter2-secret' }),
    ).catch((e: Error) => e);
    expect((err as Error).message).not.toContain('hunter2');
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('monitor modes', () => {
  it('off: records nothing, opens nothing, and readers say monitoring is off', async () => {
    const dataDir = tempDir();
    const m = await openMonitor(defaultMonitorSettings({ dataDir, privacyMode: 'off' }));
    expect(m.store).toBeNull();
    expect(
      m.observePrediction({
        modelVersion: 'v1',
        endpoint: 'predict',
        records: [{}],
        scores: [0.5],
        labels: [1],
        at: T0,
      }),
    ).toBe(false);
    await expect(m.health(lastDays(1, T0))).rejects.toMatchObject({ code: 'DEF_ERR_MONITOR_MONITORING_OFF' });
    await expect(
      m.drift({ modelVersion: 'v1', baseline: tinyBaseline(), window: lastDays(1, T0) }),
    ).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_MONITORING_OFF',
    });
    await m.close();
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('aggregate_only: service health per endpoint from recorded requests, with drops', async () => {
    const dataDir = tempDir();
    const m = await openMonitor(defaultMonitorSettings({ dataDir, queueMax: 100, batchSize: 100 }), {
      now: () => T0,
      pruneIntervalMs: 0,
    });
    for (let i = 0; i < 100; i++)
      m.observeRequest({
        endpoint: i < 80 ? '/predict' : '/v2/models/defasagem/infer',
        status: i % 20 === 0 ? 500 : 200,
        latencyMs: 1 + (i % 10),
        at: T0 - 60_000,
      });
    expect(m.observeRequest({ endpoint: '/predict', status: 200, latencyMs: 1, at: T0 })).toBe(false);
    await m.flush();
    // Drops are counted in the hour they are written (T0's); the window ends after it.
    const h = await m.health(lastDays(1, T0 + 60_000));
    const p = h.endpoints.find((e) => e.endpoint === '/predict')!;
    expect(p.requests).toBe(80);
    expect(p.error_rate).toBeCloseTo(4 / 80, 12);
    expect(p.dropped.requests).toBe(1);
    expect(p.latency_ms.p50).not.toBeNull();
    expect(h.total.requests).toBe(100);
    expect(h.recorder.dropped.requests).toBe(1);
    expect(h.window.to).toBe(new Date(T0 + 60_000).toISOString());
    await m.close();
  });
});

describe('windows', () => {
  it('last N days, or between two dates; anything else is WINDOW_INVALID', () => {
    expect(lastDays(7, T0)).toEqual({ from: T0 - 7 * 86_400_000, to: T0 });
    for (const bad of [0, -1, 1.5, Number.NaN, 4000])
      expect(() => lastDays(bad, T0)).toThrow(
        expect.objectContaining({ code: 'DEF_ERR_MONITOR_WINDOW_INVALID' }),
      );
    expect(windowBetween(new Date(T0), new Date(T0 + 1))).toEqual({ from: T0, to: T0 + 1 });
    expect(() => windowBetween(new Date(T0), new Date(T0))).toThrow(
      expect.objectContaining({ code: 'DEF_ERR_MONITOR_WINDOW_INVALID' }),
    );
  });
});

describe('prune by hand', () => {
  it('deletes what is older than the retention period and says from when', async () => {
    const store = await openSqliteStore({ dataDir: tempDir() });
    for (const at of [T0 - 31 * 86_400_000, T0 - 86_400_000])
      await store.append({
        binSpecs: [],
        predictionCounts: [],
        rows: [],
        requestCounts: [{ hour: hourOf(at), endpoint: '/predict', series: 'requests', bin: '', n: 1 }],
      });
    const res = await pruneStore(store, 30, T0);
    expect(res).toEqual({
      predictionCounts: 0,
      requestCounts: 1,
      rows: 0,
      before: new Date(T0 - 30 * 86_400_000).toISOString(),
    });
    expect(await store.requestCounts({ from: 0, to: T0 })).toEqual([
      { endpoint: '/predict', series: 'requests', bin: '', n: 1 },
    ]);
    await store.close();
  });
});
