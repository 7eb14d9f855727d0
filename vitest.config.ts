import { defineConfig } from 'vitest/config';
import { SkipNoticeReporter } from './scripts/skip-notice-reporter.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The real-data tests' "SKIPPED" warnings, repeated in one block after the summary.
    reporters: ['default', new SkipNoticeReporter()],
  },
});
