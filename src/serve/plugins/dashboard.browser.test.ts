/**
 * The dashboard in a real headless Chromium against a real server on loopback: models trained for real
 * (synthetic workbook) in a temp registry, API keys on, MODEL_VERSION=champion. Every page loads with
 * no console error and no serious or critical axe-core violation; the overview shows the champion and
 * its charts; an admin promotes and rolls back through the confirmation and the served model follows;
 * no key, a wrong key and a predict key get their clear messages. Screenshots go to web/screenshots/.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import readExcelFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticWorkbook } from '../../data/synth.js';
import { type DriftReport, defaultMonitorSettings, type ServiceHealth } from '../../monitor/index.js';
import { openRegistry, promoteVersion, REGISTRY_SETTINGS, registerVersion } from '../../registry/index.js';
import type { RegistrySettings } from '../../registry/settings.js';
import type { ScoreAnswerJson } from '../../score/json.js';
import { hashKey } from '../auth.js';
import { loadServerSettings, type RunningServer, startServer } from '../server.js';
import {
  type Browser,
  type ConsoleProblem,
  ensureDashboardBuilt,
  hasChromium,
  launchChromium,
  REPO_ROOT,
  screenshot,
  seriousA11yViolations,
  watchConsole,
} from '../testing/browser.js';
import { trainRealArtifacts } from '../testing/real-model.js';
import { collectingLogger } from '../testing/support.js';

/** The browser globals the page-side callbacks read (this tsconfig has no DOM types; casts vanish). */
interface StorageLike {
  readonly length: number;
  key(i: number): string | null;
  getItem(k: string): string | null;
}
interface PageGlobals {
  document: {
    activeElement: { id: string; textContent: string | null; getAttribute(n: string): string | null } | null;
    cookie: string;
  };
  localStorage: StorageLike;
  sessionStorage: StorageLike;
  indexedDB: { databases(): Promise<unknown[]> };
  caches?: { keys(): Promise<unknown[]> };
  location: { href: string };
}

const ADMIN_KEY = 'chave-admin-do-painel-0123456789';
const PREDICT_KEY = 'chave-consulta-do-painel-0123456789';

if (!hasChromium)
  console.warn(
    '\n⚠ ⚠ ⚠  SKIPPED: dashboard browser tests need Debian chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run installs it) ⚠ ⚠ ⚠\n',
  );

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-dashboard-'));
  const registryDir = path.join(root, 'registry');
  // Small synthetic models do not reach the default guardrails; these let the UI promote without forcing.
  const settings: RegistrySettings = {
    ...Object.fromEntries(Object.entries(REGISTRY_SETTINGS).map(([k, d]) => [k, d.default])),
    promoteMinRocAuc: 0.6,
    promoteMinPrecision: 0.4,
    promoteMinRecall: 0.4,
  } as RegistrySettings;
  const registry = openRegistry(registryDir, settings);
  let artifactsB = '';
  const cohortXlsx = path.join(root, 'PEDE-turma.xlsx');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let phase = 'start';
  let problems: ConsoleProblem[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    const [a, b] = await Promise.all([
      trainRealArtifacts(root, 1),
      trainRealArtifacts(root, 2),
      // A cohort no model was trained on, as a coordinator would upload it (names included).
      writeSyntheticWorkbook(cohortXlsx, { students: 160, years: [2023, 2024], seed: 7 }),
    ]);
    await registerVersion(registry, { artifacts: a, version: 'v1.0.0', notes: 'primeiro' });
    await registerVersion(registry, { artifacts: b, version: 'v1.1.0', notes: 'segundo' });
    artifactsB = b;
    await promoteVersion(registry, {
      version: 'v1.0.0',
      expectCurrent: 'none',
      reason: 'primeiro campeão',
      by: 'teste',
    });
    server = await startServer({
      settings: loadServerSettings({
        REGISTRY_DIR: registryDir,
        MODEL_VERSION: 'champion',
        PORT: '0',
        HOST: '127.0.0.1',
        RELOAD_POLL_SECONDS: '0.5',
        API_KEYS: `${hashKey(ADMIN_KEY)}:admin,${hashKey(PREDICT_KEY)}:predict`,
      }),
      // Monitoring as `defasagem serve` runs it by default (aggregate_only), in the temp folder.
      monitor: defaultMonitorSettings({ dataDir: path.join(root, 'monitoring') }),
      logger: collectingLogger([]),
      registry,
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    problems = watchConsole(page, () => phase);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Phases whose failed requests are the point of the step (Chromium logs each 4xx as a console error). */
  const EXPECTED_FAILURES = new Set(['no-key-fetch', 'wrong-key', 'forbidden-fetch', 'bad-upload']);
  const unexpected = () => problems.filter((p) => !EXPECTED_FAILURES.has(p.phase));

  async function checkPage(name: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect(
      violations.map(
        (v) => `${v.id} (${v.impact}): ${v.help} — ${JSON.stringify(v.nodes.map((n) => n.target))}`,
      ),
      name,
    ).toEqual([]);
    await screenshot(page, name);
    expect(unexpected(), name).toEqual([]);
  }

  async function signIn(key: string): Promise<void> {
    await page.getByLabel('Chave de acesso').fill(key);
    await page.getByRole('button', { name: 'Entrar' }).click();
  }

  const rendered = (p: string) => page.waitForSelector(`html[data-rendered="${p}"]`);

  it('without a key: the page asks for one, and the API refuses with its clear error', async () => {
    phase = 'no-key';
    await page.goto(`${server.url}/`);
    await expect(page.getByRole('heading', { name: 'Entrar no painel' }).isVisible()).resolves.toBe(true);
    await checkPage('01-sem-chave');
    phase = 'no-key-fetch';
    const r = await page.evaluate(async () => {
      const res = await fetch('/registry');
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('DEF_ERR_API_UNAUTHORIZED');
    phase = 'wrong-key';
    await signIn('chave-errada');
    await page.getByText('Chave inválida').waitFor();
    await screenshot(page, '02-chave-invalida');
  });

  it('overview with a predict key: the champion, what the score means, the operating point, charts and groups', async () => {
    phase = 'overview';
    await signIn(PREDICT_KEY);
    await rendered('visao-geral');
    expect(await page.getByTestId('champion-version').textContent()).toBe('v1.0.0');
    for (const heading of [
      'O que o escore significa',
      'Curvas e matriz de confusão',
      'O que mais pesa no escore',
      'Resultados por grupo (ano de teste)',
    ])
      expect(await page.getByRole('heading', { name: heading }).count(), heading).toBe(1);
    expect(await page.getByRole('heading', { name: /Ponto de operação no ano de teste/ }).count()).toBe(1);
    // The charts: the PR and calibration curves (report images or our SVG), the confusion matrix, the factors.
    const charts = page.locator('figure.chart-figure');
    expect(await charts.count()).toBeGreaterThanOrEqual(4);
    for (const img of await page.locator('figure img').all()) {
      expect((await img.getAttribute('alt'))?.length ?? 0).toBeGreaterThan(20);
      expect(
        await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(100);
    }
    expect(await page.locator('table.confusion tbody td').count()).toBe(4);
    expect(await page.getByText('visível só com chave admin').count()).toBe(1);
    expect(await page.getByText(/grupo pequeno/).count()).toBeGreaterThan(0);
    await checkPage('03-visao-geral');

    // Time to a rendered overview on loopback with the key already in the session (printed, not asserted).
    const t0 = Date.now();
    await page.reload();
    await rendered('visao-geral');
    const wall = Date.now() - t0;
    const mark = await page.evaluate(
      () => performance.getEntriesByName('rendered:visao-geral')[0]?.startTime ?? null,
    );
    console.log(
      `dashboard: overview rendered ${mark === null ? '?' : Math.round(mark)} ms after navigation start (reload to rendered: ${wall} ms wall)`,
    );
  });

  it('a predict key sees the models but may not move the champion', async () => {
    phase = 'models-predict';
    await page.getByRole('link', { name: 'Modelos' }).click();
    await rendered('modelos');
    expect(await page.getByTestId('models-champion').textContent()).toBe('v1.0.0');
    expect(await page.getByTestId('versions').locator('tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: 'Promover v1.1.0 a campeão' }).click();
    await page.getByText('Sem permissão: precisa de uma chave admin.').waitFor();
    await checkPage('04-modelos-chave-consulta');
    await page.getByRole('button', { name: 'Cancelar' }).click();
    phase = 'forbidden-fetch';
    const r = await page.evaluate(async (key) => {
      const res = await fetch('/registry/promote', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ version: 'v1.1.0', reason: 'tentativa' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    }, PREDICT_KEY);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('DEF_ERR_API_FORBIDDEN');
  });

  it('an admin promotes v1.1.0 through the confirmation; the served model follows; then rolls back', async () => {
    phase = 'promote';
    await page.getByRole('button', { name: 'Sair' }).click();
    await signIn(ADMIN_KEY);
    await rendered('modelos');
    await page.getByRole('button', { name: 'Promover v1.1.0 a campeão' }).click();
    const dialog = page.getByTestId('move-dialog');
    await dialog.getByTestId('guardrails').waitFor();
    expect(await dialog.getByTestId('guardrails').locator('tbody tr').count()).toBe(3);
    await dialog.getByLabel('Motivo (obrigatório)').fill('recall melhor no teste');
    await dialog.getByLabel('Seu nome (opcional)').fill('Ana');
    await checkPage('05-confirmar-promocao');
    await dialog.getByRole('button', { name: 'Confirmar promoção' }).click();
    await page.getByTestId('move-result').waitFor();
    expect(await page.getByTestId('move-result').textContent()).toContain(
      'v1.1.0 agora é o campeão (antes: v1.0.0)',
    );
    expect(await page.getByTestId('models-champion').textContent()).toBe('v1.1.0');
    const ready = (await (await fetch(`${server.url}/ready`)).json()) as { model_version: string };
    expect(ready.model_version).toBe('v1.1.0');
    expect(await page.getByTestId('history').textContent()).toContain('Ana (api key');
    await checkPage('06-promovido');

    phase = 'rollback';
    await page.getByRole('button', { name: 'Voltar para v1.0.0 (rollback)' }).click();
    await dialog.getByText('já foi campeão').waitFor();
    await dialog.getByLabel('Motivo (obrigatório)').fill('voltar para comparar');
    await dialog.getByRole('button', { name: 'Confirmar volta' }).click();
    await page.getByTestId('move-result').filter({ hasText: 'v1.0.0 voltou a ser o campeão' }).waitFor();
    expect(await page.getByTestId('models-champion').textContent()).toBe('v1.0.0');
    expect(
      ((await (await fetch(`${server.url}/ready`)).json()) as { model_version: string }).model_version,
    ).toBe('v1.0.0');
  });

  it('the diff of two versions: metrics side by side, signature and the semver verdict', async () => {
    phase = 'diff';
    await page.getByLabel('Versão A').selectOption('v1.0.0');
    await page.getByLabel('Versão B').selectOption('v1.1.0');
    await page.getByRole('button', { name: 'Comparar' }).click();
    const diff = page.getByTestId('diff');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('v1.0.0 → v1.1.0');
    expect(await diff.textContent()).toMatch(/numeração da versão/i);
    expect(await diff.locator('tbody tr').count()).toBeGreaterThan(5);
    await checkPage('07-comparar');
  });

  it('when training stored its curves and importance as data, the overview draws its own charts', async () => {
    // The chart code path the overview takes once metrics.json carries `test.curves` and `importance`
    // (docs/dashboard.md). The points are made up for this rendering check; the rest is model v1.1.0's.
    phase = 'own-charts';
    const dir = path.join(root, 'artifacts-with-curves');
    cpSync(artifactsB, dir, { recursive: true });
    const file = path.join(dir, 'metrics_v1.json');
    const metrics = JSON.parse(readFileSync(file, 'utf8'));
    const base = metrics.test.base_rate as number;
    metrics.test.curves = {
      pr: Array.from({ length: 40 }, (_, i) => [i / 39, base + (1 - base) * (1 - (i / 39) ** 2)]),
      calibration: Array.from({ length: 10 }, (_, i) => [
        (i + 0.5) / 10,
        Math.min(1, ((i + 0.5) / 10) * 1.1),
      ]),
    };
    metrics.importance = [
      { feature: 'defasagem', label: 'Defasagem atual', value: 0.9 },
      { feature: 'ida', label: 'IDA (desempenho acadêmico)', value: 0.5 },
      { feature: 'ieg', label: 'IEG (engajamento)', value: 0.3 },
    ];
    writeFileSync(file, JSON.stringify(metrics));
    await registerVersion(registry, { artifacts: dir, version: 'v1.2.0' });
    await promoteVersion(registry, { version: 'v1.2.0', reason: 'curvas como dados', by: 'teste' });
    await page.getByRole('link', { name: 'Visão geral' }).click();
    await rendered('visao-geral');
    expect(await page.getByTestId('champion-version').textContent()).toBe('v1.2.0');
    expect(await page.getByText('visível só com chave admin').count()).toBe(0); // an admin key sees who
    expect(await page.locator('svg.chart[role="img"]').count()).toBe(3);
    expect(await page.locator('figure img').count()).toBe(0);
    const names = await page.locator('svg.chart title').allTextContents();
    expect(names).toEqual([
      'Precisão × recall (ano de teste)',
      'Calibração (ano de teste)',
      'Importância média de cada fator',
    ]);
    await page.getByText('Ver os dados em tabela').first().click();
    expect(await page.locator('details[open] tbody tr').count()).toBeGreaterThan(10);
    await checkPage('11-visao-geral-graficos-proprios');
  });

  /** POST /score from Node with the same file the page uploads: what the API answers. */
  async function scoreApi(file: string, query = ''): Promise<ScoreAnswerJson> {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(file)]), path.basename(file));
    const r = await fetch(`${server.url}/score${query}`, {
      method: 'POST',
      headers: { 'x-api-key': PREDICT_KEY },
      body: form,
    });
    expect(r.status).toBe(200);
    return (await r.json()) as ScoreAnswerJson;
  }

  async function upload(file: string): Promise<void> {
    await page.getByLabel('Planilha ou CSV').setInputFiles(file);
    await page.getByRole('button', { name: 'Pontuar', exact: true }).click();
  }

  const ras = (rows: ScoreAnswerJson['rows']) => rows.map((r) => r.ra);
  const table = () => page.getByTestId('students');

  it('Alunos: a workbook uploaded through the file input to the real POST /score; ranking, filters, factors, capacity, CSV and xlsx as the API answers', async () => {
    phase = 'students';
    await page.getByRole('link', { name: 'Alunos' }).click();
    await rendered('alunos');
    await page.getByText('Nenhum aluno pontuado ainda.').waitFor();
    await checkPage('08-alunos-vazio');

    const api = await scoreApi(cohortXlsx);
    expect(api.rows.length).toBeGreaterThan(100);
    await upload(cohortXlsx);
    await table().waitFor();
    expect(await table().locator('tbody th').allTextContents()).toEqual(ras(api.rows));
    expect(await page.getByRole('columnheader', { name: 'Nome' }).count()).toBe(0);
    expect(await page.getByTestId('score-status').textContent()).toContain(
      `pontuados pelo modelo ${api.model_version}`,
    );

    // Filters: each band, then one turma and one fase, give the API's rows in the API's order.
    for (const band of ['alto', 'medio', 'baixo'] as const) {
      await page.getByLabel('Faixa', { exact: true }).selectOption(band);
      expect(await table().locator('tbody th').allTextContents(), band).toEqual(
        ras(api.rows.filter((r) => r.risk_band === band)),
      );
    }
    await page.getByLabel('Faixa', { exact: true }).selectOption('');
    const turma = api.rows[0]!.turma!;
    await page.getByLabel('Turma', { exact: true }).selectOption(turma);
    expect(await table().locator('tbody th').allTextContents()).toEqual(
      ras(api.rows.filter((r) => r.turma === turma)),
    );
    await page.getByLabel('Turma', { exact: true }).selectOption('');
    const fase = String(api.rows[1]!.fase);
    await page.getByLabel('Fase', { exact: true }).selectOption(fase);
    expect(await table().locator('tbody th').allTextContents()).toEqual(
      ras(api.rows.filter((r) => String(r.fase) === fase)),
    );
    await page.getByLabel('Fase', { exact: true }).selectOption('');

    // The side panel: the model's own Portuguese sentences (Factor.text) for the top student.
    const top = api.rows[0]!;
    await table()
      .getByRole('button', { name: `Ver fatores de ${top.ra}` })
      .click();
    const panel = page.getByTestId('student-panel');
    await panel.waitFor();
    expect(top.top_factors.length).toBeGreaterThan(0);
    for (const f of top.top_factors) expect(await panel.textContent()).toContain(f.text);
    await checkPage('12-alunos-fatores');

    // Keyboard: Enter on a row's button opens the panel with focus on its heading; Esc closes it and
    // gives the focus back to the button.
    const second = api.rows[1]!;
    await table()
      .getByRole('button', { name: `Ver fatores de ${second.ra}` })
      .focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.activeElement?.id === 'painel-aluno',
    );
    expect(await panel.textContent()).toContain(second.top_factors[0]!.text);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('aria-label'),
      ),
    ).toBe(`Ver fatores de ${second.ra}`);

    // Capacity: the page's "dentro" rows are the API's within_capacity rows for the same capacity.
    const cap = 25;
    const capped = await scoreApi(cohortXlsx, `?capacity=${cap}`);
    const within = ras(capped.rows.filter((r) => r.within_capacity));
    await page.getByLabel('Conseguimos acompanhar (alunos)').fill(String(cap));
    await page.getByLabel('Conseguimos acompanhar (alunos)').press('Enter');
    await page.getByTestId('capacity-summary').waitFor();
    expect(await table().locator('tr.in-capacity th').allTextContents()).toEqual(within);
    expect(await page.getByTestId('capacity-summary').textContent()).toContain(
      `Dentro da capacidade de ${cap}: ${capped.capacity!.count} alunos`,
    );

    // CSV (the list as shown) read back.
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exportar CSV (lista filtrada)' }).click(),
    ]);
    const csv = readFileSync((await csvDownload.path())!, 'utf8');
    const lines = csv
      .replace(/^\ufeff/, '')
      .split('\r\n')
      .filter(Boolean);
    expect(lines[0]).toBe('posição;RA;turma;fase;risco (%);faixa;dentro da capacidade;fatores');
    expect(lines.slice(1).map((l) => l.split(';')[1])).toEqual(ras(api.rows));
    expect(
      lines
        .slice(1)
        .filter((l) => l.split(';')[6] === 'sim')
        .map((l) => l.split(';')[1]),
    ).toEqual(within);
    expect(lines[1]).toContain(top.top_factors[0]!.text);

    // xlsx: the server's own spreadsheet with the capacity, read back.
    const [xlsxDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Baixar planilha completa (.xlsx)' }).click(),
    ]);
    const sheets = await readExcelFile(readFileSync((await xlsxDownload.path())!));
    expect(sheets.map((x) => x.sheet).slice(0, 2)).toEqual(['Ranking', 'Sobre']);
    const [head, ...body] = sheets[0]!.data;
    const raCol = head!.indexOf('RA');
    const capCol = head!.findIndex((c) => String(c).toLowerCase().startsWith('dentro da capacidade'));
    expect(capCol).toBeGreaterThan(0);
    expect(body.map((r) => r[raCol])).toEqual(ras(api.rows));
    expect(body.filter((r) => r[capCol] === 'sim').map((r) => r[raCol])).toEqual(within);
    await checkPage('13-alunos-capacidade');
  });

  it('Alunos with names: shown from the file, kept only in the page (nothing in the browser storage)', async () => {
    phase = 'students-names';
    const api = await scoreApi(cohortXlsx, '?include_names=true');
    expect(api.rows[0]!.nome).toMatch(/^Aluno-/);
    await page.getByLabel('Mostrar nomes').check();
    await upload(cohortXlsx);
    await page.getByRole('columnheader', { name: 'Nome' }).waitFor();
    expect(await table().locator('tbody tr').first().textContent()).toContain(api.rows[0]!.nome!);
    const stored = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      const all = (st: StorageLike) =>
        Array.from({ length: st.length }, (_, i) => st.key(i)!).map((k) => [k, st.getItem(k)]);
      return {
        local: all(g.localStorage),
        session: all(g.sessionStorage),
        cookie: g.document.cookie,
        databases: (await g.indexedDB.databases()).length,
        caches: g.caches ? (await g.caches.keys()).length : 0,
        url: g.location.href,
      };
    });
    expect(stored).toEqual({
      local: [],
      session: [['defasagem.chave', ADMIN_KEY]],
      cookie: '',
      databases: 0,
      caches: 0,
      url: `${server.url}/#/alunos`,
    });
    await checkPage('14-alunos-nomes');
    await page.getByLabel('Mostrar nomes').uncheck();
  });

  it("Alunos: a file that is not a workbook gets the server's refusal in Portuguese, not a crash", async () => {
    phase = 'bad-upload';
    await page.getByLabel('Planilha ou CSV').setInputFiles({
      name: 'notas.xlsx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('isto não é uma planilha'),
    });
    await page.getByRole('button', { name: 'Pontuar', exact: true }).click();
    const box = page.getByTestId('score-status').locator('.notice-error');
    await box.waitFor();
    const text = (await box.textContent()) ?? '';
    expect(text).toMatch(/DEF_ERR_(SCORE|DATA)_/);
    expect(text).not.toContain('O servidor recusou o pedido');
  });

  it.skipIf(!process.env.PEDE_XLSX)(
    "Alunos with the real PEDE workbook (PEDE_XLSX): the ranked table is the API's",
    async () => {
      phase = 'students-real';
      const file = process.env.PEDE_XLSX!;
      const api = await scoreApi(file);
      await upload(file);
      await page
        .getByTestId('score-status')
        .getByText(`${new Intl.NumberFormat('pt-BR').format(api.students)} alunos de ${api.year}`)
        .waitFor({ timeout: 60_000 });
      expect(await table().locator('tbody th').allTextContents()).toEqual(ras(api.rows));
      await checkPage('15-alunos-planilha-real');
    },
  );
  if (!process.env.PEDE_XLSX)
    console.warn('⚠ dashboard: the real-workbook upload step is skipped (set PEDE_XLSX)');

  it('Monitoramento with monitoring on: real /predict traffic, then service health, drift per feature, outcomes not known yet', async () => {
    phase = 'monitoring';
    const get = async <T>(p: string) =>
      (await (await fetch(`${server.url}${p}`, { headers: { 'x-api-key': PREDICT_KEY } })).json()) as T;
    const before = (await get<{ records: number }>('/monitoring/drift')).records;
    const example = JSON.parse(
      readFileSync(path.join(artifactsB, 'model_signature_v1.json'), 'utf8'),
    ).example_request;
    const students = Array.from({ length: 240 }, (_, i) => ({
      ...example,
      ida: ((i * 37) % 100) / 10,
      ieg: ((i * 53) % 100) / 10,
      defasagem: (i % 5) - 3,
    }));
    for (let i = 0; i < students.length; i += 60) {
      const r = await fetch(`${server.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': PREDICT_KEY },
        body: JSON.stringify({ instances: students.slice(i, i + 60) }),
      });
      expect(r.status).toBe(200);
    }
    // Events are written off the request path: wait until the store has them.
    for (let t = 0; (await get<{ records: number }>('/monitoring/drift')).records < before + 240; t++) {
      if (t > 200) throw new Error('monitoring did not record the traffic');
      await new Promise((r) => setTimeout(r, 50));
    }
    const answer = (suffix: string) =>
      page.waitForResponse((r) => r.url().endsWith(suffix)).then((r) => r.json());
    const [slo, drift, outcomes] = await Promise.all([
      answer('/monitoring/slo') as Promise<ServiceHealth>,
      answer('/monitoring/drift') as Promise<DriftReport>,
      answer('/monitoring/outcomes') as Promise<unknown>,
      page.getByRole('link', { name: 'Monitoramento' }).click(),
    ]);
    await rendered('monitoramento');
    expect(outcomes).toBeNull();
    const n = new Intl.NumberFormat('pt-BR').format(slo.total.requests);
    expect(slo.total.requests).toBeGreaterThan(4);
    expect(await page.getByText(`${n} pedidos`).count()).toBe(1);
    expect(await page.locator('section[aria-labelledby="latencia"] tbody tr').count()).toBe(
      slo.endpoints.length + 1,
    );
    const driftTable = page.locator('section[aria-labelledby="drift"] table');
    expect(await driftTable.locator('tbody tr').count()).toBe(drift.fields.length);
    const first = [...drift.fields].sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1))[0]!;
    expect(await driftTable.locator('tbody tr').first().locator('th').textContent()).toContain(
      first.description || first.field,
    );
    expect(await driftTable.locator('tbody tr .light').count()).toBe(drift.fields.length);
    expect(await page.getByTestId('series').locator('tbody tr').count()).toBeGreaterThan(0);
    await page.getByText('Resultados reais: ainda não se sabe.').waitFor();
    expect(await page.locator('.notice-error').count()).toBe(0);
    await checkPage('16-monitoramento');
  });

  it('Monitoramento with monitoring off: the routes refuse with 409 and the page shows a calm notice with what to set', async () => {
    phase = 'monitoring-off';
    const off = await startServer({
      settings: loadServerSettings({
        REGISTRY_DIR: registryDir,
        MODEL_VERSION: 'champion',
        PORT: '0',
        HOST: '127.0.0.1',
      }),
      monitor: defaultMonitorSettings({ dataDir: path.join(root, 'monitoring-off'), privacyMode: 'off' }),
      logger: collectingLogger([]),
      registry,
    });
    try {
      const r = await fetch(`${off.url}/monitoring/drift`);
      expect(r.status).toBe(409);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe(
        'DEF_ERR_MONITOR_MONITORING_OFF',
      );
      const config = (await (await fetch(`${off.url}/dashboard/config`)).json()) as Record<string, unknown>;
      expect(config).toMatchObject({
        monitoring: 'off',
        features: { drift: false, slo: false, series: false, outcomes: false },
      });
      await page.goto(`${off.url}/#/monitoramento`);
      await rendered('monitoramento');
      const notice = page.getByTestId('monitoring-off');
      expect(await notice.textContent()).toContain('Monitoramento desativado neste servidor.');
      expect(await notice.textContent()).toContain('MONITOR_PRIVACY_MODE=aggregate_only');
      expect(await page.locator('.notice-error').count()).toBe(0);
      await checkPage('17-monitoramento-desligado');
    } finally {
      await off.close();
    }
  });

  it('the production bundle is within 300 KB gzipped, the page says it is in Portuguese, and Tab reaches the skip link first', async () => {
    phase = 'weight';
    const assets = path.join(REPO_ROOT, 'web', 'dist', 'assets');
    const gz = readdirSync(assets).reduce(
      (sum, f) => sum + gzipSync(readFileSync(path.join(assets, f))).length,
      gzipSync(readFileSync(path.join(REPO_ROOT, 'web', 'dist', 'index.html'))).length,
    );
    console.log(`dashboard: bundle ${(gz / 1024).toFixed(1)} KB gzipped (index.html + assets)`);
    expect(gz).toBeLessThanOrEqual(300 * 1024);
    await page.goto(`${server.url}/`);
    await rendered('visao-geral');
    expect(await page.getAttribute('html', 'lang')).toBe('pt-BR');
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent),
    ).toBe('Pular para o conteúdo');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).toBe(
      'conteudo',
    );
  });
});
