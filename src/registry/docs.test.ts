import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUMP_RULES } from './bump-rules.js';
import { REGISTRY_ERRORS } from './errors.js';
import { ARTIFACT_MAPPING, CHAMPION_FILE, HISTORY_FILE, MANIFEST_FILE } from './layout.js';
import { REGISTRY_SETTINGS } from './settings.js';

const doc = readFileSync(new URL('../../docs/artifacts-architecture.md', import.meta.url), 'utf8');
const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');

describe('docs/artifacts-architecture.md', () => {
  it('has the mapping table exactly as the code maps names', () => {
    const rows = doc
      .split('\n')
      .filter((l) => /^\| `[a-z_.]+` +\| `/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    const table = rows
      .filter((r) => r[3] === 'yes' || r[3] === 'no')
      .map((r) => ({
        name: r[1]!.replaceAll('`', ''),
        sources: r[2]!.split(',').map((s) => s.trim().replaceAll('`', '')),
        required: r[3] === 'yes',
      }));
    expect(table).toEqual(
      ARTIFACT_MAPPING.map((m) => ({ name: m.name, sources: [...m.sources], required: m.required })),
    );
  });

  it('names every guardrail setting with its default, and the troubleshooting cases', () => {
    for (const s of Object.values(REGISTRY_SETTINGS)) expect(doc).toContain(s.env);
    expect(doc).toContain('PROMOTE_MIN_ROC_AUC=0.75');
    for (const heading of ['"Model not found"', '"Old version loaded"', '"Artifacts with wrong names"']) {
      expect(doc).toContain(heading);
    }
    for (const key of [
      'VERSION_EXISTS',
      'CHAMPION_CONFLICT',
      'SEMVER_VIOLATION',
      'INTEGRITY_FAILED',
    ] as const) {
      expect(REGISTRY_ERRORS[key].code).toBe(`DEF_ERR_REGISTRY_${key}`);
      expect(doc).toContain(key);
    }
  });
});

describe('docs/artifacts-architecture.md: versioning rules', () => {
  it('has the rules table exactly as BUMP_RULES, with the design examples', () => {
    const rows = doc
      .split('\n')
      .filter((l) => /^\| `[a-z_]+` +\| (MAJOR|MINOR|PATCH) +\|/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(Object.fromEntries(rows.map((r) => [r[1]!.replaceAll('`', ''), r[2]!.toLowerCase()]))).toEqual(
      Object.fromEntries(Object.entries(BUMP_RULES).map(([id, r]) => [id, r.bump])),
    );
    for (const example of ['v1.1.1 → v2.0.0', '+9 features', 'a preprocessing bug fixed', 'BUMP_TOO_SMALL']) {
      expect(doc).toContain(example);
    }
  });
});

describe('docker-compose.yml', () => {
  it("describes the registry volume with the registry's own file names", () => {
    for (const name of [...ARTIFACT_MAPPING.map((m) => m.name), MANIFEST_FILE, CHAMPION_FILE, HISTORY_FILE]) {
      expect(compose).toContain(name);
    }
    expect(compose).not.toMatch(/[^_]metadata\.json|[^_]signature\.json/);
  });
});
