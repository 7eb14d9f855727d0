/**
 * Drift end to end on a model trained by `defasagem train` on a synthetic workbook (always runs; the
 * real-workbook checks are in real.test.ts): events go through the real writer and SQLite store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { histogramsFromRecords } from './aggregate.js';
import { binSpecFromBaseline } from './bins.js';
import { computeDrift } from './drift.js';
import { driftOptions } from './monitor.js';
import { PSI_EPSILON, psi } from './psi.js';
import { defaultMonitorSettings } from './settings.js';
import {
  modelingRowsOf,
  removeTempDirs,
  syntheticWorkbook,
  type Trained,
  trainOn,
} from './testing/fixtures.js';
import {
  asRecords,
  LAST_WEEK,
  replayDrift,
  replayThroughMonitor,
  rowsOfLabelYears,
  scoreRows,
} from './testing/replay.js';

afterAll(removeTempDirs);

let t: Trained;
let training: ReturnType<typeof asRecords>;
beforeAll(async () => {
  t = await trainOn(await syntheticWorkbook(700));
  training = asRecords(rowsOfLabelYears(t.rows, t.baseline.label_years));
});

const OPTIONS = driftOptions(defaultMonitorSettings());

/** Drift of `records` straight from histograms (no store). */
function replay(records: readonly object[]) {
  const { scores, labels } = scoreRows(t.model, records);
  return computeDrift({
    baseline: t.baseline,
    histograms: histogramsFromRecords(binSpecFromBaseline(t.baseline), records, scores, labels),
    modelVersion: 'v1.0.0',
    options: OPTIONS,
  });
}

describe('drift against the training baseline', () => {
  it('the training rows replayed through the writer and the store: PSI < 0.02 on every feature, green', async () => {
    expect(training.length).toBe(t.baseline.rows);
    const r = await replayDrift({ model: t.model, baseline: t.baseline, records: training });
    expect(r.records).toBe(training.length);
    for (const f of r.fields) {
      if (f.values.baseline > 0) expect(f.psi, f.field).toBeLessThan(0.02);
      expect(f.missing_rate.change, f.field).toBe(0);
      expect(f.status, f.field).toBe('green');
    }
    // The score is not replayed like for like: the baseline holds out-of-fold scores (what the model
    // says of students it never saw) and a replay of the training rows gets the final model's in-sample
    // scores, which are more confident. The gap is the model's optimism on its own rows (see the fresh
    // cohort test below for why the baseline must not be in-sample).
    expect(t.baseline.score.source).toBe('out_of_fold');
    expect(r.score.psi!).toBeGreaterThan(0);
    expect(r.attention.filter((a) => a.field !== 'score')).toEqual([]);
    // The store path and the pure replay agree exactly.
    const pure = replay(training);
    expect(r.fields.map((f) => [f.field, f.psi, f.bins])).toEqual(
      pure.fields.map((f) => [f.field, f.psi, f.bins]),
    );
  });

  it('a fresh cohort of the same population: no score drift against the out-of-fold baseline, unlike an in-sample one', async () => {
    // Same generator, other students: the population has not changed, so the score must not drift.
    const fresh = asRecords(
      rowsOfLabelYears(await modelingRowsOf(await syntheticWorkbook(700, 8)), t.baseline.label_years),
    );
    const oof = replay(fresh);
    // What an in-sample baseline would have held: the final model's scores on its own training rows.
    const inSample = replay(training).score.bins.map((b) => b.current);
    const { scores } = scoreRows(t.model, fresh);
    const edges = t.baseline.score.bin_edges;
    const now = new Array<number>(edges.length + 1).fill(0);
    for (const s of scores) now[edges.filter((e) => s > e).length]! += 1;
    const psiInSample = psi(inSample, now, PSI_EPSILON);
    expect(oof.score.psi!, 'fresh cohort against the out-of-fold baseline').toBeLessThan(OPTIONS.psiYellow);
    expect(oof.score.psi!).toBeLessThan(psiInSample);
  });

  it('a synthetic shift of one feature turns that feature, and only it, red', () => {
    const shifted = training.map((r) => ({ ...r, ieg: r.ieg === null ? null : Math.max(0, r.ieg - 3) }));
    const r = replay(shifted);
    const byStatus = (s: string) => r.fields.filter((f) => f.status === s).map((f) => f.field);
    expect(byStatus('red')).toEqual(['ieg']);
    expect(byStatus('yellow')).toEqual([]);
    expect(r.fields.find((f) => f.field === 'ieg')!.psi).toBeGreaterThan(0.25);
    expect(r.status).toBe('red');
    expect(r.attention[0]).toEqual({ field: 'ieg', status: 'red' });
  });

  it('a field that stops being filled in turns red through its missing rate', () => {
    const r = replay(training.map((x, i) => ({ ...x, ida: i % 4 === 0 ? null : x.ida })));
    const ida = r.fields.find((f) => f.field === 'ida')!;
    expect(ida.missing_status).toBe('red');
    expect(ida.psi_status).toBe('green');
    expect(ida.missing_rate.change!).toBeGreaterThan(OPTIONS.missingRed);
    expect(r.fields.filter((f) => f.status !== 'green').map((f) => f.field)).toEqual(['ida']);
  });

  it('a category training never saw is named and counted, not dropped', () => {
    const r = replay(training.map((x, i) => ({ ...x, fase: i % 5 === 0 ? 9 : x.fase })));
    const fase = r.fields.find((f) => f.field === 'fase')!;
    expect(fase.unseen).toContain('9');
    expect(fase.status).toBe('red');
    expect(fase.bins.reduce((s, b) => s + b.current, 0)).toBeCloseTo(1, 12);
  });

  it('few students in the window make the overall status "insufficient", whatever the PSI', () => {
    const r = replay(training.slice(0, 40));
    expect(r.records).toBe(40);
    expect(r.status).toBe('insufficient');
  });

  it('events counted without the baseline cannot be compared with it (BINS_MISMATCH)', async () => {
    const { monitor } = await replayThroughMonitor({
      model: t.model,
      baseline: null,
      records: training.slice(0, 50),
    });
    await expect(
      monitor.drift({ modelVersion: 'v1.0.0', baseline: t.baseline, window: LAST_WEEK }),
    ).rejects.toMatchObject({ code: 'DEF_ERR_MONITOR_BINS_MISMATCH' });
    // Its volumes and scores are still recorded (default bins).
    const counts = await monitor.store!.predictionCounts(LAST_WEEK);
    expect(counts.filter((c) => c.series === 'records').reduce((s, c) => s + c.n, 0)).toBe(50);
    await monitor.close();
  });
});
