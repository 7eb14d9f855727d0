/**
 * A real headless Chromium for the dashboard's browser tests: Debian's `chromium` driven by
 * playwright-core (no browser download), a fresh profile per launch, axe-core run inside the page.
 * Tests skip loudly where /usr/bin/chromium is missing (`apt-get install -y chromium`; .ci/run does it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Screenshots of the browser tests (gitignored): look at them after a run. */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'web', 'screenshots');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh user-data-dir (removed on close), at a laptop-sized viewport. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'defasagem-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1366, height: 900 },
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Builds web/dist unless it is already built from the current sources (what `npm start` does). */
export function ensureDashboardBuilt(): void {
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'web/build.ts', '--if-stale'],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    },
  );
}

export interface ConsoleProblem {
  phase: string;
  text: string;
}

/** Every console error and uncaught page error, labelled with the test phase it happened in. */
export function watchConsole(page: Page, phase: () => string): ConsoleProblem[] {
  const problems: ConsoleProblem[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push({ phase: phase(), text: m.text() });
  });
  page.on('pageerror', (e) => problems.push({ phase: phase(), text: `uncaught: ${e.message}` }));
  return problems;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

const axeSource = (() => {
  let src: string | null = null;
  return () => (src ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
})();

/**
 * axe-core's WCAG 2.1 A/AA and best-practice rules on the page as it is now; the serious and critical
 * violations. Evaluated through the DevTools protocol, so the page's own CSP (no inline scripts) stays on.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource());
  const violations = (await page.evaluate(async () => {
    // Runs in the page: `axe` and `document` are the browser's globals.
    const g = globalThis as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
      document: unknown;
    };
    const r = await g.axe.run(g.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return r.violations;
  })) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
