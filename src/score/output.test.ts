/**
 * The list as files: the CSV parsed back the way a Portuguese Excel reads it (csv-parse with `;`, the
 * BOM and CRLF; decimal comma), the xlsx read back with read-excel-file and its frozen header, widths
 * and number formats checked in the sheet XML (unzipped with Node's zlib, not the writer's library).
 */
import { parse } from 'csv-parse/sync';
import readExcelFile from 'read-excel-file/node';
import { describe, expect, it } from 'vitest';
import { renderCsv } from './csv.js';
import { rankCohort } from './rank.js';
import { renderOutput, scoreContext } from './score.js';
import { tableColumns } from './table.js';
import { cohortOf, idaModel, student } from './testing/cohort.js';
import { zipEntryText } from './testing/zip.js';

const model = idaModel();
const cohort = cohortOf(
  [
    student(
      '=HYPERLINK("http://x")',
      { ida: 2.5 },
      { turma: '+3A', nome: 'Maria; "Mia" Silva', sourceRow: 2 },
    ),
    student('RA-2', { ida: 9 }, { turma: '@x', sourceRow: 3 }),
    student('-7', { ida: null }, { turma: null, sourceRow: 4 }),
  ],
  { rejects: [{ sheet: 'PEDE2024', row: 5, column: 'Fase', reason: 'fase is empty' }], rowsRejected: 1 },
);
const scored = (() => {
  const scores = model.predictProba(cohort.students.map((s) => s.record));
  return {
    scores,
    labels: Array.from(scores, (s) => (s >= 0.5 ? 1 : 0)) as (0 | 1)[],
    bands: Array.from(scores, (s) => (s >= 0.7 ? 'alto' : s >= 0.5 ? 'medio' : 'baixo')) as (
      | 'alto'
      | 'medio'
      | 'baixo'
    )[],
  };
})();
const metrics = {
  metrics_version: 1 as const,
  learner: 'gbdt',
  threshold: 0.46,
  validation: null as never,
  test: {
    label_years: [2024],
    n: 765,
    positives: 308,
    base_rate: 0.4026,
    threshold: 0.464,
    metrics: {
      recall: { value: 0.7825, ci_low: 0.736, ci_high: 0.825 },
      precision: { value: 0.7259, ci_low: 0.675, ci_high: 0.776 },
      roc_auc: { value: 0.8957, ci_low: null, ci_high: null },
    } as never,
    confusion: { tp: 241, fp: 91, tn: 366, fn: 67 },
  },
  by_group: {},
};
const info = {
  version: 'v1.2.0',
  source: 'registry' as const,
  model,
  metadata: { data: { synthetic: false } },
  metrics,
};
const at = new Date('2025-03-10T13:30:00Z');

describe('CSV for a Portuguese Excel', () => {
  it('has a BOM, ";" separators, CRLF, decimal comma, quoting, and no formula can run', async () => {
    const ranked = await rankCohort(model, cohort, scored, { capacity: null });
    const ctx = scoreContext(info, { alto: 0.7, medio: 0.5 }, true, at);
    const text = renderCsv(tableColumns(ctx, ranked), ranked.students);
    expect(text.startsWith('\uFEFFPosição;RA;Nome;Turma;Fase;Risco (%);')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const rows = parse(text, { delimiter: ';', bom: true, relax_quotes: false }) as string[][];
    expect(rows).toHaveLength(4);
    const [header, first, second, third] = rows as [string[], string[], string[], string[]];
    const col = (name: string) => header.indexOf(name);
    // Ranked: IDA 2,5 → risk 75; missing IDA → 50; IDA 9 → 10.
    expect(first[col('RA')]).toBe('\'=HYPERLINK("http://x")');
    expect(first[col('Nome')]).toBe('Maria; "Mia" Silva');
    expect(first[col('Turma')]).toBe("'+3A");
    expect(first[col('Risco (%)')]).toBe('75,0');
    expect(first[col('Faixa')]).toBe('alto');
    expect(first[col('Sinalizado')]).toBe('sim');
    expect(first[col('Fator 1')]).toBe('IDA 2,5: aumenta o risco');
    expect(second[col('RA')]).toBe("'-7");
    expect(second[col('Turma')]).toBe('');
    expect(second[col('Dados ausentes')]).toBe('IDA');
    expect(second[col('Fator 1')]).toBe('IDA não informada: reduz o risco');
    expect(third[col('Turma')]).toBe("'@x");
    expect(third[col('Risco (%)')]).toBe('10,0');
    expect(third[col('Versão do modelo')]).toBe('v1.2.0');
    expect(rows.map((r) => r[col('Posição')])).toEqual(['Posição', '1', '2', '3']);
  });

  it('leaves names out unless asked and says "Dentro da capacidade" with a capacity', async () => {
    const ranked = await rankCohort(model, cohort, scored, { capacity: { kind: 'count', count: 1 } });
    const text = renderCsv(
      tableColumns(scoreContext(info, { alto: 0.7, medio: 0.5 }, false, at), ranked),
      ranked.students,
    );
    expect(text).not.toContain('Maria');
    const rows = parse(text, { delimiter: ';', bom: true }) as string[][];
    expect(rows[0]).not.toContain('Nome');
    expect(rows[0]).not.toContain('Sinalizado');
    const c = rows[0]!.indexOf('Dentro da capacidade');
    expect(rows.slice(1).map((r) => r[c])).toEqual(['sim', 'não', 'não']);
  });
});

describe('xlsx', () => {
  it('reads back: the ranked sheet with typed cells, "Sobre" with the model facts, "Rejeitadas"', async () => {
    const ranked = await rankCohort(model, cohort, scored, { capacity: { kind: 'share', share: 0.5 } });
    const ctx = scoreContext(info, { alto: 0.7, medio: 0.5 }, false, at);
    const bytes = await renderOutput('xlsx', ctx, cohort, ranked);
    const sheets = await readExcelFile(bytes);
    expect(sheets.map((s) => s.sheet)).toEqual(['Ranking', 'Sobre', 'Rejeitadas']);
    const [header, ...rows] = sheets[0]!.data;
    expect(header).toEqual([
      'Posição',
      'RA',
      'Turma',
      'Fase',
      'Risco (%)',
      'Faixa',
      'Dentro da capacidade',
      'Fator 1',
      'Fator 2',
      'Fator 3',
      'Dados ausentes',
      'Linha na origem',
      'Versão do modelo',
    ]);
    expect(rows[0]!.slice(0, 7)).toEqual([1, '=HYPERLINK("http://x")', '+3A', 1, 75, 'alto', 'sim']);
    expect(rows.map((r) => r[11])).toEqual([2, 4, 3]);
    const about = Object.fromEntries(sheets[1]!.data.slice(1).map(([k, v]) => [k, v]));
    expect(about['Gerada em']).toBe('10/03/2025, 10:30 (horário de Brasília)');
    expect(about.Modelo).toBe('Versão v1.2.0 (registro de modelos), stand_in.');
    expect(about.Limiar).toBe('50,0%: risco a partir deste valor = sinalizado.');
    expect(about['Faixas de risco']).toBe(
      'baixo: abaixo de 50,0%; médio: de 50,0% a 70,0%; alto: 70,0% ou mais.',
    );
    expect(about['Qualidade no backtest']).toContain('Ano 2024: 765 alunos, 40,3% ficaram defasados.');
    expect(about['Qualidade no backtest']).toContain('Recall 78,3% [IC 95%: 73,6% a 82,5%]');
    expect(about['Regra de sinalização']).toBe(
      'Capacidade: 50% dos alunos avaliados → até 1 aluno; 1 dentro da capacidade (menor risco dentro: 75,0%).',
    );
    expect(about['Dados sintéticos']).toBe('Não: modelo treinado com dados reais e alunos reais.');
    expect(about['Coluna "Dentro da capacidade"']).toContain('50% dos alunos avaliados');
    expect(sheets[2]!.data).toEqual([
      ['Aba ou arquivo', 'Linha', 'Coluna', 'Motivo'],
      ['PEDE2024', 5, 'Fase', 'fase is empty'],
    ]);
    // Frozen header row, column widths, the risk shown with one decimal; text never as a formula.
    const sheet1 = zipEntryText(bytes, 'xl/worksheets/sheet1.xml')!;
    expect(sheet1).toMatch(/<pane [^>]*ySplit="1"[^>]*state="frozen"/);
    expect(sheet1).toContain('<col min="8" max="8" width="44" customWidth="1"/>');
    expect(sheet1).not.toContain('<f>');
    expect(zipEntryText(bytes, 'xl/styles.xml')).toContain('formatCode="0.0"');
  });

  it('warns on synthetic data in "Sobre"', async () => {
    const ranked = await rankCohort(model, cohort, scored, { capacity: null });
    const ctx = scoreContext(
      { ...info, metadata: { data: { synthetic: true } } },
      { alto: 0.7, medio: 0.5 },
      false,
      at,
    );
    const sheets = await readExcelFile(
      await renderOutput('xlsx', ctx, { ...cohort, synthetic: true }, ranked),
    );
    const about = Object.fromEntries(sheets[1]!.data.slice(1).map(([k, v]) => [k, v]));
    expect(about['Dados sintéticos']).toContain('DADOS SINTÉTICOS');
    expect(about['Dados sintéticos']).toContain('os alunos avaliados são DADOS SINTÉTICOS');
  });
});
