/**
 * The report coordinators open: model_report.html beside model_report.md, self-contained (nothing
 * fetched), well-formed, every chart described for screen readers; one labelled operating point (the
 * other threshold in the annex), a glossary, groups named in Portuguese and the promotion guardrails.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELING_COLUMNS } from '../data/ingest.js';
import { encodeParquet } from '../data/parquet.js';
import { syntheticRows } from '../features/testing/records.js';
import type { MetricsFile } from '../model/types.js';
import { resolveConfig } from './config.js';
import { GLOSSARY } from './report-glossary.js';
import { findAll, type HtmlElement, parseHtml, textOf } from './testing/html.js';
import { train } from './train.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dataPath = path.join(tmp, 'modeling_dataset.parquet');
writeFileSync(dataPath, encodeParquet(syntheticRows(500, 21), MODELING_COLUMNS));
const config = resolveConfig({
  bootstrap: 50,
  bootstrap_groups: 20,
  random_forest: { n_estimators: 15 },
  gbdt: { max_iter: 60, learning_rate: 0.2 },
});
// Minimums the synthetic model meets for ROC-AUC and recall but not for precision.
const guardrails = { roc_auc: 0.5, precision: 0.99, recall: 0.2 };

describe('model_report.html and model_report.md', () => {
  const dir = path.join(tmp, 'artifacts');
  let html = '';
  let md = '';
  let doc: HtmlElement;
  let metrics: MetricsFile;
  let threshold = 0;
  beforeAll(async () => {
    const s = await train({ dataPath, artifactsDir: dir, seed: 7, refit: true, config, guardrails });
    threshold = s.threshold;
    html = readFileSync(path.join(dir, 'model_report.html'), 'utf8');
    md = readFileSync(path.join(dir, 'model_report.md'), 'utf8');
    metrics = JSON.parse(readFileSync(path.join(dir, 'metrics_v1.json'), 'utf8')) as MetricsFile;
    doc = parseHtml(html);
  }, 60_000);

  it('is a well-formed, self-contained page: nothing fetched, no script', () => {
    const [page] = findAll(doc, 'html');
    expect(page?.attrs.lang).toBe('pt-BR');
    expect(findAll(doc, 'script')).toHaveLength(0);
    expect(findAll(doc, 'link')).toHaveLength(0);
    expect(findAll(doc, 'img')).toHaveLength(0);
    expect(html).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/url\(|@import/);
    // Links only jump inside the page.
    for (const a of findAll(doc, 'a')) expect(a.attrs.href).toMatch(/^#[a-z0-9-]+$/);
    const ids = new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
    for (const a of findAll(doc, 'a')) expect(ids.has(a.attrs.href!.slice(1))).toBe(true);
  });

  it('every chart is inline SVG with a title and a description for screen readers', () => {
    const svgs = findAll(doc, 'svg');
    expect(svgs).toHaveLength(4);
    for (const svg of svgs) {
      expect(svg.attrs.role).toBe('img');
      const [title, desc] = [findAll(svg, 'title')[0], findAll(svg, 'desc')[0]];
      expect(textOf(title!).length).toBeGreaterThan(5);
      expect(textOf(desc!).length).toBeGreaterThan(40);
      expect(svg.attrs['aria-labelledby']).toBe(`${title!.attrs.id} ${desc!.attrs.id}`);
    }
    // The Markdown has no SVG: it describes each chart and points to the HTML.
    expect(md).not.toContain('<svg');
    expect(
      md.match(/\(O gráfico está em \[model_report\.html\]\(model_report\.html#[a-z-]+\)\.\)/g),
    ).toHaveLength(4);
  });

  it('one operating point, clearly labelled; the backtest threshold only in the annex', () => {
    const t = (v: number) => v.toFixed(3).replace('.', ',');
    const annexAt = md.indexOf('## Anexo técnico');
    expect(annexAt).toBeGreaterThan(0);
    const main = md.slice(0, annexAt);
    expect(main).toContain(`**Limiar em uso: ${t(threshold)}.**`);
    expect(t(metrics.test!.threshold)).not.toBe(t(threshold));
    expect(main).not.toContain(t(metrics.test!.threshold));
    expect(md.slice(annexAt)).toContain(`**${t(metrics.test!.threshold)}** é o do modelo de teste`);
    expect(findAll(doc, 'h2').map(textOf)).toContain('Ponto de operação em uso');
  });

  it('a glossary of the words it uses, in Portuguese', () => {
    const [dl] = findAll(doc, 'dl');
    const terms = findAll(dl!, 'dt').map(textOf);
    for (const word of [
      'ROC-AUC',
      'PR-AUC',
      'Precisão',
      'Recall (sensibilidade)',
      'Brier',
      'Calibração',
      'Falso positivo',
    ])
      expect(terms.some((term) => term.startsWith(word))).toBe(true);
    expect(terms).toEqual(GLOSSARY.map((g) => g.term));
    expect(md).toContain('## Glossário');
  });

  it('states the guardrail results, computed from the metrics with the minimums given', () => {
    const table = findAll(doc, 'table').find((tb) => textOf(tb).includes('mínimo exigido'))!;
    const rows = findAll(table, 'tr')
      .slice(1)
      .map((tr) => findAll(tr, 'td').map(textOf));
    expect(rows.map((r) => r[0])).toEqual(['ROC-AUC (ordenação)', 'Precisão no limiar', 'Recall no limiar']);
    const value = (k: 'roc_auc' | 'precision' | 'recall') =>
      metrics.test!.metrics[k].value.toFixed(3).replace('.', ',');
    expect(rows[0]).toEqual(['ROC-AUC (ordenação)', '0,5', value('roc_auc'), '✓ passou']);
    expect(rows[1]).toEqual(['Precisão no limiar', '0,99', value('precision'), '✗ não passou']);
    expect(rows[2]).toEqual(['Recall no limiar', '0,2', value('recall'), '✓ passou']);
    expect(md).toContain('**O modelo NÃO passa nos critérios de promoção.**');
    expect(html).toContain('<strong>O modelo NÃO passa nos critérios de promoção.</strong>');
  });

  it('names groups in Portuguese, never by their codes', () => {
    const groups = findAll(doc, 'table')
      .filter((tb) => textOf(findAll(tb, 'th')[0]!) === 'grupo')
      .flatMap((tb) =>
        findAll(tb, 'tr')
          .slice(1)
          .map((tr) => textOf(findAll(tr, 'td')[0]!).replace(' ⚠', '')),
      );
    expect(groups).toEqual(
      expect.arrayContaining([
        'Feminino',
        'Pública',
        'Particular com bolsa',
        'ALFA',
        'Fase 3',
        'Fases 3 a 5',
      ]),
    );
    for (const code of ['privada_bolsa', 'concluiu_em', 'publica', '0-2', '3-5']) {
      expect(groups).not.toContain(code);
      expect(md).not.toMatch(new RegExp(`\\| ${code}( ⚠)? \\|`));
    }
  });
});
