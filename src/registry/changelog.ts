import { HEADLINE_METRIC_KEYS } from '../ml/metrics.js';
import { readSide, type VersionSide, verdictBetween } from './bump.js';
import { type BumpReason, describeReason } from './bump-rules.js';
import { readHistory } from './champion.js';
import { championState } from './champion-file.js';
import { contextOf, type RegistryRef } from './context.js';
import { readManifest } from './manifest.js';
import {
  allowedBump,
  type BumpKind,
  bumpBetween,
  bumpCovers,
  isVersion,
  parseVersion,
  sortVersions,
} from './semver.js';
import type { BumpOverride, HistoryEntry, Manifest, RetrainRecord } from './types.js';

export type ChangelogStatus = 'champion' | 'previous champion' | 'never promoted';

export interface ChangelogEntry {
  version: string;
  date: string | null;
  status: ChangelogStatus;
  created_by: string | null;
  notes: string;
  learner: string | null;
  /** The version before it in semver order (what the deltas compare with). */
  previous: string | null;
  metrics: Array<{ metric: string; value: number | null; delta: number | null }>;
  signature_changes: string[];
  /**
   * The versioning rules from `previous` to this version, derived from both versions' files (null for
   * the first version, or when one of them cannot be read).
   */
  bump: ChangelogBump | null;
  /** The override recorded in the manifest when the version was registered with --force. */
  forced: BumpOverride | null;
  /** The retraining command's comparison with the champion, when `defasagem retrain` registered it. */
  retrain: RetrainRecord | null;
  moves: HistoryEntry[];
}

export interface ChangelogBump {
  /** The bump the version number is from the previous version. */
  actual: BumpKind | 'none';
  /** What the changes need: the largest of the contract and the model verdicts. */
  required: BumpKind;
  contract_required: BumpKind;
  model_required: BumpKind;
  /** Whether the version number covers the changes. */
  ok: boolean;
  reasons: BumpReason[];
}

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(3));
const signed = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`);
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'unknown date');

/** The changelog's facts, newest version first. */
export async function changelogEntries(registry: RegistryRef): Promise<ChangelogEntry[]> {
  const ctx = contextOf(registry);
  const versions = sortVersions((await ctx.storage.listVersionNames()).filter(isVersion));
  const history = await readHistory(ctx);
  const state = await championState(ctx);
  const champion = state.kind === 'ok' ? state.champion.version : null;
  const everChampion = new Set(history.map((e) => e.to));
  const out: ChangelogEntry[] = [];
  let prev: { version: string; manifest: Manifest | null; side: VersionSide | null } | null = null;
  for (const version of versions) {
    const manifest = await readManifest(ctx.storage, version).catch(() => null);
    const side = manifest ? await readSide(ctx, version, manifest) : null;
    const test = manifest?.metrics_summary?.test ?? null;
    const prevTest = prev?.manifest?.metrics_summary?.test ?? null;
    const metrics = HEADLINE_METRIC_KEYS.map((metric) => {
      const value = test?.[metric] ?? null;
      const before = prevTest?.[metric] ?? null;
      return { metric, value, delta: value !== null && before !== null ? value - before : null };
    });
    let bump: ChangelogBump | null = null;
    if (prev?.side && side) {
      const v = verdictBetween(prev.side, side);
      const [from, to] = [parseVersion(prev.version), parseVersion(version)];
      bump = {
        actual: bumpBetween(from, to),
        required: v.required,
        contract_required: v.contract.required,
        model_required: v.model.required,
        ok: bumpCovers(allowedBump(from, to), v.required),
        reasons: v.reasons,
      };
    }
    out.push({
      version,
      date: manifest?.created_at ?? null,
      status:
        version === champion
          ? 'champion'
          : everChampion.has(version)
            ? 'previous champion'
            : 'never promoted',
      created_by: manifest?.created_by ?? null,
      notes: manifest?.notes ?? '',
      learner: side?.facts.learner.kind ?? manifest?.metrics_summary?.learner ?? null,
      previous: prev?.version ?? null,
      metrics,
      signature_changes: (bump?.reasons ?? [])
        .filter((r) => r.source === 'contract')
        .map((r) => `${r.bump === 'major' ? 'BREAKING: ' : ''}${r.detail}`),
      bump,
      forced: manifest?.bump?.forced ?? null,
      retrain: manifest?.retrain ?? null,
      moves: history.filter((e) => e.to === version),
    });
    prev = { version, manifest, side };
  }
  return out.reverse();
}

const BUMP_WORD = (b: string) => b.toUpperCase();

/** The bump from the previous version, both verdicts with their reasons, and any override. */
function bumpLines(e: ChangelogEntry): string[] {
  const b = e.bump;
  if (!b)
    return [`- Version bump from ${e.previous}: not comparable (a version cannot be read; run verify).`];
  const side = (source: BumpReason['source']) => {
    const rs = b.reasons.filter((r) => r.source === source);
    return rs.length === 0 ? 'unchanged' : rs.map(describeReason).join('; ');
  };
  const lines = [
    `- Version bump from ${e.previous}: ${BUMP_WORD(b.actual)}; the rules require ${BUMP_WORD(b.required)}${b.ok ? '' : ' (**below the rules**)'}.`,
    `  - Contract (API signature), ${BUMP_WORD(b.contract_required)}: ${side('contract')}.`,
    `  - Model, ${BUMP_WORD(b.model_required)}: ${side('model')}.`,
  ];
  if (e.forced) {
    lines.push(
      `- Registered with --force by ${e.forced.by}, overriding ${e.forced.overridden.map((o) => `${BUMP_WORD(o.required)} required against ${o.against}`).join(' and ')}: ${e.forced.reason.replace(/\s*\n\s*/g, ' ')}`,
    );
  }
  return lines;
}

const VERDICT_TEXT: Record<RetrainRecord['verdict'], string> = {
  better: 'better than the champion',
  not_better: 'not better than the champion',
  rejected: 'rejected',
  no_champion: 'no champion to compare with',
};
const oneLine = (t: string) => t.replace(/\s*\n\s*/g, ' ');

/** The retraining verdict: what was decided, on which rows, and the side-by-side table. */
export function retrainLines(r: RetrainRecord, version: string): string[] {
  const e = r.evaluation;
  const lines = [
    `- Retrain${r.champion ? ` against champion ${r.champion}` : ''}: **${VERDICT_TEXT[r.verdict]}**; ${r.decision === 'promote' ? 'to be promoted' : 'champion kept'}${r.reasons.length ? ` (${r.reasons.map(oneLine).join('; ')})` : ''}.`,
    `  - Compared on ${e.rows} transitions of label year ${e.label_year} (${e.positives} lagging): champion ${e.champion_model ?? '—'}; challenger ${e.challenger_model}. ${oneLine(e.why)}`,
  ];
  if (r.forced) lines.push(`  - Promoted with --force by ${r.forced.by}: ${oneLine(r.forced.reason)}`);
  if (r.champion) {
    lines.push(
      '',
      `| label year ${e.label_year} | champion ${r.champion} | challenger ${version} | change | tolerance |`,
      '| --- | ---: | ---: | ---: | --- |',
      ...r.comparison.map(
        (c) =>
          `| ${c.metric} | ${fmt(c.champion)} | ${fmt(c.challenger)} | ${signed(c.change)} | ${c.rule ? `${c.rule} ${c.ok ? 'ok' : '**fails**'}` : '—'} |`,
      ),
    );
  }
  return lines;
}

/** The model changelog in Markdown, rendered from the manifests and the champion history. */
export async function renderChangelog(registry: RegistryRef): Promise<string> {
  const ctx = contextOf(registry);
  const entries = await changelogEntries(ctx);
  const state = await championState(ctx);
  const lines = ['# Model changelog', ''];
  lines.push(
    '<!-- Generated by `defasagem registry changelog` from the registry manifests and history. -->',
    '',
    state.kind === 'ok'
      ? `Current champion: **${state.champion.version}** (promoted ${day(state.champion.promoted_at)} by ${state.champion.promoted_by}).`
      : state.kind === 'none'
        ? 'No champion has been promoted yet.'
        : `champion.json is unreadable: ${state.problem}.`,
    '',
  );
  if (entries.length === 0) lines.push('No version registered yet.', '');
  for (const e of entries) {
    lines.push(`## ${e.version} — ${day(e.date)} — ${e.status}`, '');
    lines.push(
      `- Registered by ${e.created_by ?? 'unknown'}${e.learner ? `; learner \`${e.learner}\`` : ''}.`,
    );
    if (e.notes) lines.push(`- Notes: ${e.notes.replace(/\s*\n\s*/g, ' ')}`);
    if (e.previous) lines.push(...bumpLines(e));
    if (e.retrain) lines.push(...retrainLines(e.retrain, e.version), '');
    for (const m of e.moves) {
      lines.push(
        `- ${m.action === 'rollback' ? 'Rolled back to' : 'Promoted'} on ${day(m.at)} by ${m.by}${m.from ? ` (replacing ${m.from})` : ''}${m.forced ? ', guardrails overridden' : ''}${m.reason ? `: ${m.reason}` : ''}.`,
      );
    }
    lines.push(
      '',
      `| test metric | value | change vs ${e.previous ?? 'previous'} |`,
      '| --- | ---: | ---: |',
    );
    for (const m of e.metrics) lines.push(`| ${m.metric} | ${fmt(m.value)} | ${signed(m.delta)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
