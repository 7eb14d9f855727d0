import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import type { BundleParts } from './bundle.js';
import { ModelHolder, type ReloadFailure } from './holder.js';
import { createMetrics } from './metrics.js';
import { EXAMPLE_STUDENT, standInParts, testSettings } from './testing/support.js';

const base = {
  policy: { extraFeatures: 'reject' as const, maxInstances: 1000 },
  bandAlto: null,
  bandMedio: null,
};

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A pointer file in a temp dir plays champion.json; the loader reads it like the registry would. */
function pointerSource(opts: { broken?: Set<string> } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'defasagem-holder-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'champion.json');
  const point = (version: string) => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version }));
    renameSync(tmp, file); // like the registry: write a temp file, then rename over
  };
  const current = () => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  const load = async (): Promise<BundleParts> => {
    const v = current();
    if (opts.broken?.has(v)) return standInParts(v, { broken: true });
    return standInParts(v, { bias: v === 'v2.0.0' ? -1 : 1.2 });
  };
  return { dir, file, point, load, probe: async () => current() };
}

describe('ModelHolder', () => {
  it('loads, warms up and swaps; a failed reload keeps the old model and says why', async () => {
    const src = pointerSource({ broken: new Set(['v9.9.9']) });
    src.point('v1.0.0');
    const failures: ReloadFailure[] = [];
    const swaps: string[] = [];
    const holder = new ModelHolder({
      ...base,
      load: src.load,
      probe: src.probe,
      events: { onSwap: (b) => swaps.push(b.version), onFailure: (f) => failures.push(f) },
    });
    expect(holder.ready).toBe(false);
    expect(await holder.reload('startup')).toBe('swapped');
    expect(holder.current?.version).toBe('v1.0.0');
    expect(await holder.check('poll')).toBe('unchanged');

    src.point('v9.9.9'); // NaN scores: warm-up must refuse it
    expect(await holder.check('poll')).toBe('failed');
    expect(holder.current?.version).toBe('v1.0.0');
    expect(holder.reason).toContain('not a probability');
    expect(failures).toHaveLength(1);
    // The same bad target is not retried on every poll.
    expect(await holder.check('poll')).toBe('failed');
    expect(failures).toHaveLength(1);

    src.point('v2.0.0');
    expect(await holder.check('poll')).toBe('swapped');
    expect(holder.current?.version).toBe('v2.0.0');
    expect(holder.lastFailure).toBeNull();
    expect(swaps).toEqual(['v1.0.0', 'v2.0.0']);
  });

  it('uses the risk bands stored in the model unless settings override them', async () => {
    const parts = standInParts('v1.0.0', { noBands: true });
    Object.assign(parts.model, { riskBands: { medio_from: 0.4, alto_from: 0.7, alto_min_precision: 0.8 } });
    const own = new ModelHolder({ ...base, load: async () => parts });
    await own.reload('t');
    expect(own.current?.bands).toEqual({ alto: 0.7, medio: 0.4 });
    const set = new ModelHolder({
      ...base,
      bandAlto: { value: 1.5, relative: true },
      bandMedio: { value: 0.3, relative: false },
      load: async () => parts,
    });
    await set.reload('t');
    expect(set.current?.bands.alto).toBeCloseTo(0.6);
    expect(set.current?.bands.medio).toBeCloseTo(0.3);
    // No bands in the model and none configured: refused, never guessed.
    const none = new ModelHolder({ ...base, load: async () => standInParts('v1.0.0', { noBands: true }) });
    expect(await none.reload('t')).toBe('failed');
    expect(none.reason).toContain('RISK_BAND_ALTO');
  });

  it('concurrent reloads share one load', async () => {
    let loads = 0;
    const holder = new ModelHolder({
      ...base,
      bandAlto: { value: 1, relative: true },
      bandMedio: { value: 0.5, relative: true },
      load: async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 20));
        return standInParts('v1.0.0');
      },
    });
    const results = await Promise.all([holder.reload('a'), holder.reload('b'), holder.reload('c')]);
    expect(results.every((r) => r === 'swapped')).toBe(true);
    // One load plus at most one follow-up pass for the calls that arrived during it.
    expect(loads).toBe(2);
  });

  it('follows the pointer file through fs.watch without waiting for the poll', async () => {
    const src = pointerSource();
    src.point('v1.0.0');
    const holder = new ModelHolder({
      ...base,
      bandAlto: { value: 1, relative: true },
      bandMedio: { value: 0.5, relative: true },
      load: src.load,
      probe: src.probe,
    });
    await holder.reload('startup');
    holder.startWatching(src.dir, 'champion.json', 0); // watch only, no poll
    src.point('v2.0.0');
    const deadline = Date.now() + 3000;
    while (holder.current?.version !== 'v2.0.0' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(holder.current?.version).toBe('v2.0.0');
    await holder.stop();
  });
});

describe('hot swap under load (real socket)', () => {
  it('swaps the champion back and forth while clients hammer /predict: zero failed requests', async () => {
    const src = pointerSource();
    src.point('v1.0.0');
    const holder = new ModelHolder({
      ...base,
      bandAlto: { value: 1, relative: true },
      bandMedio: { value: 0.5, relative: true },
      load: src.load,
      probe: src.probe,
      events: { onSwap: () => swaps++ },
    });
    let swaps = 0;
    await holder.reload('startup');
    holder.startWatching(src.dir, 'champion.json', 0.05);
    const app = await buildApp({ settings: testSettings(), holder, metrics: createMetrics(), logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/predict`;
    const body = JSON.stringify(EXAMPLE_STUDENT);

    let stop = false;
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let total = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const j = (await r.json()) as { model_version?: string; risk_score?: number };
          total++;
          if (r.status !== 200 || typeof j.risk_score !== 'number') failures.push(`${r.status}`);
          else seen.set(j.model_version!, (seen.get(j.model_version!) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // Bounded: 12 moves, 100 ms apart (~1.2 s of load).
    const versions = ['v2.0.0', 'v1.0.0'];
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 100));
      src.point(versions[i % 2]!);
    }
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await Promise.all(workers);
    await holder.stop();
    await app.close();

    expect(failures).toEqual([]);
    expect(total).toBeGreaterThan(100);
    expect(seen.get('v1.0.0')).toBeGreaterThan(0);
    expect(seen.get('v2.0.0')).toBeGreaterThan(0);
    expect(swaps).toBeGreaterThanOrEqual(6);
  });
});
