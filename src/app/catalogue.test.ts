import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allErrorSpecs, renderErrorsMarkdown } from './catalogue.js';

describe('error catalogue', () => {
  it('has unique, well-formed codes with a status, an exit code and a hint', () => {
    const specs = allErrorSpecs();
    const codes = specs.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const s of specs) {
      expect(s.code).toMatch(/^DEF_ERR_[A-Z0-9_]+$/);
      expect(s.http).toBeGreaterThanOrEqual(400);
      expect(s.exit).toBeGreaterThan(0);
      expect(s.hint.length).toBeGreaterThan(10);
    }
  });

  it('docs/errors.md is in sync with the catalogue (run `npm run docs:errors`)', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsMarkdown());
  });
});
