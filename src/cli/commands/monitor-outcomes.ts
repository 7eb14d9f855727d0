import { type Command, InvalidArgumentError } from 'commander';
import { type OutcomesJobResult, outcomesJob } from '../../app/monitor-jobs.js';
import { renderOutcomesHtml } from '../../monitor/index.js';
import { emit } from '../output.js';
import { daysOption, type MonitorOpts, monitorContext, withMonitorOptions } from './monitor-common.js';
import { writeOutFile } from './registry/common.js';

const fmt = (v: number | null): string => (v === null ? '—' : v.toFixed(3));

function human(r: OutcomesJobResult, html: string | undefined): string {
  const how =
    r.predictions_from === 'rescore'
      ? `the ${r.cohort_year} cohort re-scored by ${r.model_version} (champion on ${r.scored_at})`
      : 'the pseudonymised predictions the server recorded';
  const lines = [
    `outcomes of ${r.outcome_year}: ${how}`,
    `${r.report.matched} students joined to an outcome, ${r.report.unmatched} without one`,
  ];
  for (const v of r.report.versions) {
    const o = v.overall;
    lines.push(
      `${v.model_version}: n ${o.n}, fell behind ${o.positives}, flagged ${o.flagged}, recall ${fmt(o.recall)}, precision ${fmt(o.precision)}, PR-AUC ${fmt(o.pr_auc)}, ECE ${fmt(o.ece)}`,
    );
  }
  lines.push(
    r.report.alerts.length === 0
      ? 'no alert'
      : `${r.report.alerts.length} alert(s):\n${r.report.alerts.map((a) => `  ${a.model_version} ${a.scope} ${a.metric} ${a.value.toFixed(3)} (limit ${a.floor})`).join('\n')}`,
  );
  if (r.saved_to) lines.push(`saved for the dashboard: ${r.saved_to}`);
  if (html) lines.push(`HTML report: ${html}`);
  return lines.join('\n');
}

const dateOption = (raw: string): Date => {
  const d = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime()))
    throw new InvalidArgumentError('give a date like 2024-03-01 (or 2024-03-01T12:00:00Z)');
  return d;
};

const yearOption = (raw: string): number => {
  if (!/^20\d\d$/.test(raw)) throw new InvalidArgumentError('give a year like 2024');
  return Number(raw);
};

interface OutcomesOpts extends MonitorOpts {
  source: string;
  outcomeYear?: number;
  from: string;
  cohort?: string;
  modelVersion?: string;
  scoredAt?: Date;
  lastDays?: number;
  save: boolean;
  html?: string;
}

export function addMonitorOutcomesCommand(monitor: Command): void {
  withMonitorOptions(
    monitor
      .command('outcomes')
      .description(
        "Join next year's real defasagem to what was predicted (the earlier cohort re-scored by the version that was champion then, or the server's pseudonymised rows) and report realised recall, precision, PR-AUC and calibration per version and group. Exit 0 no alert, 13 alerts.",
      )
      .requiredOption('--source <path>', "next year's PEDE workbook (.xlsx) or CSV folder (the outcome year)")
      .option(
        '--outcome-year <year>',
        'the year whose defasagem is the outcome (default: the latest in --source)',
        yearOption,
      )
      .option(
        '--from <what>',
        'rescore (default) or rows (pseudonymised mode, needs MONITOR_HMAC_SECRET)',
        'rescore',
      )
      .option('--cohort <path>', 'rescore: workbook with the earlier cohort (default: --source)')
      .option(
        '--model-version <version>',
        'rescore: version to re-score with (default: the champion at --scored-at)',
      )
      .option('--scored-at <date>', 'rescore: when the cohort was scored (default: now)', dateOption)
      .option(
        '--last-days <n>',
        'rows: window of recorded predictions (default: MONITOR_RETENTION_DAYS)',
        daysOption,
      )
      .option('--no-save', 'do not save the report for the dashboard (MONITOR_DATA_DIR/outcomes_latest.json)')
      .option('--html <file>', 'also write the HTML report (Portuguese) to this file'),
  ).action(async (opts: OutcomesOpts, cmd: Command) => {
    if (opts.from !== 'rescore' && opts.from !== 'rows')
      throw new InvalidArgumentError('--from must be rescore or rows');
    const { settings, registry } = monitorContext(opts);
    const r = await outcomesJob({
      settings,
      registry,
      source: opts.source,
      from: opts.from,
      save: opts.save,
      ...(opts.outcomeYear !== undefined ? { outcomeYear: opts.outcomeYear } : {}),
      ...(opts.cohort ? { cohort: opts.cohort } : {}),
      ...(opts.modelVersion ? { modelVersion: opts.modelVersion } : {}),
      ...(opts.scoredAt ? { scoredAt: opts.scoredAt } : {}),
      ...(opts.lastDays !== undefined ? { lastDays: opts.lastDays } : {}),
    });
    if (opts.html) writeOutFile(opts.html, renderOutcomesHtml(r.report));
    const { exitCode, ...result } = r;
    emit(cmd, result, () => human(r, opts.html));
    process.exitCode = exitCode;
  });
}
