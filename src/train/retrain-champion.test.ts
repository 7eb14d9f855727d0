import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticRows } from '../features/testing/records.js';
import type { ModelFileV1 } from '../model/format.js';
import type { LearnerKind } from '../model/learners.js';
import { loadModel } from '../model/load.js';
import { resolveConfig, type TrainConfig } from './config.js';
import { type Champion, evaluateChampion } from './retrain-champion.js';
import { writeDataset } from './testing/retrain.js';
import { type BacktestView, developBacktestModel, train } from './train.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-retrain-champion-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Label years 2023 and 2024 (development) and 2025 (test); three candidates besides persistence, kept small.
const data = writeDataset(path.join(tmp, 'data.parquet'), syntheticRows(500, 5, [2022, 2023, 2024]));
const config = resolveConfig({
  bootstrap: 20,
  bootstrap_groups: 10,
  candidates: ['logistic_regression', 'random_forest', 'gbdt'],
  random_forest: { n_estimators: 12 },
  gbdt: { max_iter: 60, learning_rate: 0.2 },
});
const SEED = 9;

let bt: BacktestView;
beforeAll(async () => {
  await train({
    dataPath: data,
    artifactsDir: path.join(tmp, 'artifacts'),
    seed: SEED,
    refit: true,
    config,
    now: () => new Date('2026-03-01T00:00:00.000Z'),
    onBacktest: (v) => {
      bt = v;
    },
  });
});

const developedAgain = (kind: LearnerKind, cfg: TrainConfig = config, seed = SEED) =>
  developBacktestModel({
    devRows: bt.devRows,
    cfg,
    seed,
    kind,
    dataSha256: bt.dataSha256,
    createdAt: bt.createdAt,
  });

/** A champion that was fitted on the test year too, with the given recipe (what evaluateChampion reads). */
const champion = (learner: LearnerKind, cfg: TrainConfig, seed: number): Champion =>
  ({
    version: 'v1.0.0',
    labelYears: [bt.testYear],
    learner,
    config: cfg,
    seed,
  }) as unknown as Champion;

describe("the champion's backtest model taken from the challenger's run", () => {
  it.each(['persistence', 'logistic_regression', 'random_forest', 'gbdt'] as const)(
    "%s: the run's model is byte for byte the one developBacktestModel fits again",
    (kind) => {
      const reused = bt.developedModel(kind);
      expect(reused).not.toBeNull();
      expect(JSON.stringify(reused)).toBe(JSON.stringify(developedAgain(kind)));
    },
  );

  it('a kind the run did not develop has none', async () => {
    const only: BacktestView[] = [];
    await train({
      dataPath: data,
      artifactsDir: path.join(tmp, 'artifacts-gbdt'),
      seed: SEED,
      refit: false,
      config: resolveConfig({ ...config, candidates: ['gbdt'] }),
      onBacktest: (v) => only.push(v),
    });
    expect(only[0]!.developedModel('random_forest')).toBeNull();
    expect(only[0]!.developedModel('gbdt')).not.toBeNull();
  });

  it('the same recipe gives the scores of developing it again; another seed or config is developed again', () => {
    // The run's models asked for: the same recipe is taken from the run, any other is developed again.
    const asked: LearnerKind[] = [];
    const view: BacktestView = {
      ...bt,
      developedModel: (k) => {
        asked.push(k);
        return bt.developedModel(k);
      },
    };
    const scoresOf = (kind: LearnerKind, cfg: TrainConfig, seed: number) =>
      evaluateChampion(champion(kind, cfg, seed), view);
    const scoresOfFile = (file: ModelFileV1) =>
      Array.from(loadModel(JSON.parse(JSON.stringify(file))).predictProba(bt.testRows));
    // A copy of the run's configuration (compared by content, not identity).
    const same = scoresOf('random_forest', structuredClone(config), SEED);
    const again = developedAgain('random_forest');
    expect(same.mode).toBe('redeveloped');
    expect(Array.from(same.scores)).toEqual(scoresOfFile(again));
    expect(same.threshold).toBe(again.threshold);
    expect(asked).toEqual(['random_forest']);
    // Another seed: not the run's model, so developed again with that seed (another forest).
    const other = scoresOf('random_forest', config, SEED + 1);
    expect(Array.from(other.scores)).toEqual(scoresOfFile(developedAgain('random_forest', config, SEED + 1)));
    expect(Array.from(other.scores)).not.toEqual(Array.from(same.scores));
    // Another configuration (fewer trees): developed again with it.
    const smaller = resolveConfig({ ...config, random_forest: { ...config.random_forest, n_estimators: 5 } });
    const changed = scoresOf('random_forest', smaller, SEED);
    expect(Array.from(changed.scores)).toEqual(scoresOfFile(developedAgain('random_forest', smaller, SEED)));
    expect(Array.from(changed.scores)).not.toEqual(Array.from(same.scores));
    expect(asked).toEqual(['random_forest']);
  });
});
