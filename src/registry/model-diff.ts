/**
 * The model diff: what changed in the model itself between two versions, beside the signature diff
 * (the API contract). Two models with the same signature can still differ in everything that makes
 * their scores: the learner, the derived features, the preprocessing, the training data, the
 * calibrator and the threshold policy. Each change maps to one of the design's rules (bump-rules.ts).
 *
 * The facts are read from whatever the model file declares (`learner`, `features`, `calibrator`,
 * `threshold_policy`, `risk_bands`, `training`, `target`), with the metadata as a fallback for the
 * training data fingerprint and the feature list. Nothing here knows today's feature set or learner
 * defaults: a new feature or learner kind is compared like any other.
 */
import { createHash } from 'node:crypto';
import { type BumpReason, type BumpRuleId, reasonFor } from './bump-rules.js';
import { type BumpKind, maxBump } from './semver.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** JSON with object keys sorted, so equal content gives equal text whatever the key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) {
    // Fast path for the long number arrays of a fitted learner's state.
    if (v.every((x) => typeof x === 'number')) return JSON.stringify(v);
    return `[${v.map(canonicalJson).join(',')}]`;
  }
  if (isObj(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const digest = (v: unknown): string | null =>
  v === undefined ? null : createHash('sha256').update(canonicalJson(v)).digest('hex');

/** What a model is, as far as the versioning rules care. */
export interface ModelFacts {
  format_version: number | null;
  /** Target name and definition. */
  target: string | null;
  learner: {
    kind: string | null;
    /** The configuration: the learner's params without the seed and without fit results, plus input/output. */
    params: Obj;
    seed: unknown;
    /** Params that are results of the fit (the iteration count early stopping chose). */
    fitted: Obj;
    state: string | null;
  };
  /** The derived features the learner sees, in order (null when the file has no readable list). */
  features: string[] | null;
  /** Requested features left out because they were constant on the training data. */
  dropped_constant: string[];
  /**
   * The feature set the pipeline was asked for (a design decision): the features the learner sees plus
   * those left out as constant (a property of the data). Sorted; null when the file has no readable list.
   */
  requested: string[] | null;
  pipeline: {
    version: number | null;
    /** The student fields the pipeline reads (canonical JSON). */
    input_fields: string;
    /** How categories become columns (canonical JSON). */
    encodings: string;
    /** How each derived feature is computed: its kind and derivation (canonical JSON), by name. */
    definitions: Record<string, string>;
    /** What the pipeline learned from the data: age medians, imputation values. */
    learned: string | null;
  };
  calibrator: { kind: string | null; state: string | null };
  threshold: number | null;
  /** The policy that chose the threshold, without `chosen_on` (which names the data, not the rule). */
  threshold_policy: Obj | null;
  alto_min_probability: number | null;
  /** The training data fingerprint. */
  training: {
    data_sha256: string | null;
    label_years: unknown;
    fit: unknown;
    rows: unknown;
    positives: unknown;
  };
}

/**
 * Params that depend on the data rather than the configuration: the iteration count, when early
 * stopping chose it — in this fit (`early_stopping: true`), or in the cross-fitting folds whose median
 * the final fit used (the params configure early stopping: `n_iter_no_change` or `validation_fraction`).
 */
function splitParams(learner: Obj, trainingSeed: unknown): { params: Obj; seed: unknown; fitted: Obj } {
  const { seed = trainingSeed, ...rest } = obj(learner.params);
  const fitted: Obj = {};
  const earlyStopped =
    rest.early_stopping === true || 'n_iter_no_change' in rest || 'validation_fraction' in rest;
  if (earlyStopped && 'iterations' in rest) {
    fitted.iterations = rest.iterations;
    delete rest.iterations;
  }
  if (learner.input !== undefined) rest.input = learner.input;
  if (learner.output !== undefined) rest.output = learner.output;
  return { params: rest, seed, fitted };
}

/** The facts of a parsed model file (and its metadata, for what the model file lacks). */
export function modelFacts(model: unknown, metadata?: unknown): ModelFacts {
  const m = obj(model);
  const md = obj(metadata);
  const learner = obj(m.learner);
  const features = obj(m.features);
  const featureList = Array.isArray(features.features) ? features.features.map(obj) : null;
  const metaFeatures = Array.isArray(md.features) ? md.features.map((f) => str(obj(f).name) ?? str(f)) : null;
  const names = featureList
    ? featureList.map((f) => str(f.name) ?? '?')
    : metaFeatures?.every((n) => n !== null)
      ? (metaFeatures as string[])
      : null;
  const training = obj(m.training);
  const target = obj(m.target);
  const policy = isObj(m.threshold_policy) ? { ...m.threshold_policy } : null;
  if (policy) delete policy.chosen_on;
  const calibrator = obj(m.calibrator);
  const dropped = Array.isArray(features.dropped_constant)
    ? features.dropped_constant.filter((n): n is string => typeof n === 'string')
    : [];
  return {
    format_version: num(m.format_version),
    target: isObj(m.target) ? `${str(target.name) ?? '?'}: ${str(target.definition) ?? ''}` : null,
    learner: {
      kind: str(learner.kind),
      ...splitParams(learner, training.seed),
      state: digest(learner.state),
    },
    features: names,
    dropped_constant: dropped,
    requested: names ? [...new Set([...names, ...dropped])].sort() : null,
    pipeline: {
      version: num(features.pipeline_version),
      input_fields: canonicalJson(features.input_fields ?? null),
      encodings: canonicalJson(features.encodings ?? null),
      definitions: Object.fromEntries(
        (featureList ?? []).map((f) => [
          String(f.name),
          canonicalJson({ kind: f.kind, derivation: f.derivation }),
        ]),
      ),
      learned: featureList
        ? digest({ params: features.params, impute: featureList.map((f) => f.impute_value) })
        : null,
    },
    calibrator: { kind: str(calibrator.kind), state: digest(calibrator.state) },
    threshold: num(m.threshold),
    threshold_policy: policy,
    alto_min_probability: num(obj(m.risk_bands).alto_min_probability),
    training: {
      data_sha256: str(training.data_sha256) ?? str(obj(md.data).sha256),
      label_years: training.label_years,
      fit: training.fit,
      rows: training.rows,
      positives: training.positives,
    },
  };
}

export type ModelChangeKind =
  | 'model_format_changed'
  | 'target_changed'
  | 'learner_changed'
  | 'features_removed'
  | 'features_added'
  | 'constant_features_changed'
  | 'feature_order_changed'
  | 'learner_params_changed'
  | 'training_data_changed'
  | 'calibrator_changed'
  | 'threshold_policy_changed'
  | 'risk_bands_changed'
  | 'pipeline_changed'
  | 'seed_changed'
  | 'refitted'
  | 'threshold_moved';

export interface ModelDiff {
  changes: BumpReason[];
  /** The smallest bump the model changes allow (patch when nothing changed). */
  required: BumpKind;
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : canonicalJson(v));
const list = (names: readonly string[]) => names.join(', ');
const short = (sha: string | null) => (sha ? `${sha.slice(0, 12)}…` : 'unknown');

/** `key a → b` for every key whose value differs. */
function keyChanges(a: Obj, b: Obj): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => !same(a[k], b[k])).map((k) => `${k} ${show(a[k])} → ${show(b[k])}`);
}

/** What changed in the features; `requested`/`used` say whether the feature set or only the used columns moved. */
interface FeatureChange {
  requested: boolean;
  used: boolean;
}

/**
 * The feature set asked for is a design decision: a feature removed from it is MAJOR, one added MINOR.
 * Which of the requested features were constant on the training data (and so left out) is a property
 * of the data: with new data that is part of the new training data (MINOR, e.g. a rare category absent
 * from next year's students); on the same data it can only come from a preprocessing change (PATCH).
 */
function featureChanges(
  a: ModelFacts,
  b: ModelFacts,
  dataChanged: boolean,
  out: BumpReason[],
): FeatureChange {
  if (!a.features || !b.features || !a.requested || !b.requested) return { requested: false, used: false };
  const [reqA, reqB] = [new Set(a.requested), new Set(b.requested)];
  const removed = a.requested.filter((f) => !reqB.has(f));
  const added = b.requested.filter((f) => !reqA.has(f));
  if (removed.length > 0) {
    const unused = removed.filter((f) => !a.features!.includes(f));
    out.push(
      reasonFor(
        'model',
        'features_removed',
        'features_removed',
        `${removed.length} derived feature(s) removed: ${list(removed)}${unused.length ? ` (already left out as constant before: ${list(unused)})` : ''}`,
      ),
    );
  }
  if (added.length > 0) {
    out.push(
      reasonFor(
        'model',
        'features_added',
        'features_added',
        `+${added.length} derived feature(s): ${list(added)}`,
      ),
    );
  }
  const [usedA, usedB] = [new Set(a.features), new Set(b.features)];
  const nowConstant = a.features.filter((f) => reqB.has(f) && !usedB.has(f));
  const backInUse = b.features.filter((f) => reqA.has(f) && !usedA.has(f));
  if (nowConstant.length > 0 || backInUse.length > 0) {
    const parts = [
      ...(nowConstant.length ? [`${list(nowConstant)} now constant on the training data and left out`] : []),
      ...(backInUse.length ? [`${list(backInUse)} no longer constant and used`] : []),
    ];
    out.push(
      reasonFor(
        'model',
        'constant_features_changed',
        dataChanged ? 'new_training_data' : 'preprocessing_fix',
        `${parts.join('; ')} (same feature set asked for${dataChanged ? ', new training data' : ', same training data'})`,
      ),
    );
  }
  const requested = removed.length > 0 || added.length > 0;
  const used = nowConstant.length > 0 || backInUse.length > 0;
  if (!requested && !used && !same(a.features, b.features)) {
    out.push(
      reasonFor(
        'model',
        'feature_order_changed',
        'preprocessing_fix',
        'same derived features in another order',
      ),
    );
  }
  return { requested, used };
}

function trainingChange(a: ModelFacts['training'], b: ModelFacts['training']): string | null {
  const parts: string[] = [];
  if (a.data_sha256 !== b.data_sha256)
    parts.push(`data sha256 ${short(a.data_sha256)} → ${short(b.data_sha256)}`);
  for (const key of ['label_years', 'fit', 'rows', 'positives'] as const) {
    if (!same(a[key], b[key])) parts.push(`${key.replace('_', ' ')} ${show(a[key])} → ${show(b[key])}`);
  }
  return parts.length ? `training data changed: ${parts.join(', ')}` : null;
}

/** What changed in how features are computed; the input fields follow from feature changes, if any. */
function pipelineChanges(
  a: ModelFacts['pipeline'],
  b: ModelFacts['pipeline'],
  featuresChanged: boolean,
): string[] {
  const out: string[] = [];
  if (a.version !== b.version) out.push(`pipeline_version ${a.version} → ${b.version}`);
  const redefined = Object.keys(b.definitions).filter(
    (name) => name in a.definitions && a.definitions[name] !== b.definitions[name],
  );
  if (redefined.length > 0) out.push(`definition of ${list(redefined)} changed`);
  if (a.encodings !== b.encodings) out.push('category encodings changed');
  if (!featuresChanged && a.input_fields !== b.input_fields)
    out.push(`input fields ${a.input_fields} → ${b.input_fields}`);
  return out;
}

/** The changes of what the learner is and how it was configured and fitted. */
function learnerChanges(a: ModelFacts, b: ModelFacts, out: BumpReason[]): boolean {
  if (a.learner.kind !== b.learner.kind) {
    out.push(
      reasonFor(
        'model',
        'learner_changed',
        'algorithm_change',
        `learner ${a.learner.kind ?? 'unknown'} → ${b.learner.kind ?? 'unknown'}`,
      ),
    );
    return true;
  }
  const params = keyChanges(a.learner.params, b.learner.params);
  if (params.length > 0) {
    out.push(
      reasonFor(
        'model',
        'learner_params_changed',
        'new_parameters',
        `${b.learner.kind} parameters changed: ${params.join(', ')}`,
      ),
    );
  }
  return params.length > 0;
}

/**
 * What changed in the model from `a` (the older version) to `b`, each change with its rule. Changes
 * that follow from another one (a refitted state when the data changed, the pipeline's medians when the
 * data changed) are not listed again; the same configuration and data with another fitted state is a
 * small adjustment (a code fix), listed as a PATCH.
 */
export function diffModels(a: ModelFacts, b: ModelFacts): ModelDiff {
  const out: BumpReason[] = [];
  const add = (kind: ModelChangeKind, rule: BumpRuleId, detail: string) =>
    out.push(reasonFor('model', kind, rule, detail));
  if (a.format_version !== b.format_version) {
    add(
      'model_format_changed',
      'new_model_schema',
      `model format_version ${a.format_version} → ${b.format_version}`,
    );
  }
  if (a.target !== b.target) add('target_changed', 'target_changed', `target "${a.target}" → "${b.target}"`);
  const learnerChanged = learnerChanges(a, b, out);
  const data = trainingChange(a.training, b.training);
  const features = featureChanges(a, b, data !== null, out);
  const featuresChanged = features.requested || features.used;
  if (data) add('training_data_changed', 'new_training_data', data);
  const policyChanged = scoreMeaningChanges(a, b, add);
  const seedChanged = !same(a.learner.seed, b.learner.seed);
  // A refit follows from any of these; only without them is another fit a change of its own.
  const explained = learnerChanged || featuresChanged || data !== null || seedChanged;
  const pipeline = pipelineChanges(a.pipeline, b.pipeline, featuresChanged);
  if (!explained && a.pipeline.learned !== b.pipeline.learned) {
    pipeline.push('learned pipeline values changed on the same data');
  }
  if (pipeline.length > 0) {
    const which = featuresChanged ? 'the feature changes above' : 'the same features';
    add(
      'pipeline_changed',
      'preprocessing_fix',
      `feature preprocessing changed with ${which}: ${pipeline.join('; ')}`,
    );
  }
  if (seedChanged)
    add('seed_changed', 'small_adjustment', `random seed ${show(a.learner.seed)} → ${show(b.learner.seed)}`);
  const refit = explained
    ? []
    : [
        ...(a.learner.state !== b.learner.state ? ['learner'] : []),
        ...(a.calibrator.kind === b.calibrator.kind && a.calibrator.state !== b.calibrator.state
          ? ['calibrator']
          : []),
        ...keyChanges(a.learner.fitted, b.learner.fitted),
      ];
  if (refit.length > 0) {
    add('refitted', 'small_adjustment', `same configuration and data, another fit (${refit.join(', ')})`);
  }
  if (!policyChanged && a.threshold !== b.threshold) {
    add(
      'threshold_moved',
      'small_adjustment',
      `threshold ${show(a.threshold)} → ${show(b.threshold)} under the same policy`,
    );
  }
  return { changes: out, required: maxBump(...out.map((c) => c.bump)) };
}

/** Calibrator, threshold policy and risk bands: what the score and the label mean. True when the policy changed. */
function scoreMeaningChanges(
  a: ModelFacts,
  b: ModelFacts,
  add: (kind: ModelChangeKind, rule: BumpRuleId, detail: string) => void,
): boolean {
  if (a.calibrator.kind !== b.calibrator.kind) {
    add(
      'calibrator_changed',
      'score_meaning',
      `calibrator ${a.calibrator.kind ?? 'unknown'} → ${b.calibrator.kind ?? 'unknown'}`,
    );
  }
  const policyChanged = !same(a.threshold_policy, b.threshold_policy);
  if (policyChanged) {
    const changes = keyChanges(a.threshold_policy ?? {}, b.threshold_policy ?? {});
    add(
      'threshold_policy_changed',
      'score_meaning',
      `threshold policy changed: ${changes.join(', ')} (threshold ${show(a.threshold)} → ${show(b.threshold)})`,
    );
  }
  if (a.alto_min_probability !== b.alto_min_probability) {
    add(
      'risk_bands_changed',
      'score_meaning',
      `"alto" risk band from probability ${show(a.alto_min_probability)} → ${show(b.alto_min_probability)}`,
    );
  }
  return policyChanged;
}
