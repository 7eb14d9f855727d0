/**
 * REGRESSION CHECK on the 2024 backtest (never a tuning target: see docs/model.md). Set PEDE_XLSX.
 *
 * The backtest model — developed on the 2022 → 2023 transitions only, by the default protocol — is
 * served by the HTTP app and sent the 765 students of 2023 who are in the 2024 sheet, as a client would
 * send them: read straight from the workbook by an independent reader  (src/train/testing/
 * client-records.ts: true ages, checked against the birth dates). On their 2024 outcome it must reach
 * ROC-AUC ≥ 0.875, PR-AUC ≥ 0.83 and, at its own risk_label, precision ≥ 0.65 with recall ≥ 0.75.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../data/ingest.js';
import { averagePrecision, rocAuc } from '../ml/metrics.js';
import type { MetricsFile } from '../model/types.js';
import { type ClientStudent, clientStudents2023 } from '../train/testing/client-records.js';
import { train } from '../train/train.js';
import { type Prediction, predict, serveModel } from './testing/served-model.js';

const xlsx = process.env.PEDE_XLSX;
const available = !!xlsx && existsSync(xlsx);
if (!available) console.warn('PEDE_XLSX not set or missing: the 2024 backtest regression check is SKIPPED');

describe.skipIf(!available)(
  'regression check: the backtest model served by the API, 2023 students → 2024',
  () => {
    let tmp = '';
    let artifacts = '';
    let app: FastifyInstance;
    let students: ClientStudent[] = [];
    let got: Prediction[] = [];

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-backtest-api-'));
      const data = (await ingest({ source: xlsx!, outDir: path.join(tmp, 'data') })).outputs.modelingDataset;
      artifacts = path.join(tmp, 'artifacts');
      await train({ dataPath: data, artifactsDir: artifacts, seed: 42, testYear: 2024, refit: false });
      students = (await clientStudents2023(xlsx!)).filter((s) => s.outcome2024 !== null);
      app = await serveModel(artifacts);
      got = await predict(
        app,
        students.map((s) => s.body),
      );
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('the model served is the backtest model, and the client sends the 765 students with true ages', () => {
      const model = JSON.parse(readFileSync(path.join(artifacts, 'model_v1.json'), 'utf8'));
      expect(model.training).toMatchObject({ fit: 'backtest', label_years: [2023] });
      expect(students).toHaveLength(765);
      expect(students.filter((s) => s.outcome2024 === 1)).toHaveLength(308);
      // A true age is year − birth year or one less: every student's, including the Excel-date ones.
      for (const s of students) expect([0, -1], `age ${s.body.idade}`).toContain(s.ageVsBirth);
      expect(got).toHaveLength(765);
    });

    it('ranks and flags them well enough: ROC ≥ 0.875, PR ≥ 0.83, precision ≥ 0.65 with recall ≥ 0.75', () => {
      const y = students.map((s) => s.outcome2024!);
      const scores = got.map((p) => p.risk_score);
      let tp = 0;
      let fp = 0;
      got.forEach((p, i) => {
        if (p.risk_label === 1) {
          if (y[i] === 1) tp++;
          else fp++;
        }
      });
      const positives = y.reduce<number>((a, b) => a + b, 0);
      const result = {
        roc_auc: rocAuc(y, scores),
        pr_auc: averagePrecision(y, scores),
        precision: tp / (tp + fp),
        recall: tp / positives,
        flagged: (tp + fp) / y.length,
      };
      console.info(`2024 backtest through the API: ${JSON.stringify(result)}`);
      expect(result.roc_auc).toBeGreaterThanOrEqual(0.875);
      expect(result.pr_auc).toBeGreaterThanOrEqual(0.83);
      expect(result.precision).toBeGreaterThanOrEqual(0.65);
      expect(result.recall).toBeGreaterThanOrEqual(0.75);
      // The team can act on it: no more than 1.25 × the share the model expects to lag.
      const expected = scores.reduce((a, b) => a + b, 0) / scores.length;
      expect(result.flagged).toBeLessThanOrEqual(1.25 * expected);
    });

    it("training's own backtest block measured the same students the same way", () => {
      const metrics = JSON.parse(
        readFileSync(path.join(artifacts, 'metrics_v1.json'), 'utf8'),
      ) as MetricsFile;
      const t = metrics.test!;
      expect(t.n).toBe(765);
      expect(t.positives).toBe(308);
      const flagged = got.filter((p) => p.risk_label === 1).length;
      expect(t.confusion.tp + t.confusion.fp).toBe(flagged);
      expect(t.metrics.roc_auc.value).toBeCloseTo(
        rocAuc(
          students.map((s) => s.outcome2024!),
          got.map((p) => p.risk_score),
        ),
        6,
      );
    });
  },
);
