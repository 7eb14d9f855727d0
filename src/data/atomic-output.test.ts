import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// renameSync is wrapped so a test can make one particular rename fail, as a full disk or a
// permission change between two renames would.
const failRename = vi.hoisted(() => ({ when: null as ((from: string, to: string) => boolean) | null }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    renameSync: (from: string, to: string) => {
      if (failRename.when?.(String(from), String(to))) {
        throw Object.assign(new Error(`EIO: injected failure, rename '${from}'`), { code: 'EIO' });
      }
      return fs.renameSync(from, to);
    },
  };
});

const { publishOutputs, recoverInterruptedPublish } = await import('./atomic-output.js');
const { AppError } = await import('../core/error-base.js');
const { CORE_ERRORS } = await import('../core/core-errors.js');

const run = (n: number) => ({
  'interim/2023_normalized.parquet': `interim ${n}`,
  'interim/rejects.csv': `rejects ${n}`,
  'processed/modeling_dataset.parquet': `dataset ${n}`,
  'processed/data_card.json': `card ${n}`,
});

function contents(outDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of readdirSync(outDir)) {
    for (const f of readdirSync(path.join(outDir, sub))) {
      out[`${sub}/${f}`] = readFileSync(path.join(outDir, sub, f), 'utf8');
    }
  }
  return out;
}

afterEach(() => {
  failRename.when = null;
});

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});
/** A fresh output directory, removed after this file's tests. */
function newOutDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'defasagem-publish-'));
  created.push(dir);
  return dir;
}

describe('publishOutputs', () => {
  it('replaces interim/ and processed/ with the new run and leaves no staging directory', () => {
    const outDir = newOutDir();
    publishOutputs(outDir, run(1));
    publishOutputs(outDir, run(2));
    expect(contents(outDir)).toEqual(run(2));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });

  it('a failure while swapping processed/ puts interim/ back: the outputs stay those of one run', () => {
    const outDir = newOutDir();
    publishOutputs(outDir, run(1));
    // interim/ is swapped first; the move of the new processed/ into place fails.
    failRename.when = (from, to) =>
      from.endsWith(`${path.sep}processed`) && to === path.join(outDir, 'processed');
    let caught: unknown;
    try {
      publishOutputs(outDir, run(2));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as InstanceType<typeof AppError>).spec).toBe(CORE_ERRORS.IO_FAILED);
    expect(contents(outDir)).toEqual(run(1));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });

  it('a failure on the first run leaves no output directory at all', () => {
    const outDir = newOutDir();
    failRename.when = (from, to) =>
      from.endsWith(`${path.sep}processed`) && to === path.join(outDir, 'processed');
    expect(() => publishOutputs(outDir, run(1))).toThrow(AppError);
    expect(readdirSync(outDir)).toEqual([]);
  });
});

describe('recoverInterruptedPublish (a run killed with SIGKILL left its staging directory)', () => {
  const deadPid = () => {
    const r = spawnSync(process.execPath, ['-e', '0']);
    return r.pid;
  };

  it('rolls back a run killed between its two swaps: the outputs are the previous run again', () => {
    const outDir = newOutDir();
    publishOutputs(outDir, run(1));
    // What a run killed after swapping interim/ and before swapping processed/ leaves behind.
    const staging = path.join(outDir, `.staging-${deadPid()}-abc123`);
    mkdirSync(path.join(staging, 'processed'), { recursive: true });
    writeFileSync(path.join(staging, 'processed', 'data_card.json'), 'card 2');
    writeFileSync(path.join(staging, '.subdirs.json'), JSON.stringify(['interim', 'processed']));
    renameSync(path.join(outDir, 'interim'), path.join(staging, '.old-interim'));
    mkdirSync(path.join(outDir, 'interim'));
    writeFileSync(path.join(outDir, 'interim', 'rejects.csv'), 'rejects 2');

    recoverInterruptedPublish(outDir);
    expect(contents(outDir)).toEqual(run(1));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });

  it('restores a directory moved aside just before the kill, and drops a staging with no journal', () => {
    const outDir = newOutDir();
    publishOutputs(outDir, run(1));
    const pid = deadPid();
    const midSwap = path.join(outDir, `.staging-${pid}-aaaaaa`);
    mkdirSync(path.join(midSwap, 'interim'), { recursive: true });
    mkdirSync(path.join(midSwap, 'processed'), { recursive: true });
    writeFileSync(path.join(midSwap, '.subdirs.json'), JSON.stringify(['interim', 'processed']));
    renameSync(path.join(outDir, 'interim'), path.join(midSwap, '.old-interim'));
    const writing = path.join(outDir, `.staging-${pid}-bbbbbb`);
    mkdirSync(path.join(writing, 'interim'), { recursive: true });
    // A live run's staging directory is work in progress: left alone.
    const live = path.join(outDir, `.staging-${process.pid}-cccccc`);
    mkdirSync(live);

    recoverInterruptedPublish(outDir);
    expect(contents(outDir)).toEqual(run(1));
    expect(readdirSync(outDir).sort()).toEqual([path.basename(live), 'interim', 'processed']);
  });

  it('publishOutputs cleans what a killed run left before writing its own outputs', () => {
    const outDir = newOutDir();
    mkdirSync(path.join(outDir, `.staging-${deadPid()}-dddddd`, 'interim'), { recursive: true });
    publishOutputs(outDir, run(3));
    expect(contents(outDir)).toEqual(run(3));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });
});
