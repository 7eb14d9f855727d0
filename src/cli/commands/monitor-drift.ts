import type { Command } from 'commander';
import { driftJob } from '../../app/monitor-jobs.js';
import { type DriftReport, renderDriftHtml } from '../../monitor/index.js';
import { emit } from '../output.js';
import { daysOption, type MonitorOpts, monitorContext, withMonitorOptions } from './monitor-common.js';
import { writeOutFile } from './registry/common.js';

const fmt = (v: number | null, d = 3): string => (v === null ? '—' : v.toFixed(d));

function human(r: DriftReport & { records_on_other_bins: number }, html: string | undefined): string {
  const lines = [
    `drift of ${r.model_version}, ${r.window?.from ?? '?'} → ${r.window?.to ?? '?'}: ${r.status.toUpperCase()}`,
    `${r.records} students in ${r.calls} calls; flagged ${fmt(r.positive_rate.baseline)} in training, ${fmt(r.positive_rate.current)} now`,
  ];
  if (r.records_on_other_bins > 0)
    lines.push(
      `(${r.records_on_other_bins} students were counted without this baseline's bins and are left out)`,
    );
  if (r.attention.length > 0)
    lines.push(`look first at: ${r.attention.map((a) => `${a.field} (${a.status})`).join(', ')}`);
  lines.push('', 'field            PSI      missing (train → now)   status');
  for (const f of [r.score, ...r.fields]) {
    const missing = `${fmt(f.missing_rate.baseline, 2)} → ${fmt(f.missing_rate.current, 2)}`;
    lines.push(
      `${f.field.padEnd(16)} ${fmt(f.psi).padStart(7)}  ${missing.padEnd(22)}  ${f.status}${f.counted ? '' : ' (not counted)'}`,
    );
  }
  if (html) lines.push('', `HTML report: ${html}`);
  return lines.join('\n');
}

export function addMonitorDriftCommand(monitor: Command): void {
  withMonitorOptions(
    monitor
      .command('drift')
      .description(
        "Drift of a model version's scored students against its training baseline (PSI and missing rates per field and for the score). Exit 0 green, 10 yellow, 11 red, 12 fewer students than MONITOR_DRIFT_MIN_RECORDS.",
      )
      .option('--model-version <version>', 'version to check (default: the one MODEL_VERSION serves)')
      .option('--last-days <n>', 'window: the last N days', daysOption, 7)
      .option('--html <file>', 'also write the self-contained HTML report (Portuguese) to this file'),
  ).action(
    async (opts: MonitorOpts & { modelVersion?: string; lastDays: number; html?: string }, cmd: Command) => {
      const { settings, registry } = monitorContext(opts);
      const { report, exitCode } = await driftJob({
        settings,
        registry,
        lastDays: opts.lastDays,
        ...(opts.modelVersion ? { modelVersion: opts.modelVersion } : {}),
      });
      if (opts.html) writeOutFile(opts.html, renderDriftHtml(report));
      emit(cmd, report, () => human(report, opts.html));
      process.exitCode = exitCode;
    },
  );
}
