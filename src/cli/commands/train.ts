import type { Command } from 'commander';
import { DEFAULTS } from '../../app/defaults.js';
import { CORE_ERRORS } from '../../core/core-errors.js';
import { AppError } from '../../core/error-base.js';
import { emit, progressFor } from '../output.js';

const pct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description(
      'Train the early-warning model on the modelling dataset with a temporal protocol (latest label year = test) and write the _v1 artifacts: model, metadata, signature, metrics, comparison, report and drift baseline.',
    )
    .option(
      '--data <path>',
      'modelling dataset written by `defasagem ingest`',
      'data/processed/modeling_dataset.parquet',
    )
    .option('--artifacts <dir>', 'folder to (re)write atomically with the artifacts', DEFAULTS.artifactsDir)
    .option('--seed <n>', 'random seed (same data + seed = same model)', String(DEFAULTS.seed))
    .option('--test-year <yyyy>', 'label year held out as the test set (default: the latest)')
    .option('--no-refit', 'ship the backtest model instead of refitting on every transition')
    .option('--config <file>', 'training configuration JSON (see docs/model.md)')
    .action(
      async (
        opts: {
          data: string;
          artifacts: string;
          seed: string;
          testYear?: string;
          refit: boolean;
          config?: string;
        },
        cmd: Command,
      ) => {
        const seed = Number(opts.seed);
        if (!Number.isInteger(seed))
          throw new AppError(CORE_ERRORS.USAGE, `--seed must be an integer, got "${opts.seed}"`);
        let testYear: number | undefined;
        if (opts.testYear !== undefined) {
          testYear = Number(opts.testYear);
          if (!Number.isInteger(testYear) || testYear < 2000 || testYear > 2100) {
            throw new AppError(
              CORE_ERRORS.USAGE,
              `--test-year must be a year like 2024, got "${opts.testYear}"`,
            );
          }
        }
        // Loaded here, not at the top: the training stack would slow every other command's start-up.
        const [{ train }, { readConfigFile }, { guardrailMinimums, REGISTRY_SETTINGS }, { loadSettings }] =
          await Promise.all([
            import('../../train/train.js'),
            import('../../train/config.js'),
            import('../../registry/index.js'),
            import('../../core/config.js'),
          ]);
        const s = await train({
          dataPath: opts.data,
          artifactsDir: opts.artifacts,
          seed,
          ...(testYear !== undefined ? { testYear } : {}),
          refit: opts.refit,
          ...(opts.config ? { config: readConfigFile(opts.config) } : {}),
          progress: progressFor(cmd),
          // The report states whether the model passes the promotion guardrails (PROMOTE_MIN_*).
          guardrails: guardrailMinimums(loadSettings(REGISTRY_SETTINGS)),
        });
        const m = s.test.metrics;
        emit(cmd, s, () =>
          [
            `model       ${s.learner} (${s.selection.reason})`,
            `protocol    develop on label years ${s.developmentYears.join(', ')}, test on ${s.testYear}; production ${s.refit ? `refit on ${s.productionYears.join(', ')}` : 'backtest model (no refit)'}`,
            `test ${s.testYear}   recall ${pct(m.recall.value)} [${pct(m.recall.ci_low)}, ${pct(m.recall.ci_high)}]  precision ${pct(m.precision.value)} [${pct(m.precision.ci_low)}, ${pct(m.precision.ci_high)}]  base rate ${pct(s.test.base_rate)}  ROC-AUC ${m.roc_auc.value?.toFixed(3)}`,
            `threshold   ${s.threshold.toFixed(4)} (production model)`,
            ...s.candidates.map(
              (c) =>
                `  ${c.kind.padEnd(20)} val PR-AUC ${c.validation.pr_auc?.toFixed(3)}  val recall ${pct(c.validation.recall)}  test ROC-AUC ${c.test?.roc_auc?.toFixed(3)}`,
            ),
            `artifacts   ${s.artifactsDir} (${s.files.length} files) in ${s.durationMs} ms`,
          ].join('\n'),
        );
      },
    );
}
