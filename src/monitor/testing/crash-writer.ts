/**
 * Child process for the SIGKILL test: writes batches of scored students as fast as it can and prints
 * `ack <batch> <students so far>` on stdout only after the batch's transaction has committed. The test
 * kills it at a random moment (usually mid-transaction) and checks what the database kept.
 * Usage: crash-writer.ts <dataDir> <aggregate_only|pseudonymised> <studentsPerBatch>
 */
import { writeSync } from 'node:fs';
import { EventRecorder } from '../recorder.js';
import { openSqliteStore } from '../store/sqlite.js';
import { fakeStudent } from './students.js';

const [dataDir, mode, perBatchArg] = process.argv.slice(2);
const perBatch = Number(perBatchArg ?? 500);
const store = await openSqliteStore({ dataDir: dataDir! });
const recorder = new EventRecorder({
  store,
  mode: mode === 'pseudonymised' ? 'pseudonymised' : 'aggregate_only',
  hmacSecret: 'crash-test-secret-crash-test-secret',
  queueMax: 10 * perBatch,
  batchSize: perBatch,
  flushIntervalMs: 600_000,
  retentionDays: 30,
  pruneIntervalMs: 0,
});

let total = 0;
for (let batch = 1; ; batch++) {
  const records = Array.from({ length: perBatch }, (_, i) => fakeStudent(i));
  recorder.observePrediction({
    modelVersion: 'v1.0.0',
    endpoint: 'predict',
    records,
    scores: records.map((_, i) => (i % 97) / 97),
    labels: records.map((_, i) => i % 2),
    at: Date.now(),
    ras: records.map((_, i) => `RA-${batch}-${i}`),
  });
  await recorder.flush();
  total += perBatch;
  writeSync(1, `ack ${batch} ${total}\n`);
}
