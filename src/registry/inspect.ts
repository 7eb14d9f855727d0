import { AppError } from '../core/error-base.js';
import type { ModelSignature } from '../model/types.js';
import { readHistory } from './champion.js';
import { championState } from './champion-file.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { SIGNATURE_FILE } from './layout.js';
import { readManifest } from './manifest.js';
import { allowsBreakingChange, type BumpKind, bumpBetween, compareVersions, parseVersion } from './semver.js';
import { diffSignatures, type SignatureDiff } from './signature-diff.js';
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
  model_format_version: { a: number; b: number };
  same_signature: boolean;
  signature: SignatureDiff;
  semver: {
    /** The older → newer direction the verdict is about. */
    from: string;
    to: string;
    required: BumpKind;
    actual: BumpKind | 'none';
    ok: boolean;
    verdict: string;
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

/** Metric and signature differences between two versions, and whether their numbers obey semver. */
export async function diffVersions(registry: RegistryRef, a: string, b: string): Promise<VersionDiff> {
  const ctx = contextOf(registry);
  const [ma, mb] = [await requireManifest(ctx, a), await requireManifest(ctx, b)];
  const sa = await readJsonArtifact<ModelSignature>(ctx, a, SIGNATURE_FILE);
  const sb = await readJsonArtifact<ModelSignature>(ctx, b, SIGNATURE_FILE);
  const va = parseVersion(a);
  const vb = parseVersion(b);
  const [older, newer, sOld, sNew] = compareVersions(va, vb) <= 0 ? [va, vb, sa, sb] : [vb, va, sb, sa];
  const signature =
    sOld && sNew && Array.isArray(sOld.inputs) && Array.isArray(sNew.inputs)
      ? diffSignatures(sOld, sNew)
      : { changes: [], required: 'patch' as BumpKind };
  const actual = bumpBetween(older, newer);
  const ok = signature.required !== 'major' || allowsBreakingChange(older, newer);
  const breaking = signature.changes.filter((c) => c.breaking).map((c) => c.detail);
  const verdict =
    older.text === newer.text
      ? 'same version'
      : signature.changes.length === 0
        ? `same API contract: any bump is fine (this is a ${actual} bump)`
        : ok && signature.required === 'major' && actual !== 'major'
          ? `breaking signature changes inside the pre-release line ${older.text} → ${newer.text}: allowed before the release`
          : ok
            ? `${signature.required === 'major' ? 'breaking' : 'compatible'} signature changes; the ${actual} bump ${older.text} → ${newer.text} is enough`
            : `breaking signature changes (${breaking.join('; ')}) need a MAJOR bump, but ${older.text} → ${newer.text} is a ${actual} bump`;
  return {
    a,
    b,
    metrics: {
      test: deltas(ma.metrics_summary?.test ?? null, mb.metrics_summary?.test ?? null),
      validation: deltas(ma.metrics_summary?.validation ?? null, mb.metrics_summary?.validation ?? null),
    },
    model_format_version: { a: ma.model_format_version, b: mb.model_format_version },
    same_signature: ma.signature_sha256 === mb.signature_sha256,
    signature,
    semver: { from: older.text, to: newer.text, required: signature.required, actual, ok, verdict },
  };
}
