/**
 * The skip notice as `npm test` prints it: a real vitest run (child process) over two throw-away test
 * files in a temp root, one that warns "SKIPPED" and skips, one that does not; the block is the last
 * thing printed, names the file and counts its skipped tests; without such a warning nothing is added.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const VITEST = path.join(REPO, 'node_modules/vitest/vitest.mjs');
const REPORTER = path.join(REPO, 'scripts/skip-notice-reporter.ts');

const SKIPPING = `console.warn('*** PEDE_XLSX not set: fixture tests SKIPPED ***');
describe.skip('real data', () => { it('one', () => {}); it('two', () => {}); });
`;
const NO_PACKAGE = `console.warn('promtool not found (apt-get install prometheus): the promtool check is SKIPPED');
describe.skip('promtool', () => { it('checks', () => {}); });
`;
const RUNNING = `describe('always', () => { it('runs', () => { expect(1 + 1).toBe(2); }); });
`;

function run(files: Record<string, string>): { out: string; status: number | null } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-skip-notice-'));
  dirs.push(root);
  writeFileSync(
    path.join(root, 'vitest.config.mjs'),
    `import { SkipNoticeReporter } from ${JSON.stringify(REPORTER)};
export default { test: { include: ['*.test.js'], globals: true, reporters: ['default', new SkipNoticeReporter()] } };
`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.PEDE_XLSX;
  const r = spawnSync(process.execPath, [VITEST, 'run', '--root', root], { encoding: 'utf8', env });
  return { out: `${r.stdout}`, status: r.status };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the skip notice at the end of npm test', () => {
  it('repeats each SKIPPED warning after the summary, with its file and the tests it skipped', () => {
    const { out, status } = run({ 'real.test.js': SKIPPING, 'plain.test.js': RUNNING });
    expect(status).toBe(0);
    const lines = out.trimEnd().split('\n');
    const summary = lines.findIndex((l) => /Tests\s+1 passed \| 2 skipped/.test(l));
    const block = lines.findIndex((l) => l.includes('NOT EVERYTHING RAN'));
    expect(summary).toBeGreaterThan(0);
    expect(block).toBeGreaterThan(summary);
    expect(lines.slice(block)).toEqual([
      ' ⚠  NOT EVERYTHING RAN: 1 warning(s) of skipped tests (PEDE_XLSX is not set)',
      '    real.test.js: PEDE_XLSX not set: fixture tests SKIPPED (2 tests skipped)',
      ' Run the real-data ones with the workbook: PEDE_XLSX=/path/to/PEDE2024.xlsx npm test',
      '═'.repeat(100),
    ]);
  }, 60_000);

  it('names a test skipped for lack of a system package, without the workbook hint when only that skipped', () => {
    const { out, status } = run({ 'promtool.test.js': NO_PACKAGE, 'plain.test.js': RUNNING });
    expect(status).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.slice(lines.findIndex((l) => l.includes('NOT EVERYTHING RAN')))).toEqual([
      ' ⚠  NOT EVERYTHING RAN: 1 warning(s) of skipped tests (PEDE_XLSX is not set)',
      '    promtool.test.js: promtool not found (apt-get install prometheus): the promtool check is SKIPPED (1 test skipped)',
      ' The others name the system package or client they need (docs/first-hour.md lists them).',
      '═'.repeat(100),
    ]);
  }, 60_000);

  it('adds nothing when no test file warned of skipped tests', () => {
    const { out, status } = run({ 'plain.test.js': RUNNING });
    expect(status).toBe(0);
    expect(out).toMatch(/Tests\s+1 passed/);
    expect(out).not.toContain('NOT EVERYTHING RAN');
    expect(out).not.toContain('═');
  }, 60_000);
});
