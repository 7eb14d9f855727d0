import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readChampion, readHistory, registerVersion } from '../registry/index.js';
import { FIRST_VERSION, runMainJob } from './start.js';

/**
 * The main job's recovery paths: an interrupted first start resumes, and a first model that misses the
 * promotion guardrails still becomes the champion, loudly and with the reason in the history.
 */
describe('runMainJob (npm start) first-champion paths', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-start-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const lines: string[] = [];

  it('promotes a first model that misses the guardrails, saying so and recording why', async () => {
    const saved = process.env.PROMOTE_MIN_PRECISION;
    process.env.PROMOTE_MIN_PRECISION = '0.999';
    try {
      const result = await runMainJob({
        registryDir: 'models/registry',
        source: null,
        root,
        say: (l) => lines.push(l),
      });
      expect(result).toMatchObject({ created: true, version: FIRST_VERSION, synthetic: true });
    } finally {
      if (saved === undefined) delete process.env.PROMOTE_MIN_PRECISION;
      else process.env.PROMOTE_MIN_PRECISION = saved;
    }
    const registryDir = path.join(root, 'models/registry');
    expect((await readChampion(registryDir))?.version).toBe(FIRST_VERSION);
    const history = await readHistory(registryDir);
    expect(history).toHaveLength(1);
    expect(JSON.stringify(history[0])).toMatch(/forced as the only model although it misses the guardrails/);
    expect(lines.some((l) => l.includes('SYNTHETIC'))).toBe(true);
    expect(lines.some((l) => /guardrails/.test(l) && l.startsWith('⚠'))).toBe(true);
  });

  it('resumes a start that registered v1.0.0 but stopped before promoting it', async () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'defasagem-start-resume-'));
    try {
      const registryDir = path.join(fresh, 'models/registry');
      await registerVersion(registryDir, {
        artifacts: path.join(root, 'artifacts'),
        version: FIRST_VERSION,
        notes: 'registered by an interrupted start',
      });
      const said: string[] = [];
      const result = await runMainJob({
        registryDir: 'models/registry',
        source: null,
        root: fresh,
        say: (l) => said.push(l),
      });
      expect(result.version).toBe(FIRST_VERSION);
      expect((await readChampion(registryDir))?.version).toBe(FIRST_VERSION);
      expect(said.join('\n')).toMatch(/is registered: promoting it/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
