import type { Command } from 'commander';
import { DEFAULTS } from '../../app/defaults.js';
import { loadSettings } from '../../core/config.js';
import { CORE_ERRORS } from '../../core/core-errors.js';
import { AppError } from '../../core/error-base.js';
import type { BumpKind } from '../../registry/index.js';
import type { RetrainResult } from '../../train/retrain.js';
import { RETRAIN_SETTINGS } from '../../train/retrain-settings.js';
import { emit, progressFor } from '../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './registry/common.js';
import { clean } from './registry/format.js';

interface Opts extends RegistryOpt {
  data: string;
  newVersion?: string;
  bump?: string;
  promote?: boolean;
  dryRun?: boolean;
  force?: boolean;
  reason?: string;
  by?: string;
  notes?: string;
  outDir?: string;
  artifacts?: string;
  config?: string;
  seed?: string;
}

const f3 = (v: number | null) => (v === null ? '—' : v.toFixed(3));
const signed = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`);
const METRIC_LABEL: Record<string, string> = {
  roc_auc: 'ROC-AUC',
  recall: 'recall',
  precision: 'precision',
  brier: 'Brier score',
  pr_auc: 'PR-AUC',
  flagged: 'share flagged',
  threshold: 'threshold',
};

/** The side-by-side table, in English for the operator (the manifest and changelog keep the same rows). */
function table(r: RetrainResult): string[] {
  const head = [
    'metric'.padEnd(14),
    (r.champion.before ? `champion ${r.champion.before}` : 'champion').padStart(18),
    `challenger ${r.version}`.padStart(20),
    'change'.padStart(8),
    '  tolerance',
  ].join('');
  return [
    head,
    ...r.comparison.map((c) =>
      [
        (METRIC_LABEL[c.metric] ?? c.metric).padEnd(14),
        f3(c.champion).padStart(18),
        f3(c.challenger).padStart(20),
        signed(c.change).padStart(8),
        `  ${c.rule ? `${c.rule}  ${c.ok ? 'ok' : 'FAILS'}` : '—'}`,
      ].join(''),
    ),
  ];
}

const VERDICT: Record<RetrainResult['verdict'], string> = {
  better: 'BETTER than the champion',
  not_better: 'NOT BETTER than the champion',
  rejected: 'REJECTED',
  no_champion: 'NO CHAMPION to compare with',
};

function human(r: RetrainResult): string {
  const e = r.evaluation;
  const what = r.dry_run ? 'dry run, nothing written: would' : '';
  const result =
    r.outcome === 'promoted'
      ? `${what ? `${what} register and promote` : 'registered and promoted'} ${r.version}${r.forced ? ' (forced)' : ''}; champion ${r.champion.before ?? 'none'} → ${r.version}`
      : `${what ? `${what} register` : 'registered'} ${r.version}, not promoted${r.outcome === 'passed' ? ' (it passes: --promote would make it the champion)' : ''}; champion stays ${r.champion.before ?? 'none'}`;
  return [
    `data        ${clean(r.data.path)} (${r.data.kind}, sha256 ${r.data.sha256.slice(0, 12)}…): ${r.data.transitions} transitions, label years ${r.data.label_years.join(', ')}`,
    `challenger  ${r.training.learner}, seed ${r.training.seed}, configuration: ${r.training.config_source}`,
    `compared on label year ${e.label_year}: ${e.rows} transitions (${e.positives} lagging)`,
    `  champion    ${r.champion.before ? `${r.champion.before}: ${e.champion_model}` : 'none'}`,
    `  challenger  ${e.challenger_model}`,
    `  why         ${e.why}`,
    '',
    ...table(r).map((l) => `  ${l}`),
    '',
    `verdict     ${VERDICT[r.verdict]}: ${r.reasons.join('; ')}`,
    `version     ${r.version}: ${r.bump.compared_with ? `${r.bump.actual?.toUpperCase()} from ${r.bump.compared_with}, the rules require ${r.bump.required.toUpperCase()}` : 'first version'}`,
    ...r.bump.reasons.map((x) => `  - ${x}`),
    `result      ${result} (exit ${r.exit_code})`,
    `time        ${r.timings_ms.total} ms (ingest ${r.timings_ms.ingest}, train ${r.timings_ms.train}, compare ${r.timings_ms.compare}, register ${r.timings_ms.register})`,
  ].join('\n');
}

function parseSeed(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new AppError(CORE_ERRORS.USAGE, `--seed must be an integer, got "${raw}"`);
  return n;
}

export function registerRetrainCommand(program: Command): void {
  withRegistry(
    program
      .command('retrain')
      .description(
        'Train a challenger on new data, compare it with the champion on the latest transitions neither was fitted on, register it with the verdict, and promote it only when it passes. Exit 0 promoted, 10 registered but not better, 11 rejected, 12 passes but --promote not given; errors use the catalogue codes (docs/errors.md).',
      )
      .requiredOption(
        '--data <path>',
        'PEDE workbook (.xlsx), folder of PEDE<YYYY>.csv files, or modelling dataset (.parquet)',
      )
      .option('--new-version <vX.Y.Z>', 'the version to register the challenger as')
      .option(
        '--bump <kind>',
        'or compute it from the latest: major, minor, patch, or auto (smallest the rules allow)',
      )
      .option('--promote', 'make the challenger the champion when it passes')
      .option('--dry-run', 'train and compare, write nothing (no registry change, no files left)')
      .option('--force', 'with --promote: promote even when the verdict says no; needs --reason')
      .option('--reason <text>', 'why the verdict is overridden (recorded in the manifest and history)')
      .option('--by <name>', 'who retrains (default $USER)')
      .option('--notes <text>', 'notes for the changelog (default: the verdict)')
      .option('--out-dir <dir>', "keep ingest's outputs here (default: a temp folder, removed)")
      .option(
        '--artifacts <dir>',
        "keep the challenger's training artifacts here (default: not written, registered from memory)",
      )
      .option('--config <file>', "challenger training configuration (default: the champion's recorded one)")
      .option('--seed <n>', `challenger seed (default: the champion's, else ${DEFAULTS.seed})`),
  ).action(async (opts: Opts, cmd: Command) => {
    const tolerances = loadSettings(RETRAIN_SETTINGS);
    const ctx = registryContext(opts);
    const seed = parseSeed(opts.seed);
    // Loaded here: the training stack would slow every other command's start-up.
    const [{ retrain }, { readConfigFile }] = await Promise.all([
      import('../../train/retrain.js'),
      import('../../train/config.js'),
    ]);
    const r = await retrain({
      data: opts.data,
      registry: ctx,
      ...(opts.newVersion !== undefined ? { newVersion: opts.newVersion } : {}),
      ...(opts.bump !== undefined ? { bump: opts.bump as BumpKind | 'auto' } : {}),
      promote: Boolean(opts.promote),
      dryRun: Boolean(opts.dryRun),
      force: Boolean(opts.force),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      ...(opts.by ? { by: opts.by } : {}),
      ...(opts.notes !== undefined ? { notes: opts.notes } : {}),
      ...(opts.outDir !== undefined ? { outDir: opts.outDir } : {}),
      ...(opts.artifacts !== undefined ? { artifactsDir: opts.artifacts } : {}),
      ...(opts.config ? { config: readConfigFile(opts.config) } : {}),
      ...(seed !== undefined ? { seed } : {}),
      fallbackSeed: DEFAULTS.seed,
      tolerances,
      progress: progressFor(cmd),
    });
    emit(cmd, r, () => human(r));
    process.exitCode = r.exit_code;
  });
}
