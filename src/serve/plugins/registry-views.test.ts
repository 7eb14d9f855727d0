/** The dashboard's reading of training files: odd shapes become nulls, never a throw or a made-up number. */

import { describe, expect, it } from 'vitest';
import { barChart, lineChart } from '../../train/svg.js';
import { ANONYMOUS_ADMIN } from '../auth.js';
import {
  blockView,
  curvesOf,
  evaluationView,
  forRole,
  groupTables,
  importanceOf,
  reportCharts,
} from './registry-views.js';

const block = (n: number, c = { tp: 3, fp: 1, tn: 5, fn: 1 }) => ({
  label_years: [2024],
  n,
  positives: 4,
  base_rate: 0.4,
  threshold: 0.3,
  metrics: {
    recall: { value: 0.75, ci_low: 0.5, ci_high: 1 },
    roc_auc: { value: null, ci_low: null, ci_high: null },
  },
  confusion: c,
});

describe('registry views', () => {
  it('an evaluation block: share flagged from the confusion matrix, metrics kept, junk read as null', () => {
    const v = blockView({ ...block(10), mean_predicted: 0.45 })!;
    expect(v.flagged_share).toBe(0.4);
    expect([v.mean_predicted, blockView(block(10))!.mean_predicted]).toEqual([0.45, null]);
    expect(v.metrics.recall).toEqual({ value: 0.75, ci_low: 0.5, ci_high: 1 });
    expect(v.metrics.roc_auc!.value).toBeNull();
    const nobody = blockView({ ...block(3, { tp: 0, fp: 0, tn: 3, fn: 0 }), positives: 0 })!;
    expect([nobody.metrics.recall!.value, nobody.metrics.precision, nobody.flagged_share]).toEqual([
      null,
      undefined,
      0,
    ]);
    const noFlag = blockView({
      ...block(3, { tp: 0, fp: 0, tn: 2, fn: 1 }),
      metrics: { precision: { value: 0, ci_low: 0, ci_high: 0 } },
    })!;
    expect(noFlag.metrics.precision!.value).toBeNull();
    expect(blockView(null)).toBeNull();
    expect(blockView([1, 2])).toBeNull();
    const odd = blockView({
      n: '10',
      confusion: { tp: 1 },
      metrics: { f1: 0.5, brier: 'x' },
      label_years: [2024, 'x'],
    })!;
    expect(odd).toMatchObject({ n: null, confusion: null, flagged_share: null, label_years: [2024] });
    expect(odd.metrics).toEqual({
      f1: { value: 0.5, ci_low: null, ci_high: null },
      brier: { value: null, ci_low: null, ci_high: null },
    });
  });

  it('groups: gender, school type, fase first; a group under 30 students is marked small', () => {
    const t = groupTables({
      fase: { '3': block(12) },
      outro: { a: block(40) },
      genero: { feminino: block(30), masculino: block(29) },
    });
    expect(t.map((g) => g.field)).toEqual(['genero', 'fase', 'outro']);
    expect(t[0]!.rows.map((r) => [r.level, r.small])).toEqual([
      ['feminino', false],
      ['masculino', true],
    ]);
    expect(groupTables('nope')).toEqual([]);
  });

  it('curves and importance are read when training stored them, in either point shape', () => {
    expect(
      curvesOf({
        test: {
          curves: {
            pr: [
              [0, 1],
              [1, 0.4],
            ],
            calibration: [
              { x: 0.1, y: 0.2, n: 9 },
              { x: 0.9, y: 0.8 },
            ],
          },
        },
      }),
    ).toEqual({
      pr: [
        [0, 1],
        [1, 0.4],
      ],
      calibration: [
        [0.1, 0.2],
        [0.9, 0.8],
      ],
      roc: null,
    });
    expect(
      curvesOf({
        test: {
          curves: {
            pr: [
              [0, 'x'],
              [1, 1],
            ],
          },
        },
      }),
    ).toBeNull();
    expect(curvesOf({ test: {} })).toBeNull();
    expect(
      importanceOf({
        importance: [
          { feature: 'ida', value: 0.2 },
          { feature: 'ieg', label: 'IEG', value: 0.5 },
          { value: 3 },
        ],
      }),
    ).toEqual([
      { feature: 'ieg', label: 'IEG', value: 0.5 },
      { feature: 'ida', label: 'ida', value: 0.2 },
    ]);
    expect(importanceOf({})).toBeNull();
  });

  it('the evaluation view: production threshold and bands from the metadata, synthetic flag, no paths', () => {
    const v = evaluationView(
      { learner: 'gbdt', threshold: 0.3, test: block(10), validation: block(20), by_group: {} },
      {
        threshold: 0.35,
        risk_bands: { medio_from: 0.35, alto_from: 0.5 },
        data: { path: '/home/ana/dados.parquet', synthetic: true },
        training_periods: { test: { label_years: [2024], rows: 239 } },
      },
    );
    expect(v).toMatchObject({
      learner: 'gbdt',
      synthetic: true,
      threshold: 0.35,
      bands: { medio_from: 0.35, alto_from: 0.5 },
    });
    expect(v.periods).toEqual({ test: { label_years: [2024], rows: 239 } });
    expect(JSON.stringify(v)).not.toContain('/home/ana');
    expect(evaluationView(null, null)).toMatchObject({
      learner: null,
      test: null,
      bands: null,
      groups: [],
      curves: null,
    });
  });

  it('report charts: each inline SVG with its title; scripts, event handlers and links refused', () => {
    const md = [
      '<svg role="img" aria-label="Curva ROC (ano de teste)"><path d="M0 0"/></svg>',
      '<svg aria-label="Calibração &amp; mais"><rect/></svg>',
      '<svg aria-label="Importância dos fatores"><rect onload="x()"/></svg>',
      '<svg aria-label="x"><a href="https://example.org"><rect/></a></svg>',
      '<svg aria-label="x"><script>1</script></svg>',
    ].join('\n\n');
    expect(reportCharts(md).map((c) => [c.kind, c.title])).toEqual([
      ['roc', 'Curva ROC (ano de teste)'],
      ['calibration', 'Calibração & mais'],
    ]);
  });

  it('report charts of the HTML report: the SVG training draws, titled by its <title>', () => {
    const html = [
      '<figure>',
      lineChart({
        id: 'pr',
        title: 'Precisão × recall (2024)',
        description: 'Curva do ano de teste',
        xLabel: 'Recall',
        yLabel: 'Precisão',
        series: [
          {
            name: 'modelo',
            points: [
              [0, 1],
              [1, 0.4],
            ],
            color: '#1f77b4',
          },
        ],
      }),
      '</figure><figure>',
      barChart({ id: 'importancia', title: 'Importância dos fatores', description: 'd' }, [
        { label: 'IDA', value: 1 },
      ]),
      '</figure>',
    ].join('');
    expect(reportCharts(html).map((c) => [c.kind, c.title])).toEqual([
      ['pr', 'Precisão × recall (2024)'],
      ['importance', 'Importância dos fatores'],
    ]);
  });

  it('names and free text only for operators', () => {
    const e = {
      to: 'v1.0.0',
      by: 'Ana',
      reason: 'porque sim',
      created_by: 'Ana',
      notes: 'n',
      promoted_by: 'Ana',
    };
    expect(forRole(e, { id: 'abcd1234', role: 'predict' })).toEqual({ to: 'v1.0.0' });
    expect(forRole(e, null)).toEqual({ to: 'v1.0.0' });
    expect(forRole(e, ANONYMOUS_ADMIN)).toBe(e);
  });
});
