/**
 * `npm run bench`: every hot path's benchmark in one run, each printing its numbers and method.
 * Pass names to run a subset: `npm run bench -- ingest serve`.
 */
import { existsSync } from 'node:fs';

const BENCHES: Array<{ name: string; file: string; fn: string }> = [
  { name: 'ingest', file: './ingest.ts', fn: 'benchIngest' },
  { name: 'ml', file: './ml.ts', fn: 'benchMl' },
  { name: 'train', file: './train.ts', fn: 'benchTrain' },
  { name: 'score', file: './score.ts', fn: 'benchScore' },
  { name: 'retrain', file: './retrain.ts', fn: 'benchRetrain' },
  { name: 'registry', file: './registry.ts', fn: 'benchRegistry' },
  { name: 'serve', file: './serve.ts', fn: 'benchServe' },
  { name: 'serve-calibration', file: './serve-calibration.ts', fn: 'benchServeCalibration' },
  { name: 'monitor', file: './monitor.ts', fn: 'benchMonitor' },
  { name: 'monitor-serve', file: './monitor-serve.ts', fn: 'benchMonitorServe' },
];

const wanted = process.argv.slice(2);
let failed = 0;
for (const b of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(b.name)) continue;
  if (!existsSync(new URL(b.file, import.meta.url))) continue;
  console.log(`\n=== bench: ${b.name} ===`);
  try {
    const mod = (await import(b.file)) as Record<string, () => Promise<unknown>>;
    // Most benches print their own report; one that returns its numbers gets them printed here.
    const result = await mod[b.fn]!();
    if (result && typeof result === 'object') console.table(result);
  } catch (err) {
    failed++;
    console.error(`bench ${b.name} failed: ${(err as Error).message}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
