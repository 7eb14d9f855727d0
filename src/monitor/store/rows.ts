/**
 * Query rows → the store's types, shared by the SQLite and PostgreSQL stores (the same SQL answers
 * the same columns; PostgreSQL hands BIGINT back as strings, hence the Number()s).
 */
import type { PredictionCount, PredictionRow, RequestCount } from './types.js';

type Row = Record<string, string | number | null>;

export const predictionCountOf = (r: Row): Omit<PredictionCount, 'hour'> => ({
  modelVersion: r.model_version as string,
  endpoint: r.endpoint as string,
  binsId: r.bins_id as string,
  series: r.series as string,
  bin: r.bin as string,
  n: Number(r.n),
});

export const requestCountOf = (r: Row): Omit<RequestCount, 'hour'> => ({
  endpoint: r.endpoint as string,
  series: r.series as string,
  bin: r.bin as string,
  n: Number(r.n),
});

export const predictionRowOf = (r: Row): PredictionRow => ({
  at: Number(r.at),
  modelVersion: r.model_version as string,
  endpoint: r.endpoint as string,
  subject: (r.subject as string | null) ?? null,
  score: Number(r.score),
  label: Number(r.label) === 1 ? 1 : 0,
  inputs: r.inputs as string,
});
