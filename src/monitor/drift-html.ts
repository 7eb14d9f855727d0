/**
 * The drift report as one self-contained HTML page (no script, no CDN, no external font: inline CSS and
 * inline SVG charts), in Portuguese, for the pedagogical coordination: the overall status and what to do,
 * a table of every field, and one chart per field with the training baseline against the window.
 */
import type { DriftBin, DriftReport, FieldDrift, OverallStatus } from './drift.js';
import type { Status } from './psi.js';

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
export const num = (v: number, d = 2): string => v.toFixed(d).replace('.', ',');
export const pct = (v: number | null): string => (v === null ? '—' : `${num(100 * v, 1)}%`);
const short = (v: number): string => String(Math.round(v * 1000) / 1000).replace('.', ',');

const STATUS_PT: Record<OverallStatus, string> = {
  green: 'Verde',
  yellow: 'Amarelo',
  red: 'Vermelho',
  insufficient: 'Dados insuficientes',
};

const COLOR: Record<OverallStatus, string> = {
  green: '#1a7f37',
  yellow: '#b58100',
  red: '#c62828',
  insufficient: '#5f6368',
};

function overallAdvice(r: DriftReport): string {
  switch (r.status) {
    case 'green':
      return 'Os alunos avaliados nesta janela se parecem com os do treino. Nada a fazer além de acompanhar o relatório semanalmente.';
    case 'yellow':
      return 'Algumas variáveis mudaram. Verifique se houve mudança na coleta (formulário, escala dos indicadores, fases atendidas) e acompanhe na próxima janela. Ainda não é preciso retreinar.';
    case 'red':
      return 'Os alunos avaliados são diferentes dos de treino. Primeiro confirme que a mudança é real e não um erro de cadastro ou importação. Se for real, retreine o modelo com os dados mais recentes e compare com o modelo atual antes de promovê-lo. Até lá, use as probabilidades com cautela: a ordem dos alunos costuma resistir melhor que a calibração.';
    case 'insufficient':
      return `Menos de ${r.thresholds.minRecords} alunos avaliados na janela (${r.records}). Com amostras pequenas o PSI sai inflado; aguarde mais predições ou aumente a janela antes de tirar conclusões.`;
  }
}

function fieldAdvice(f: FieldDrift, r: DriftReport): string[] {
  const out: string[] = [];
  if (!f.counted)
    out.push('Mostrada, mas fora do status geral (muda por definição, como o ano da observação).');
  if (f.psi_status === 'red')
    out.push('A distribuição mudou muito: confira a origem dos dados desta variável e considere retreinar.');
  else if (f.psi_status === 'yellow') out.push('A distribuição mudou um pouco: acompanhe na próxima janela.');
  if (f.missing_status && f.missing_status !== 'green' && f.missing_rate.change !== null)
    out.push(
      `A taxa de ausentes passou de ${pct(f.missing_rate.baseline)} para ${pct(f.missing_rate.current)}: verifique se o campo deixou de ser preenchido ou importado.`,
    );
  if (f.psi === null)
    out.push(
      f.values.baseline === 0
        ? 'O treino não tinha nenhum valor desta variável: o PSI não se aplica; só a taxa de ausentes é comparada.'
        : 'Nenhum valor desta variável na janela.',
    );
  if (f.unseen.length > 0) out.push(`Valores que o treino nunca viu: ${f.unseen.join(', ')}.`);
  if (f.field === 'score' && f.status !== 'green')
    out.push(
      `A taxa de sinalizados foi de ${pct(r.positive_rate.baseline)} no treino para ${pct(r.positive_rate.current)} agora. Se os alunos mudaram, isso é esperado; se não, o modelo pode estar descalibrado.`,
    );
  return out;
}

function binLabel(b: DriftBin): string {
  if (b.lo === undefined) return b.key;
  if (b.lo === null && b.hi === null) return 'todos';
  if (b.lo === null) return `≤ ${short(b.hi!)}`;
  if (b.hi === null || b.hi === undefined) return `> ${short(b.lo)}`;
  return `${short(b.lo)}–${short(b.hi)}`;
}

/** Grouped bars: baseline share (grey) and current share (status colour) per bin. */
export function chartSvg(f: FieldDrift): string {
  const W = 640;
  const H = 230;
  const left = 44;
  const bottom = 60;
  const top = 22;
  const plotW = W - left - 10;
  const plotH = H - top - bottom;
  const max = Math.max(0.05, ...f.bins.flatMap((b) => [b.baseline, b.current]));
  const step = plotW / Math.max(1, f.bins.length);
  const bw = Math.max(2, step * 0.38);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    parts.push(
      `<line x1="${left}" x2="${W - 10}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`,
      `<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${num(100 * v, 0)}%</text>`,
    );
  }
  const rotate = f.bins.length > 6;
  f.bins.forEach((b, i) => {
    const x0 = left + i * step + step / 2 - bw;
    const label = esc(binLabel(b));
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${y(b.baseline).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y(b.baseline)).toFixed(1)}" fill="#9e9e9e"><title>${label}: treino ${pct(b.baseline)}</title></rect>`,
      `<rect x="${(x0 + bw).toFixed(1)}" y="${y(b.current).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y(b.current)).toFixed(1)}" fill="${COLOR[f.status]}"><title>${label}: agora ${pct(b.current)}</title></rect>`,
    );
    const lx = left + i * step + step / 2;
    const ly = top + plotH + 14;
    parts.push(
      rotate
        ? `<text x="${lx.toFixed(1)}" y="${ly}" font-size="10" text-anchor="end" transform="rotate(-35 ${lx.toFixed(1)} ${ly})">${label}</text>`
        : `<text x="${lx.toFixed(1)}" y="${ly}" font-size="10" text-anchor="middle">${label}</text>`,
    );
  });
  parts.push(
    `<rect x="${W - 150}" y="2" width="10" height="10" fill="#9e9e9e"/><text x="${W - 136}" y="11" font-size="11">treino</text>`,
    `<rect x="${W - 90}" y="2" width="10" height="10" fill="${COLOR[f.status]}"/><text x="${W - 76}" y="11" font-size="11">agora</text>`,
  );
  const title = `${f.field}: distribuição no treino (cinza) e na janela (cor do status)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${parts.join('')}</svg>`;
}

const badge = (s: OverallStatus | Status | null): string =>
  s === null ? '—' : `<span class="badge" style="background:${COLOR[s]}">${STATUS_PT[s]}</span>`;

function fieldRow(f: FieldDrift): string {
  return `<tr><td><a href="#f-${esc(f.field)}">${esc(f.field)}</a></td><td>${esc(f.description)}</td><td class="n">${f.psi === null ? '—' : num(f.psi, 3)}</td><td class="n">${pct(f.missing_rate.baseline)} → ${pct(f.missing_rate.current)}</td><td>${badge(f.status)}${f.counted ? '' : ' <small>(fora do geral)</small>'}</td></tr>`;
}

function fieldSection(f: FieldDrift, r: DriftReport): string {
  const advice = fieldAdvice(f, r)
    .map((a) => `<li>${esc(a)}</li>`)
    .join('');
  return `<section id="f-${esc(f.field)}"><h3>${esc(f.field)} ${badge(f.status)}</h3><p>${esc(f.description)} PSI ${f.psi === null ? '—' : num(f.psi, 3)} · ausentes ${pct(f.missing_rate.baseline)} no treino, ${pct(f.missing_rate.current)} agora · ${f.values.current} valores na janela.</p>${advice ? `<ul>${advice}</ul>` : ''}${f.bins.length > 0 && f.values.baseline > 0 ? chartSvg(f) : ''}</section>`;
}

/** The reports' stylesheet (inline: the pages load nothing). */
export const REPORT_CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:980px;padding:0 1rem;color:#202124}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1.05rem;margin-bottom:.3rem}
.badge{color:#fff;border-radius:4px;padding:.1rem .45rem;font-size:.85rem;white-space:nowrap}
.status{border-left:6px solid;padding:.6rem 1rem;background:#f8f9fa}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #e0e0e0;padding:.3rem .4rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}section{margin:1.2rem 0;break-inside:avoid}svg{max-width:100%;height:auto}
small,.method{color:#5f6368}`;

/** The whole page. Deterministic for a report (no clock, no randomness). */
export function renderDriftHtml(r: DriftReport): string {
  const window = r.window
    ? `de ${r.window.from.slice(0, 16).replace('T', ' ')} a ${r.window.to.slice(0, 16).replace('T', ' ')} (UTC)`
    : 'replay de registros';
  const behind = r.share_behind
    ? `<li>Alunos já atrasados (defasagem &lt; 0): ${pct(r.share_behind.baseline)} no treino, ${pct(r.share_behind.current)} agora.</li>`
    : '';
  const counted = [r.score, ...r.fields];
  return `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drift do modelo ${esc(r.model_version)}</title><style>${REPORT_CSS}</style></head><body>
<h1>Monitoramento de drift — modelo ${esc(r.model_version)}</h1>
<div class="status" style="border-color:${COLOR[r.status]}"><p><strong>Status geral: ${badge(r.status)}</strong></p><p>${esc(overallAdvice(r))}</p></div>
<ul><li>Janela: ${esc(window)}; ${r.records} alunos avaliados em ${r.calls} chamadas.</li>
<li>Treino (baseline): ${r.baseline.rows} alunos, anos de rótulo ${esc(r.baseline.label_years.join(', '))}, gerado em ${esc(r.baseline.created_at.slice(0, 10))}.</li>
<li>Sinalizados pelo modelo: ${pct(r.positive_rate.baseline)} no treino, ${pct(r.positive_rate.current)} agora.</li>${behind}</ul>
${r.attention.length > 0 ? `<p>Olhe primeiro: ${r.attention.map((a) => `<a href="#f-${esc(a.field)}">${esc(a.field)}</a> (${STATUS_PT[a.status].toLowerCase()})`).join(', ')}.</p>` : ''}
<h2>Resumo por variável</h2>
<table><thead><tr><th>variável</th><th>descrição</th><th>PSI</th><th>ausentes (treino → agora)</th><th>status</th></tr></thead><tbody>
${counted.map(fieldRow).join('\n')}
</tbody></table>
<h2>Distribuições: treino × janela</h2>
${counted.map((f) => fieldSection(f, r)).join('\n')}
<h2>Como ler</h2>
<p class="method">PSI (índice de estabilidade da população) = Σ (agora − treino) × ln(agora / treino) sobre as faixas do próprio treino, com as proporções reais de cada faixa (faixas com proporção zero contam como ${num(r.thresholds.psi_epsilon * 100, 2)}%). Verde abaixo de ${num(r.thresholds.psiYellow)}, amarelo de ${num(r.thresholds.psiYellow)} até ${num(r.thresholds.psiRed)}, vermelho a partir de ${num(r.thresholds.psiRed)}. A taxa de ausentes fica amarela com variação de ${num(100 * r.thresholds.missingYellow, 0)} pontos percentuais e vermelha com ${num(100 * r.thresholds.missingRed, 0)}. O status de cada variável é o pior dos dois; o geral é o pior entre o score e as variáveis contadas. Gerado em ${esc(r.generated_at.slice(0, 19).replace('T', ' '))} UTC.</p>
</body></html>
`;
}
