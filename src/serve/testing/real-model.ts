/** A model trained for real by src/train, for the tests that serve one (socket, integration). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * A REAL model for integration tests: a small synthetic workbook → ingest → train (small ensembles,
 * few resamples: the tests check serving, not accuracy) → artifacts. About 2–4 s.
 */
export async function trainRealArtifacts(root: string, seed: number): Promise<string> {
  const { writeSyntheticWorkbook } = await import('../../data/synth.js');
  const { ingest } = await import('../../data/ingest.js');
  const { train } = await import('../../train/train.js');
  const { resolveConfig } = await import('../../train/config.js');
  const dir = path.join(root, `train-${seed}`);
  mkdirSync(dir, { recursive: true });
  const workbook = path.join(dir, 'synthetic.xlsx');
  await writeSyntheticWorkbook(workbook, { students: 300, years: [2022, 2023, 2024], seed });
  const s = await ingest({ source: workbook, outDir: path.join(dir, 'data') });
  const artifactsDir = path.join(dir, 'artifacts');
  const config = resolveConfig({
    bootstrap: 50,
    random_forest: { n_estimators: 15 },
    gbdt: { max_iter: 60, learning_rate: 0.2 },
  });
  await train({ dataPath: s.outputs.modelingDataset, artifactsDir, seed, refit: true, config });
  return artifactsDir;
}
