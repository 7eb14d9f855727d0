/**
 * The layer rules in .dependency-cruiser.cjs are real: dependency-cruiser, run with them on a small
 * temp tree, reports each deliberate break (an upward import, a sibling import, a cycle, an import of
 * the CLI, a folder in no layer, I/O in a pure layer) and nothing for the allowed imports.
 * `npm run lint:layers` runs the same rules on this repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEPCRUISE = path.join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = path.join(REPO, '.dependency-cruiser.cjs');

/** file → the files (of the same tree) it imports. */
const TREE: Record<string, string[]> = {
  // Allowed: downward imports, at every distance.
  'src/core/base.ts': [],
  'src/ml/learn.ts': ['src/core/base.ts'],
  'src/serve/app.ts': ['src/core/base.ts', 'src/train/fit.ts', 'src/registry/store.ts'],
  'src/train/fit.ts': ['src/ml/learn.ts', 'src/data/read.ts'],
  'src/app/start.ts': ['src/serve/app.ts'],
  'src/cli/main.ts': ['src/app/start.ts', 'src/core/base.ts'],
  // Broken on purpose.
  'src/core/up.ts': ['src/serve/app.ts'], // core imports nothing of ours
  'src/features/pipe.ts': ['src/model/format.ts'], // upward, and a cycle with the next line
  'src/model/format.ts': ['src/features/pipe.ts'],
  'src/data/read.ts': ['src/registry/store.ts'], // siblings in one layer
  'src/registry/store.ts': [],
  'src/registry/testing/entry.ts': ['src/cli/main.ts'], // nothing imports the CLI
  'src/score/cohort.ts': ['src/utils/misc.ts'], // a folder in no layer
  'src/utils/misc.ts': [],
  'src/ml/io.ts': ['node:fs'], // ml is pure
  'src/ml/io.test.ts': ['node:fs'], // ...but its tests may read files
};

function writeTree(root: string): void {
  writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const [file, deps] of Object.entries(TREE)) {
    const abs = path.join(root, file);
    mkdirSync(path.dirname(abs), { recursive: true });
    const lines = deps.map((dep, i) => {
      const spec = dep.startsWith('node:')
        ? dep
        : `./${path.relative(path.dirname(file), dep).replace(/\.ts$/, '.js')}`.replace(/^\.\/\.\.\//, '../');
      return `import * as m${i} from '${spec}';\nexport const u${i} = m${i};`;
    });
    writeFileSync(abs, `${lines.join('\n')}\nexport const here = '${file}';\n`);
  }
}

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-layers-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('catch every deliberate break in a temp tree, and only those', () => {
    writeTree(root);
    const depcruise = (...args: string[]) =>
      spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--no-progress', ...args], {
        cwd: root,
        encoding: 'utf8',
      });
    const run = depcruise('--output-type', 'json');
    const report = JSON.parse(run.stdout) as {
      summary: { violations: Array<{ from: string; to: string; rule: { name: string } }> };
    };
    const found = report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual(
      [
        'layer-core: src/core/up.ts → src/serve/app.ts',
        'layer-features: src/features/pipe.ts → src/model/format.ts',
        'no-circular: src/features/pipe.ts → src/model/format.ts',
        'layer-data: src/data/read.ts → src/registry/store.ts',
        'layer-registry: src/registry/testing/entry.ts → src/cli/main.ts',
        'nothing-imports-cli: src/registry/testing/entry.ts → src/cli/main.ts',
        'layer-score: src/score/cohort.ts → src/utils/misc.ts',
        'folder-in-no-layer: src/score/cohort.ts → src/utils/misc.ts',
        'pure-ml-and-features: src/ml/io.ts → fs',
      ].sort(),
    );
    // What `npm run lint:layers` sees: a non-zero exit (the number of errors), so CI fails.
    const lint = depcruise();
    expect(lint.status, lint.stderr).toBe(9);
    expect(lint.stdout).toContain('x 9 dependency violations (9 errors, 0 warnings)');
  });
});
