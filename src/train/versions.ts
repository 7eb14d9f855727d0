/** Library versions recorded in the model metadata (what produced this model). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageJson(start: string, name?: string): Record<string, unknown> | null {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
      if (!name || pkg.name === name) return pkg;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export function libraryVersions(): Record<string, string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const own = findPackageJson(here, 'defasagem');
  const out: Record<string, string> = {
    defasagem: String(own?.version ?? 'unknown'),
    node: process.version,
    'defasagem/ml': 'learners, calibration and metrics in src/ml (TypeScript, no native code)',
  };
  for (const dep of ['hyparquet']) {
    const pkg = findPackageJson(path.join(here, '..', '..', 'node_modules', dep), dep);
    if (pkg?.version) out[dep] = String(pkg.version);
  }
  return out;
}
