/**
 * The latest outcomes report, saved beside the events (MONITOR_DATA_DIR/outcomes_latest.json) by
 * `defasagem monitor outcomes` so the server's GET /monitoring/outcomes (the dashboard) can show it. It holds metrics
 * per model version and group only (no RA, no pseudonym, no per-student value); written crash-safe,
 * 0600 like the database.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '../core/durable-fs.js';
import type { OutcomeReport } from './outcomes.js';

export const OUTCOMES_FILE = 'outcomes_latest.json';

export function saveLatestOutcomes(dataDir: string, report: OutcomeReport): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.resolve(dataDir, OUTCOMES_FILE);
  writeFileDurable(file, `${JSON.stringify(report, null, 2)}\n`);
  chmodSync(file, 0o600);
  return file;
}

/** The saved report, or null when there is none (or it cannot be read as one). */
export async function readLatestOutcomes(dataDir: string): Promise<OutcomeReport | null> {
  try {
    const json = JSON.parse(await readFile(path.resolve(dataDir, OUTCOMES_FILE), 'utf8')) as OutcomeReport;
    return json && json.outcomes_version === 1 && Array.isArray(json.versions) ? json : null;
  } catch {
    return null;
  }
}
