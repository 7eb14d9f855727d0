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

const { fsyncDir, HOST_ID, publishDirectories, recoverInterruptedPublish, tempOwner, writeFileDurable } =
  await import('./durable-fs.js');

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

describe('publishDirectories (the stage-and-swap publisher)', () => {
  it('replaces interim/ and processed/ with the new run and leaves no staging directory', () => {
    const outDir = newOutDir();
    publishDirectories(outDir, run(1));
    publishDirectories(outDir, run(2));
    expect(contents(outDir)).toEqual(run(2));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });

  it('a failure while swapping processed/ puts interim/ back: the outputs stay those of one run', () => {
    const outDir = newOutDir();
    publishDirectories(outDir, run(1));
    // interim/ is swapped first; the move of the new processed/ into place fails.
    failRename.when = (from, to) =>
      from.endsWith(`${path.sep}processed`) && to === path.join(outDir, 'processed');
    expect(() => publishDirectories(outDir, run(2))).toThrow(/EIO: injected failure/);
    expect(contents(outDir)).toEqual(run(1));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });

  it('a failure on the first run leaves no output directory at all', () => {
    const outDir = newOutDir();
    failRename.when = (from, to) =>
      from.endsWith(`${path.sep}processed`) && to === path.join(outDir, 'processed');
    expect(() => publishDirectories(outDir, run(1))).toThrow(/EIO/);
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
    publishDirectories(outDir, run(1));
    // What a run killed after swapping interim/ and before swapping processed/ leaves behind.
    const staging = path.join(outDir, `.tmp-publish-${HOST_ID}-${deadPid()}-abc12345`);
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
    publishDirectories(outDir, run(1));
    const pid = deadPid();
    const midSwap = path.join(outDir, `.tmp-publish-${HOST_ID}-${pid}-aaaaaaaa`);
    mkdirSync(path.join(midSwap, 'interim'), { recursive: true });
    mkdirSync(path.join(midSwap, 'processed'), { recursive: true });
    writeFileSync(path.join(midSwap, '.subdirs.json'), JSON.stringify(['interim', 'processed']));
    renameSync(path.join(outDir, 'interim'), path.join(midSwap, '.old-interim'));
    const writing = path.join(outDir, `.tmp-publish-${HOST_ID}-${pid}-bbbbbbbb`);
    mkdirSync(path.join(writing, 'interim'), { recursive: true });
    // A live run's staging directory is work in progress: left alone.
    const live = path.join(outDir, `.tmp-publish-${HOST_ID}-${process.pid}-cccccccc`);
    mkdirSync(live);
    // Another host's (shared storage): its pid means nothing here, so it is never judged by it.
    const otherHost = HOST_ID === '00000000' ? '11111111' : '00000000';
    const remote = path.join(outDir, `.tmp-publish-${otherHost}-${pid}-eeeeeeee`);
    mkdirSync(remote);

    recoverInterruptedPublish(outDir);
    expect(contents(outDir)).toEqual(run(1));
    expect(readdirSync(outDir).sort()).toEqual(
      [path.basename(live), path.basename(remote), 'interim', 'processed'].sort(),
    );
  });

  it('cleans what a killed run left before writing its own outputs', () => {
    const outDir = newOutDir();
    mkdirSync(path.join(outDir, `.tmp-publish-${HOST_ID}-${deadPid()}-dddddddd`, 'interim'), {
      recursive: true,
    });
    publishDirectories(outDir, run(3));
    expect(contents(outDir)).toEqual(run(3));
    expect(readdirSync(outDir).sort()).toEqual(['interim', 'processed']);
  });
});

describe('writeFileDurable (crash-safe replacement of one file)', () => {
  it('replaces the content and leaves no temp file; a refusing beforeRename keeps the old content', () => {
    const dir = newOutDir();
    const file = path.join(dir, 'champion.json');
    writeFileDurable(file, 'one');
    writeFileDurable(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(() =>
      writeFileDurable(file, 'three', {
        beforeRename: () => {
          throw new Error('fenced');
        },
      }),
    ).toThrow('fenced');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['champion.json']);
  });

  it('names its temp files after this host and process', () => {
    const dir = newOutDir();
    failRename.when = (from) => {
      const owner = tempOwner(path.basename(from));
      expect(owner).toEqual({ host: HOST_ID, pid: process.pid, sameHost: true });
      return true;
    };
    expect(() => writeFileDurable(path.join(dir, 'x.json'), 'x')).toThrow(/EIO/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('fsyncDir error policy', () => {
  it('throws a real error (a missing directory): the durability promise cannot be kept', () => {
    expect(() => fsyncDir(path.join(newOutDir(), 'missing'))).toThrow(/ENOENT/);
  });

  it('syncs an existing directory without error', () => {
    expect(() => fsyncDir(newOutDir())).not.toThrow();
  });
});
