import { describe, expect, it } from 'vitest';
import type { WindowHistograms } from './aggregate.js';
import { binSpecFromBaseline } from './bins.js';
import { computeDrift, type DriftOptions } from './drift.js';
import { renderDriftHtml } from './drift-html.js';
import { tinyBaseline } from './testing/fixtures.js';

const OPTIONS: DriftOptions = {
  psiYellow: 0.1,
  psiRed: 0.25,
  missingYellow: 0.05,
  missingRed: 0.15,
  minRecords: 50,
  ignore: [],
};

/** Window histograms on the tiny baseline's bins: `k` times the baseline, or shifted. */
function window(k: number, shifted = false): WindowHistograms {
  const b = tinyBaseline();
  return {
    binsId: binSpecFromBaseline(b).id,
    calls: 10,
    records: 100 * k,
    positives: 30 * k,
    score: {
      kind: 'numeric',
      counts: Float64Array.from(shifted ? [5, 5, 30, 60] : [40, 30, 20, 10], (c) => c * k),
      missing: 0,
    },
    fields: new Map([
      [
        'ieg',
        {
          kind: 'numeric',
          counts: Float64Array.from(shifted ? [60, 20, 5, 5] : [10, 30, 40, 10], (c) => c * k),
          missing: 10 * k,
        },
      ],
      [
        'genero',
        {
          kind: 'categorical',
          counts: new Map(
            shifted
              ? [
                  ['feminino', 50 * k],
                  ['masculino', 45 * k],
                  ['<script>x</script>', 5 * k],
                ]
              : [
                  ['feminino', 55 * k],
                  ['masculino', 45 * k],
                ],
          ),
          missing: 0,
        },
      ],
    ]),
  };
}

function report(h: WindowHistograms, options = OPTIONS, version = 'v1.2.0') {
  return computeDrift({
    baseline: tinyBaseline(),
    histograms: h,
    modelVersion: version,
    window: { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-08T00:00:00Z') },
    options,
    now: new Date('2025-03-08T00:00:00Z'),
  });
}

describe('HTML drift report', () => {
  it('is self-contained: no script, no external resource, inline SVG charts, one per field and the score', () => {
    const html = renderDriftHtml(report(window(3, true)));
    expect(html).not.toMatch(/<script|<link|<iframe|<img|src=|@import|url\(/i);
    // The only URL is the SVG namespace, which is an identifier, never fetched.
    expect(html.match(/https?:\/\/[^"\s]+/g)!.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('<html lang="pt-BR">');
    expect(html).toContain('<meta charset="utf-8">');
  });

  it('says in Portuguese what to do for each status', () => {
    const green = renderDriftHtml(report(window(3)));
    expect(green).toContain('Status geral: <span class="badge" style="background:#1a7f37">Verde</span>');
    expect(green).toContain('Nada a fazer além de acompanhar');
    const red = renderDriftHtml(report(window(3, true)));
    expect(red).toContain('>Vermelho</span>');
    expect(red).toContain('retreine o modelo com os dados mais recentes');
    expect(red).toContain('A distribuição mudou muito');
    const yellow = renderDriftHtml(
      report(window(3, true), { ...OPTIONS, psiYellow: 0, psiRed: 100, missingRed: 1 }),
    );
    expect(yellow).toContain('>Amarelo</span>');
    expect(yellow).toContain('Ainda não é preciso retreinar');
    const few = renderDriftHtml(report(window(0.2)));
    expect(few).toContain('>Dados insuficientes</span>');
    expect(few).toContain('Menos de 50 alunos avaliados na janela (20)');
  });

  it('escapes every value it did not write (model version, unseen categories)', () => {
    const html = renderDriftHtml(report(window(3, true), OPTIONS, 'v1<b>'));
    expect(html).not.toContain('<script>x</script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain('modelo v1&lt;b&gt;');
  });

  it('is deterministic for a report', () => {
    const r = report(window(3, true));
    expect(renderDriftHtml(r)).toBe(renderDriftHtml(structuredClone(r)));
  });
});
