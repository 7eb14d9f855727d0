/**
 * LGPD check of the default mode: with aggregate_only, after real traffic (students carrying their RA
 * and name, as a careless caller might pass them), no RA, no name and no per-student row exists anywhere
 * under the data directory — database, WAL and shared-memory files scanned byte by byte.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { readNormalisedSource } from '../data/ingest.js';
import { openMonitor } from './monitor.js';
import { defaultMonitorSettings } from './settings.js';
import { SQLITE_FILE } from './store/sqlite.js';
import { realWorkbook, removeTempDirs, syntheticWorkbook, tempDir } from './testing/fixtures.js';
import { filesUnder, namesOf, scanForPersonalData } from './testing/privacy-scan.js';

afterAll(removeTempDirs);

const T0 = Date.UTC(2025, 5, 2, 10, 0);

const sources: [string, () => Promise<string | null>][] = [
  ['synthetic workbook', () => syntheticWorkbook(300)],
  ['real workbook (PEDE_XLSX)', async () => realWorkbook()],
];

describe('aggregate_only leaves no personal data on disk', () => {
  it.each(sources)('%s: no RA, no name, no per-student row under the data directory', async (_label, get) => {
    const source = await get();
    if (!source) {
      console.warn('PEDE_XLSX not set: the real-workbook privacy scan is SKIPPED');
      return;
    }
    const { years } = await readNormalisedSource(source);
    const names = await namesOf(source);
    const students = years.flatMap((y) => y.records);
    expect(names.length).toBeGreaterThan(100);
    const dataDir = tempDir('privacy');
    const monitor = await openMonitor(defaultMonitorSettings({ dataDir }), {
      now: () => T0,
      pruneIntervalMs: 0,
    });
    const feed = () => {
      for (let i = 0; i < students.length; i += 7) {
        const records = students
          .slice(i, i + 7)
          .map((s, k) => ({ ...s, nome: names[(i + k) % names.length] }));
        monitor.observePrediction({
          modelVersion: 'v1.0.0',
          endpoint: 'predict',
          records,
          scores: records.map((_, k) => ((i + k) % 100) / 100),
          labels: records.map((_, k) => (i + k) % 2),
          at: T0,
          ras: records.map((r) => r.ra),
        });
        monitor.observeRequest({ endpoint: 'predict', status: 200, latencyMs: 2.5, at: T0 });
      }
    };
    feed();
    await monitor.flush();
    const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
    const rowsAfterOnce = (db.prepare('SELECT COUNT(*) AS n FROM prediction_counts').get() as { n: number })
      .n;
    db.close();
    feed();
    await monitor.flush();

    // The files as they are while the server runs (WAL not yet checkpointed) and after a clean close.
    const scan = () => {
      expect(filesUnder(dataDir).map((f) => path.basename(f))).toEqual(expect.arrayContaining([SQLITE_FILE]));
      return scanForPersonalData(
        dataDir,
        students.map((s) => s.ra),
        names,
      );
    };
    expect(scan()).toBeGreaterThanOrEqual(1);
    await monitor.close();
    scan();

    const db2 = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
    expect((db2.prepare('SELECT COUNT(*) AS n FROM prediction_rows').get() as { n: number }).n).toBe(0);
    const counts = db2.prepare('SELECT series, bin, n FROM prediction_counts').all() as {
      series: string;
      bin: string;
      n: number;
    }[];
    // Aggregates only: the same students scored twice add to the same counters (no new row), there are
    // far fewer counters than students, and every counter is a known series with a bin, never free text.
    expect(counts.length).toBe(rowsAfterOnce);
    expect(counts.length).toBeLessThan(students.length / 4);
    expect(counts.find((c) => c.series === 'records')!.n).toBe(2 * students.length);
    for (const c of counts) {
      expect(c.series).toMatch(/^(calls|records|label|band|score|f:[a-z_]+)$/);
      expect(c.bin).toMatch(/^(|\d+|missing|v:(-?\d+(\.\d+)?|[a-z_]+))$/);
    }
    db2.close();
    // The scan itself works: a file holding one RA is caught.
    writeFileSync(path.join(dataDir, 'leak.txt'), `x${students[3]!.ra}y`);
    expect(scan).toThrow(/RA found in leak.txt/);
  });
});
