/**
 * The outcomes report as one self-contained HTML page in Portuguese (inline CSS, no script, nothing
 * loaded): per model version the realised recall, precision, PR-AUC and calibration, the same per group
 * (gênero, tipo de escola, fase), and the alerts with what to do. Groups and versions only: no student.
 */
import { esc, num, pct, REPORT_CSS } from './drift-html.js';
import { OUTCOME_GROUPS, type OutcomeMetrics, type OutcomeReport, type VersionOutcomes } from './outcomes.js';

const GROUP_PT: Record<(typeof OUTCOME_GROUPS)[number], string> = {
  genero: 'Gênero',
  instituicao: 'Tipo de escola',
  fase: 'Fase',
};

const metric = (v: number | null): string => (v === null ? '—' : num(v, 2));

function row(label: string, m: OutcomeMetrics, small: boolean): string {
  return `<tr><td>${esc(label)}${small ? ' <small>(grupo pequeno: sem alerta)</small>' : ''}</td><td class="n">${m.n}</td><td class="n">${pct(m.base_rate)}</td><td class="n">${m.flagged}</td><td class="n">${metric(m.recall)}</td><td class="n">${metric(m.precision)}</td><td class="n">${metric(m.pr_auc)}</td><td class="n">${num(m.ece, 3)}</td></tr>`;
}

const HEAD =
  '<thead><tr><th>grupo</th><th>alunos</th><th>atrasaram</th><th>sinalizados</th><th>recall</th><th>precisão</th><th>PR-AUC</th><th>ECE</th></tr></thead>';

function versionSection(v: VersionOutcomes, r: OutcomeReport): string {
  const min = r.floors.minGroupSize;
  const groups = OUTCOME_GROUPS.map((g) => {
    const rows = Object.entries(v.groups[g]).map(([k, m]) => row(k, m, m.n < min));
    return `<h3>${GROUP_PT[g]}</h3><table>${HEAD}<tbody>${rows.join('')}</tbody></table>`;
  }).join('\n');
  const alerts =
    v.alerts.length > 0
      ? `<ul>${v.alerts.map((a) => `<li>${esc(a.message)}</li>`).join('')}</ul>`
      : `<p>Nenhum alerta: todos os grupos com ao menos ${min} alunos estão dentro dos limites.</p>`;
  return `<section><h2>Modelo ${esc(v.model_version)}</h2>
<table>${HEAD}<tbody>${row('Todos os alunos', v.overall, false)}</tbody></table>
<h3>Alertas</h3>${alerts}
${groups}</section>`;
}

function advice(r: OutcomeReport): string {
  return r.status === 'ok'
    ? 'O modelo pegou os alunos que atrasaram dentro dos limites configurados. Nada a fazer além de repetir a análise quando chegar o próximo PEDE.'
    : 'Há métricas fora dos limites. Veja primeiro o grupo geral: recall baixo quer dizer alunos que atrasaram sem ter sido sinalizados; precisão baixa, alunos sinalizados que não atrasaram. Se o problema se concentra num grupo, verifique se ele mudou (drift) ou se tem poucos alunos no treino. Retreine com o ano novo e compare com o modelo atual antes de promover.';
}

/** The whole page. Deterministic for a report (no clock, no randomness). */
export function renderOutcomesHtml(r: OutcomeReport): string {
  const f = r.floors;
  return `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Resultados do modelo</title><style>${REPORT_CSS}</style></head><body>
<h1>Resultados reais do modelo (outcomes)</h1>
<div class="status" style="border-color:${r.status === 'ok' ? '#1a7f37' : '#c62828'}"><p><strong>${r.status === 'ok' ? 'Sem alertas' : `${r.alerts.length} alerta(s)`}</strong></p><p>${esc(advice(r))}</p></div>
<ul><li>${r.matched} alunos avaliados tiveram resultado no ano seguinte; ${r.unmatched} não aparecem (saíram do programa, RA novo ou sem defasagem registrada).</li>
<li>Limites: recall ≥ ${num(f.minRecall)}, precisão ≥ ${num(f.minPrecision)}, PR-AUC ≥ ${num(f.minPrAuc)}, ECE ≤ ${num(f.maxEce)}; grupos com menos de ${f.minGroupSize} alunos não geram alerta.</li></ul>
${r.versions.map((v) => versionSection(v, r)).join('\n')}
<h2>Como ler</h2>
<p class="method">Atrasou = defasagem &lt; 0 no ano seguinte. Sinalizado = risco ≥ o limiar do modelo na época. Recall = atrasados que foram sinalizados; precisão = sinalizados que de fato atrasaram; PR-AUC = precisão média ao longo de todos os limiares; ECE = erro médio de calibração (10 faixas de 0,1). Gerado em ${esc(r.generated_at.slice(0, 19).replace('T', ' '))} UTC.</p>
</body></html>
`;
}
