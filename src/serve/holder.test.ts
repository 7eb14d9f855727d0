import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudentRecord } from '../core/student.js';
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
  it('swaps the champion back and forth while clients hammer /predict: every answer whole, from the old or the new model', async () => {
    const src = pointerSource();
    src.point('v1.0.0');
    const swapped: string[] = [];
    const holder = new ModelHolder({
      ...base,
      bandAlto: { value: 1, relative: true },
      bandMedio: { value: 0.5, relative: true },
      load: src.load,
      probe: src.probe,
      events: { onSwap: (b) => swapped.push(b.version) },
    });
    await holder.reload('startup');
    holder.startWatching(src.dir, 'champion.json', 0.05);
    const app = await buildApp({ settings: testSettings(), holder, metrics: createMetrics(), logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/predict`;
    const body = JSON.stringify(EXAMPLE_STUDENT);
    // What each version answers for this student (the two stand-ins differ in their bias).
    const expected = new Map(
      ['v1.0.0', 'v2.0.0'].map((v) => [
        v,
        standInParts(v, { bias: v === 'v2.0.0' ? -1 : 1.2 }).model.predictOne(
          EXAMPLE_STUDENT as StudentRecord,
        ),
      ]),
    );
    expect(expected.get('v1.0.0')).not.toBe(expected.get('v2.0.0'));

    const failures: string[] = [];
    const answers: Array<{ phase: number; version: string }> = [];
    const predict = async (phase: number) => {
      try {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const j = (await r.json()) as { model_version?: string; risk_score?: number };
        if (r.status !== 200 || typeof j.risk_score !== 'number' || !expected.has(j.model_version ?? ''))
          failures.push(`${r.status} ${JSON.stringify(j)}`);
        else if (j.risk_score !== expected.get(j.model_version!))
          failures.push(`${j.model_version} answered another model's score`);
        else answers.push({ phase, version: j.model_version! });
      } catch (err) {
        failures.push(String(err));
      }
    };
    // A fixed amount of work, not a duration: 6 moves of the champion; each one is made while 8
    // clients send 10 requests each, then waited for, then checked with one more request.
    const PHASES = 6;
    const CLIENTS = 8;
    const PER_CLIENT = 10;
    const versions = ['v2.0.0', 'v1.0.0'];
    for (let phase = 0; phase < PHASES; phase++) {
      const target = versions[phase % 2]!;
      src.point(target);
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (let i = 0; i < PER_CLIENT; i++) await predict(phase);
        }),
      );
      // The move is applied (by the watcher or the 50 ms poll) whatever the speed of the machine.
      while (holder.current?.version !== target) await new Promise((r) => setTimeout(r, 5));
      const before = answers.length;
      await predict(phase);
      expect(answers.slice(before)).toEqual([{ phase, version: target }]);
    }
    await holder.stop();
    await app.close();

    expect(failures).toEqual([]);
    expect(answers).toHaveLength(PHASES * (CLIENTS * PER_CLIENT + 1));
    // While a move was under way, answers came from the model before it or the one after, nothing else.
    for (const a of answers)
      expect([versions[(a.phase + 1) % 2], versions[a.phase % 2]]).toContain(a.version);
    expect(swapped.filter((v, i) => v !== swapped[i - 1])).toEqual([
      'v1.0.0',
      ...Array.from({ length: PHASES }, (_, i) => versions[i % 2]),
    ]);
  });
});
