import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODELING_COLUMNS } from '../../data/ingest.js';
import { encodeParquet } from '../../data/parquet.js';
import { syntheticRows } from '../../features/testing/records.js';
import { ARTIFACT_FILES } from '../../train/artifacts.js';
import { runCommandInProcess } from '../testing/support.js';
import { registerTrainCommands } from './train.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-train-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = path.join(tmp, 'modeling_dataset.parquet');
writeFileSync(data, encodeParquet(syntheticRows(300, 5), MODELING_COLUMNS));
const config = path.join(tmp, 'train.json');
writeFileSync(
  config,
  JSON.stringify({ bootstrap: 20, bootstrap_groups: 10, random_forest: { n_estimators: 10 } }),
);

/** Runs `defasagem ...` in-process with the real top-level catch, capturing the output. */
function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCommandInProcess(registerTrainCommands, [...args]);
}

describe('defasagem train', () => {
  it('trains and prints the summary as JSON with --json', async () => {
    const dir = path.join(tmp, 'artifacts');
    const r = await cli(
      'train',
      '--json',
      '--data',
      data,
      '--artifacts',
      dir,
      '--config',
      config,
      '--no-refit',
    );
    expect(r.code).toBe(0);
    // --json: stdout is one JSON document, no progress lines anywhere.
    expect(r.err).toBe('');
    const s = JSON.parse(r.out);
    expect(s.refit).toBe(false);
    expect(s.testYear).toBe(2024);
    expect(s.files).toHaveLength(ARTIFACT_FILES.length);
    expect(readdirSync(dir).sort()).toEqual([...ARTIFACT_FILES].sort());
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli('train', '--data', data, '--artifacts', path.join(tmp, 'human'), '--config', config);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/test 2024 +recall \d+\.\d%/);
    expect(r.out).toContain('production refit on 2023, 2024');
  });

  it('rejects bad arguments and configs with the catalogue exit codes', async () => {
    expect((await cli('train', '--data', data, '--seed', 'x')).code).toBe(2);
    const bad = await cli('train', '--json', '--data', data, '--test-year', '24');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out).error.code).toBe('DEF_ERR_USAGE');
    writeFileSync(config.replace('.json', '-bad.json'), '{"folds": 1}');
    const cfg = await cli('train', '--data', data, '--config', config.replace('.json', '-bad.json'));
    expect(cfg.code).toBe(2);
    expect(cfg.err).toContain('DEF_ERR_TRAIN_CONFIG_INVALID');
    const missing = await cli(
      'train',
      '--data',
      path.join(tmp, 'none.parquet'),
      '--artifacts',
      path.join(tmp, 'z'),
    );
    expect(missing.code).toBe(4);
    // An --artifacts path that is a file: a clear usage error (exit 2), not an internal one.
    const file = path.join(tmp, 'artifacts.txt');
    writeFileSync(file, 'not a folder');
    const onFile = await cli('train', '--json', '--data', data, '--artifacts', file, '--config', config);
    expect(onFile.code).toBe(2);
    expect(JSON.parse(onFile.out).error).toMatchObject({
      code: 'DEF_ERR_TRAIN_ARTIFACTS_DIR_FOREIGN',
      details: { path: file },
    });
  });
});
