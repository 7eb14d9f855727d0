/**
 * A child process for the PostgreSQL kill test: appends one-row batches to the store at argv[2] for
 * ever, printing `ack N` once the N-th append has resolved (acknowledged = committed).
 */
import { openPostgresStore } from '../store/postgres.js';

const store = await openPostgresStore({ url: process.argv[2]! });
for (let i = 1; ; i++) {
  await store.append({
    binSpecs: [],
    predictionCounts: [],
    requestCounts: [{ hour: 0, endpoint: 'predict', series: 'requests', bin: '', n: 1 }],
    rows: [
      { at: i, modelVersion: 'v1.0.0', endpoint: 'score', subject: null, score: 0.5, label: 1, inputs: '{}' },
    ],
  });
  process.stdout.write(`ack ${i}\n`);
}
