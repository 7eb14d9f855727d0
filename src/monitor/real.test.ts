/**
 * The acceptance checks on the real PEDE workbook (set PEDE_XLSX; never committed). The model is
 * trained by `defasagem train --no-refit`: developed on the 2022→2023 transitions, backtested on
 * 2023→2024; its baseline describes the 2022→2023 rows.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNormalisedSource } from '../data/ingest.js';
import { renderDriftHtml } from './drift-html.js';
import { computeOutcomes, outcomesByPseudonym, rescoreCohort } from './outcomes.js';
import { pseudonymiser } from './pseudonym.js';
import { defaultMonitorSettings } from './settings.js';
import { realWorkbook, removeTempDirs, type Trained, trainOn } from './testing/fixtures.js';
import { asRecords, replayDrift, rowsOfLabelYears } from './testing/replay.js';

const xlsx = realWorkbook();
if (!xlsx) console.warn('PEDE_XLSX not set or missing: real-data monitoring tests SKIPPED');

afterAll(removeTempDirs);

describe.skipIf(!xlsx)('monitoring on the real PEDE workbook', () => {
  let t: Trained;
  beforeAll(async () => {
    t = await trainOn(xlsx!);
  });

  it('the training rows replayed against their own baseline: PSI < 0.02 on every feature, green', async () => {
    expect(t.baseline.label_years).toEqual([2023]);
    const training = asRecords(rowsOfLabelYears(t.rows, [2023]));
    expect(training.length).toBe(600);
    const r = await replayDrift({ model: t.model, baseline: t.baseline, records: training });
    for (const f of r.fields) {
      if (f.psi !== null) expect(f.psi, f.field).toBeLessThan(0.02);
      expect(f.status, f.field).toBe('green');
    }
    // The score baseline is out-of-fold; these rows replayed get the final model's in-sample scores,
    // a little more confident (PSI 0.043 when measured): green, and the only difference.
    expect(t.baseline.score.source).toBe('out_of_fold');
    expect(r.score.status).toBe('green');
    // IPP does not exist in 2022: no value to compare, and no change in its (total) missing rate.
    expect(r.fields.find((f) => f.field === 'ipp')!.psi).toBeNull();
    expect(r.status).toBe('green');
  });

  it('the 2024 cohort against the 2022→2023 baseline shows the real shifts', async () => {
    const cohort = asRecords(rowsOfLabelYears(t.rows, [2024]));
    expect(cohort.length).toBe(765);
    const r = await replayDrift({ model: t.model, baseline: t.baseline, records: cohort });
    // Students already behind: 68.5% of the 2022 rows, 51.6% of the 2023 rows.
    expect(r.share_behind!.baseline).toBeCloseTo(0.685, 3);
    expect(r.share_behind!.current!).toBeCloseTo(0.5163, 3);
    const f = Object.fromEntries(r.fields.map((x) => [x.field, x]));
    expect(r.status).toBe('red');
    expect(f.defasagem!.psi).toBeGreaterThan(0.1);
    // IPP appears (it was never filled in 2022), fase 8 and 2023 entrants are new, IPS changed scale.
    expect(f.ipp!.missing_status).toBe('red');
    expect(f.fase!.unseen).toContain('8');
    expect(f.ano_ingresso!.unseen).toEqual(['2023']);
    expect(f.ips!.status).toBe('red');
    // Gender balance did not move; the observation year is shown but not counted.
    expect(f.genero!.status).toBe('green');
    expect(f.ano_base!.counted).toBe(false);
    const out = process.env.WRITE_DRIFT_HTML;
    if (out) writeFileSync(out, renderDriftHtml(r));
  });

  it('outcomes: the 2023 cohort re-scored by the 2022→2023 model, outcomes from 2024, equal the training backtest', async () => {
    const { years } = await readNormalisedSource(xlsx!);
    const y2023 = years.find((y) => y.year === 2023)!.records;
    const y2024 = years.find((y) => y.year === 2024)!.records;
    const pseudo = pseudonymiser('real-data-test-secret-0123456789abcdef');
    const predictions = rescoreCohort({
      model: t.model,
      modelVersion: 'v1.0.0',
      records: y2023,
      pseudonymise: pseudo,
    });
    const report = computeOutcomes(predictions, outcomesByPseudonym(y2024, pseudo), defaultMonitorSettings());
    const v = report.versions[0]!;
    const test = t.metrics.test;
    expect(v.overall.n).toBe(test.n);
    expect(v.overall.recall!).toBeCloseTo(test.metrics.recall!.value, 6);
    expect(v.overall.precision!).toBeCloseTo(test.metrics.precision!.value, 6);
    expect(v.overall.pr_auc!).toBeCloseTo(test.metrics.pr_auc!.value, 6);
    expect(v.overall.ece).toBeCloseTo(test.metrics.ece!.value, 6);
    expect(report.unmatched).toBe(y2023.length - test.n);
    expect(Object.keys(v.groups.genero).sort()).toEqual(['feminino', 'masculino']);
    // The report is about groups and versions: no RA, no pseudonym.
    const json = JSON.stringify(report);
    expect(y2023.slice(0, 50).filter((r) => json.includes(`"${r.ra}"`))).toEqual([]);
    expect(json).not.toContain(predictions[0]!.subject);
  });
});
