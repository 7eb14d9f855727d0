/**
 * Fixtures for the retraining tests: modelling datasets written as real parquet files (the synthetic
 * transitions of src/features/testing), labels shuffled by a seeded permutation, a registry with the
 * settings the test asks for, and a digest of a whole directory tree (to prove a dry run wrote nothing).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MODELING_COLUMNS } from '../../data/ingest.js';
import { encodeParquet } from '../../data/parquet.js';
import type { FixtureRow } from '../../features/testing/records.js';
import { createRng } from '../../ml/rng.js';
import { openRegistry, REGISTRY_SETTINGS, type RegistryContext } from '../../registry/index.js';
import { resolveConfig } from '../config.js';

/** Small ensembles and few resamples: the retraining tests check the protocol and the verdicts. */
export const FAST_CONFIG = resolveConfig({
  bootstrap: 20,
  bootstrap_groups: 10,
  candidates: ['gbdt'],
  gbdt: { max_iter: 60, learning_rate: 0.2 },
});

export function writeDataset(file: string, rows: readonly FixtureRow[]): string {
  writeFileSync(file, encodeParquet(rows as FixtureRow[], MODELING_COLUMNS));
  return file;
}

/** The rows with the labels of the given label years permuted among themselves (seeded). */
export function shuffleLabels(
  rows: readonly FixtureRow[],
  labelYears: readonly number[],
  seed: number,
): FixtureRow[] {
  const idx = rows.flatMap((r, i) => (labelYears.includes((r.ano_base as number) + 1) ? [i] : []));
  const labels = idx.map((i) => rows[i]!.em_risco);
  const rng = createRng(seed);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [labels[i], labels[j]] = [labels[j]!, labels[i]!];
  }
  const out = rows.map((r) => ({ ...r }));
  idx.forEach((i, k) => {
    out[i]!.em_risco = labels[k]!;
  });
  return out;
}

/** A registry at `dir` with the default settings (guardrails included) unless overridden. */
export function testRegistry(
  dir: string,
  overrides: Partial<Record<keyof typeof REGISTRY_SETTINGS, number>> = {},
): RegistryContext {
  const defaults = Object.fromEntries(Object.entries(REGISTRY_SETTINGS).map(([k, d]) => [k, d.default]));
  return openRegistry(dir, { ...defaults, ...overrides } as never);
}

/** sha256 over every path, type, mode and file content under `dir` ('absent' when it does not exist). */
export function treeDigest(dir: string): string {
  if (!existsSync(dir)) return 'absent';
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const st = lstatSync(abs);
    hash.update(`${rel}\0${st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f'}\0${st.mode}\0`);
    if (st.isDirectory()) for (const name of readdirSync(abs).sort()) walk(path.join(rel, name));
    else if (st.isFile()) hash.update(readFileSync(abs));
  };
  walk('.');
  return hash.digest('hex');
}
