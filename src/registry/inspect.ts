import { AppError } from '../core/error-base.js';
import type { ModelSignature } from '../model/types.js';
import { readSide, type Verdict, verdictBetween } from './bump.js';
import { type BumpReason, describeReason } from './bump-rules.js';
import { readHistory } from './champion.js';
import { championState } from './champion-file.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { SIGNATURE_FILE } from './layout.js';
import { readManifest } from './manifest.js';
import type { ModelDiff } from './model-diff.js';
import { versionSynthetic } from './provenance.js';
import {
  allowedBump,
  type BumpKind,
  bumpBetween,
  bumpCovers,
  compareVersions,
  parseVersion,
  type Version,
} from './semver.js';
import type { SignatureDiff } from './signature-diff.js';
import type { HistoryEntry, Manifest, VerifyReport } from './types.js';
import { verifyVersion } from './verify.js';

export async function requireManifest(ctx: RegistryContext, version: string): Promise<Manifest> {
  parseVersion(version);
  const m = await readManifest(ctx.storage, version);
  if (!m) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_NOT_FOUND,
      `Version ${version} is not in the registry ${ctx.storage.location}.`,
      {
        version,
        registry: ctx.storage.location,
      },
    );
  }
  return m;
}

export async function readJsonArtifact<T>(
  ctx: RegistryContext,
  version: string,
  name: string,
): Promise<T | null> {
  const raw = await ctx.storage.readFile(version, name);
  if (!raw) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch {
    throw new AppError(
      REGISTRY_ERRORS.ARTIFACT_INVALID_JSON,
      `${name} of ${version} is not valid JSON (run verify).`,
      {
        version,
        file: name,
      },
    );
  }
}

export interface ShowResult {
  version: string;
  is_champion: boolean;
  /** Trained on synthetic data (true), real data (false), or not recorded (null). */
  synthetic: boolean | null;
  manifest: Manifest;
  integrity: VerifyReport;
  signature: Pick<ModelSignature, 'inputs' | 'outputs'> | null;
  /** Champion moves that involved this version. */
  history: HistoryEntry[];
}

export async function showVersion(registry: RegistryRef, version: string): Promise<ShowResult> {
  const ctx = contextOf(registry);
  const manifest = await requireManifest(ctx, version);
  const integrity = await verifyVersion(ctx, version);
  const sig = await readJsonArtifact<ModelSignature>(ctx, version, SIGNATURE_FILE).catch(() => null);
  const state = await championState(ctx);
  const history = (await readHistory(ctx)).filter((e) => e.to === version || e.from === version);
  return {
    version,
    is_champion: state.kind === 'ok' && state.champion.version === version,
    synthetic: await versionSynthetic(ctx, manifest),
    manifest,
    integrity,
    signature: sig ? { inputs: sig.inputs ?? [], outputs: sig.outputs ?? [] } : null,
    history,
  };
}

export interface MetricDelta {
  metric: string;
  a: number | null;
  b: number | null;
  /** b − a. */
  delta: number | null;
}

export interface VersionDiff {
  a: string;
  b: string;
  metrics: { test: MetricDelta[]; validation: MetricDelta[] };
  /**
   * Whether each version was trained on synthetic data; `warning` when only one of them was, since their
   * metrics are then measured on different students (fake ones for one of them) and do not compare.
   */
  synthetic: { a: boolean | null; b: boolean | null; warning?: string };
  model_format_version: { a: number; b: number };
  same_signature: boolean;
  /** The contract verdict: what changed in the API signature (older → newer). */
  signature: SignatureDiff;
  /** The model verdict: what changed in the model itself (older → newer), each change with its rule. */
  model: ModelDiff;
  semver: {
    /** The older → newer direction the verdict is about. */
    from: string;
    to: string;
    contract_required: BumpKind;
    model_required: BumpKind;
    /** The largest of the two. */
    required: BumpKind;
    actual: BumpKind | 'none';
    ok: boolean;
    verdict: string;
    /** Every change, contract first, each with the rule it falls under. */
    reasons: BumpReason[];
    /** Set when a version could not be read, so nothing could be compared. */
    warning?: string;
  };
}

function deltas(a: Record<string, number> | null, b: Record<string, number> | null): MetricDelta[] {
  const names = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])];
  return names.map((metric) => {
    const va = a?.[metric] ?? null;
    const vb = b?.[metric] ?? null;
    return { metric, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null };
  });
}

/** One sentence on whether the numbers older → newer cover the changes between them. */
function verdictText(older: Version, newer: Version, v: Verdict, ok: boolean): string {
  const actual = bumpBetween(older, newer);
  const step = `${older.text} → ${newer.text}`;
  const both = `contract ${v.contract.required.toUpperCase()}, model ${v.model.required.toUpperCase()}`;
  if (older.text === newer.text) return 'same version';
  if (v.reasons.length === 0)
    return `same API contract and model: any bump is fine (this is a ${actual} bump)`;
  if (ok && actual !== 'none' && !bumpCovers(actual, v.required)) {
    return `changes that need ${v.required.toUpperCase()} (${both}) inside the pre-release line ${step}: allowed before the release`;
  }
  if (ok)
    return `the changes need ${v.required.toUpperCase()} (${both}); the ${actual} bump ${step} is enough`;
  const allowed = allowedBump(older, newer);
  const over = v.reasons.filter((r) => !bumpCovers(allowed, r.bump)).map(describeReason);
  return `the changes need ${v.required.toUpperCase()} (${both}), but ${step} is a ${actual} bump: ${over.join('; ')}`;
}

/** Both versions' `synthetic`, with a warning when one was trained on synthetic data and the other was not. */
function syntheticPair(
  a: string,
  b: string,
  sa: boolean | null,
  sb: boolean | null,
): VersionDiff['synthetic'] {
  if (sa === sb || (sa !== true && sb !== true)) return { a: sa, b: sb };
  const [fake, other, otherSays] = sa === true ? [a, b, sb] : [b, a, sa];
  const what = otherSays === false ? 'real data' : 'data it does not say is synthetic or real';
  return {
    a: sa,
    b: sb,
    warning: `${fake} was trained and tested on SYNTHETIC data (fake students), ${other} on ${what}: their metrics are measured on different students and do not compare`,
  };
}

const NOTHING: Verdict = {
  required: 'patch',
  contract: { required: 'patch', changes: [] },
  model: { required: 'patch', changes: [] },
  reasons: [],
};

/**
 * Metric, signature and model differences between two versions, and whether their numbers obey the
 * versioning rules (the contract verdict and the model verdict, older → newer).
 */
export async function diffVersions(registry: RegistryRef, a: string, b: string): Promise<VersionDiff> {
  const ctx = contextOf(registry);
  const [ma, mb] = [await requireManifest(ctx, a), await requireManifest(ctx, b)];
  const va = parseVersion(a);
  const vb = parseVersion(b);
  const [older, newer] = compareVersions(va, vb) <= 0 ? [va, vb] : [vb, va];
  const [sOld, sNew] = [await readSide(ctx, older.text), await readSide(ctx, newer.text)];
  const unreadable = [sOld ? null : older.text, sNew ? null : newer.text].filter((v) => v !== null);
  const v = sOld && sNew ? verdictBetween(sOld, sNew) : NOTHING;
  const ok = unreadable.length === 0 && bumpCovers(allowedBump(older, newer), v.required);
  const synthetic = syntheticPair(a, b, await versionSynthetic(ctx, ma), await versionSynthetic(ctx, mb));
  const warning = unreadable.length
    ? `${unreadable.join(' and ')} cannot be read or fail their integrity check: nothing was compared (run verify)`
    : undefined;
  return {
    a,
    b,
    metrics: {
      test: deltas(ma.metrics_summary?.test ?? null, mb.metrics_summary?.test ?? null),
      validation: deltas(ma.metrics_summary?.validation ?? null, mb.metrics_summary?.validation ?? null),
    },
    synthetic,
    model_format_version: { a: ma.model_format_version, b: mb.model_format_version },
    same_signature: ma.signature_sha256 === mb.signature_sha256,
    signature: { changes: v.contract.changes, required: v.contract.required },
    model: v.model,
    semver: {
      from: older.text,
      to: newer.text,
      contract_required: v.contract.required,
      model_required: v.model.required,
      required: v.required,
      actual: bumpBetween(older, newer),
      ok,
      verdict: warning ?? verdictText(older, newer, v, ok),
      reasons: v.reasons,
      ...(warning ? { warning } : {}),
    },
  };
}
