import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';
import { publishOutputs } from './atomic-output.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-outputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The swap itself is tested with the core publisher (src/core/durable-fs.test.ts); here, what a user meets.
describe('publishOutputs', () => {
  it('an --out-dir that is a file is IO_FAILED with a message that says so', () => {
    const file = path.join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    let caught: unknown;
    try {
      publishOutputs(file, { 'interim/a.csv': 'a' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).spec).toBe(CORE_ERRORS.IO_FAILED);
    expect((caught as AppError).message).toMatch(/is a file; --out-dir needs a directory/);
  });
});
