/**
 * The champion's side of `defasagem retrain`: the champion read and verified exactly as the server
 * resolves MODEL_VERSION=champion, and scored on the challenger's test year by a model of it that was
 * never fitted on that year.
 *
 * - The test year is new to the champion (its shipped model's `training.label_years` do not hold it):
 *   its shipped model is scored as is — the model in production, on rows it never saw.
 * - The champion's shipped model was fitted on the test year too (retraining on the same years, or on
 *   corrected data): scoring it there would grade it on rows it learned. Its recorded configuration
 *   (learner, training config, seed) is developed again on the challenger's development rows with the
 *   same procedure (`developBacktestModel`), and that backtest model is scored on the test year. When
 *   that recipe is the challenger's own (same configuration and seed — the default, since the challenger
 *   takes the champion's recorded ones), the challenger's run has already developed it on those rows:
 *   its model for that learner kind is used rather than fitted a second time (the same bytes).
 */
import { AppError, isAppError } from '../core/error-base.js';
import type { ModelingRow } from '../data/transitions.js';
import type { ModelFileV1 } from '../model/format.js';
import type { LearnerKind } from '../model/learners.js';
import { type LoadedModelV1, loadModel } from '../model/load.js';
import {
  type Manifest,
  METADATA_FILE,
  MODEL_FILE,
  REGISTRY_ERRORS,
  type RegistryContext,
  readVerifiedFile,
  resolveModelSource,
} from '../registry/index.js';
import { canonicalJson } from '../registry/model-diff.js';
import { resolveConfig, type TrainConfig } from './config.js';
import { RETRAIN_ERRORS } from './retrain-errors.js';
import { type BacktestView, developBacktestModel } from './train.js';

export interface Champion {
  version: string;
  manifest: Manifest;
  model: LoadedModelV1;
  /** Label years its shipped model was fitted on. */
  labelYears: number[];
  learner: LearnerKind;
  /** Its recorded training configuration, or why it cannot be used by this code. */
  config: TrainConfig | { problem: string };
  seed: number | null;
}

const years = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((y): y is number => Number.isInteger(y)).sort((a, b) => a - b) : [];

/** The recorded configuration, checked by today's schema (a config this code cannot run is a problem). */
function recordedConfig(metadata: Record<string, unknown>): TrainConfig | { problem: string } {
  if (typeof metadata.config !== 'object' || metadata.config === null) {
    return { problem: 'its metadata records no training configuration' };
  }
  try {
    return resolveConfig(metadata.config);
  } catch (err) {
    if (isAppError(err)) return { problem: err.message };
    throw err;
  }
}

/** The champion, verified and pinned as the server loads it; null when none has been promoted. */
export async function readChampion(ctx: RegistryContext): Promise<Champion | null> {
  let src: Awaited<ReturnType<typeof resolveModelSource>>;
  try {
    src = await resolveModelSource(
      {
        modelVersion: 'champion',
        registryDir: ctx.storage.location,
        modelPath: '',
        metadataPath: '',
        signaturePath: '',
      },
      ctx,
    );
  } catch (err) {
    if (isAppError(err) && err.spec === REGISTRY_ERRORS.CHAMPION_NOT_SET) return null;
    throw err;
  }
  const manifest = src.manifest!;
  const json = async (name: string) =>
    JSON.parse((await readVerifiedFile(ctx.storage, manifest, name)).toString('utf8')) as Record<
      string,
      unknown
    >;
  const file = await json(MODEL_FILE);
  const metadata = await json(METADATA_FILE);
  const model = loadModel(file);
  const training = (file as unknown as ModelFileV1).training;
  return {
    version: manifest.version,
    manifest,
    model,
    labelYears: years(training?.label_years),
    learner: model.learner as LearnerKind,
    config: recordedConfig(metadata),
    seed: Number.isInteger(metadata.seed)
      ? (metadata.seed as number)
      : Number.isInteger(training?.seed)
        ? training.seed
        : null,
  };
}

/** The champion's scores on the test year and which model of it produced them, and why that one. */
export interface ChampionEvaluation {
  mode: 'shipped' | 'redeveloped';
  scores: Float64Array;
  threshold: number;
  /** What was scored, in one phrase. */
  model: string;
  why: string;
}

const list = (ys: readonly number[]) => ys.join(', ') || 'none';
const labelYearsOf = (rows: readonly ModelingRow[]) =>
  [...new Set(rows.map((r) => (r.ano_base as number) + 1))].sort((a, b) => a - b);

/**
 * Whether the challenger's run developed the champion's recipe already: the same configuration (compared
 * canonically) and seed on the same development rows. `developBacktestModel` is then the very call the
 * run made for that learner kind (same prepared rows, folds, seeds) and deterministic, so the run's
 * model is used instead of fitting it a second time (retrain-champion.test.ts checks they are equal).
 */
function sameRecipe(cfg: TrainConfig, seed: number, bt: BacktestView): boolean {
  return seed === bt.seed && canonicalJson(cfg) === canonicalJson(bt.cfg);
}

export function evaluateChampion(champion: Champion, bt: BacktestView): ChampionEvaluation {
  const t = bt.testYear;
  const devYears = labelYearsOf(bt.devRows);
  if (!champion.labelYears.includes(t)) {
    return {
      mode: 'shipped',
      scores: champion.model.predictProba(bt.testRows),
      threshold: champion.model.threshold,
      model: `its shipped model (fitted on label years ${list(champion.labelYears)})`,
      why: `${champion.version} was never fitted on label year ${t}, so its shipped model — the one in production — is scored as is. The challenger's shipped model is refitted on every year, ${t} included, so its backtest model (developed without ${t}) is scored instead.`,
    };
  }
  const cfg = champion.config;
  if ('problem' in cfg || champion.seed === null) {
    throw new AppError(
      RETRAIN_ERRORS.CHAMPION_NOT_COMPARABLE,
      `${champion.version} was fitted on label year ${t}, the latest in the data, so it must be developed again without it; but ${'problem' in cfg ? cfg.problem : 'its metadata records no seed'}.`,
      { champion: champion.version, test_year: t },
    );
  }
  const file =
    (sameRecipe(cfg, champion.seed, bt) ? bt.developedModel(champion.learner) : null) ??
    developBacktestModel({
      devRows: bt.devRows,
      cfg,
      seed: champion.seed,
      kind: champion.learner,
      dataSha256: bt.dataSha256,
      createdAt: bt.createdAt,
    });
  const model = loadModel(JSON.parse(JSON.stringify(file)));
  const later = champion.labelYears.filter((y) => y > t);
  return {
    mode: 'redeveloped',
    scores: model.predictProba(bt.testRows),
    threshold: model.threshold,
    model: `its recorded configuration (${champion.learner}, seed ${champion.seed}) developed again on label years ${list(devYears)}`,
    why: `${champion.version}'s shipped model was fitted on label year ${t} too, so scoring it there would grade it on rows it learned. Its recorded configuration is developed again by the same procedure on the challenger's development rows (label years ${list(devYears)}), and both backtest models are scored on ${t}, which neither saw.${later.length ? ` Note: ${champion.version} was also fitted on later label years (${list(later)}) that this data does not have.` : ''}`,
  };
}
