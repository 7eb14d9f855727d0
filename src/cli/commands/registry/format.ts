/**
 * The human output of the registry commands, apart from their wiring: pure functions from a result
 * to text. Every value that came from a person or from disk (--by, --reason, --notes, paths, file
 * names) goes through `clean`, so escape codes in them are shown, never run by the terminal.
 */
import type {
  BumpReason,
  BumpVerdict,
  GcResult,
  MoveResult,
  NextVersion,
  RegisterResult,
  ResolvedModelSource,
  ShowResult,
  VerifyAllReport,
  VerifyReport,
  VersionDiff,
  VersionSummary,
} from '../../../registry/index.js';
import type { Champion, HistoryEntry } from '../../../registry/types.js';

/** C0 and C1 controls, DEL, line separators, and the bidirectional overrides that reorder what a terminal shows. */
export function isControlChar(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (
    c < 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0x2028 ||
    c === 0x2029 ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every control character written out as an escape (`\x1b`, `\n`, `\u202e`). */
export function clean(text: string | null | undefined): string {
  if (text === null || text === undefined) return '';
  let out = '';
  for (const ch of text) {
    if (!isControlChar(ch)) out += ch;
    else {
      const c = ch.codePointAt(0)!;
      out += NAMED[ch] ?? (c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16)}`);
    }
  }
  return out;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? '  —  ' : v.toFixed(3));
const signed = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`);

const BUMP = (b: string | null) => (b ?? 'none').toUpperCase();

/** The training data of a version in a word: a synthetic one must never pass for a real one. */
const dataWord = (synthetic: boolean | null) =>
  synthetic === true ? 'SYNTHETIC' : synthetic === false ? 'real' : '?';

/** `    MAJOR learner random_forest → gbdt  (algorithm change …)`, one line per change. */
function reasonLines(reasons: readonly BumpReason[], indent: string): string[] {
  return reasons.map(
    (r) => `${indent}${BUMP(r.bump).padEnd(5)} ${clean(r.detail)}  (${r.rule.replaceAll('_', ' ')})`,
  );
}

/** Both verdicts against the version compared with, and the changes behind them. */
function verdictLines(v: BumpVerdict, indent = '  '): string[] {
  if (!v.compared_with) return [`${indent}first version: nothing to compare with`];
  const contract = v.reasons.filter((r) => r.source === 'contract');
  const model = v.reasons.filter((r) => r.source === 'model');
  return [
    `${indent}rules vs ${v.compared_with}: ${BUMP(v.required)} required (contract ${BUMP(v.contract.required)}, model ${BUMP(v.model.required)})`,
    `${indent}  contract: ${contract.length === 0 ? 'unchanged' : `${contract.length} change(s)`}`,
    ...reasonLines(contract, `${indent}    `),
    `${indent}  model:    ${model.length === 0 ? 'unchanged' : `${model.length} change(s)`}`,
    ...reasonLines(model, `${indent}    `),
  ];
}

export function formatRegister(r: RegisterResult): string {
  const f = r.semver.forced;
  return [
    `registered ${r.version} in ${clean(r.registry)}`,
    ...Object.entries(r.manifest.source.files).map(
      ([name, src]) => `  ${name.padEnd(20)} ← ${clean(src)}  (${r.manifest.files[name]!.size} bytes)`,
    ),
    ...verdictLines(r.semver),
    ...(r.semver.compared_with
      ? [`  this is a ${BUMP(r.semver.actual)} bump from ${r.semver.compared_with}`]
      : []),
    ...(f
      ? [
          `  FORCED by ${clean(f.by)} over ${f.overridden.map((o) => `${BUMP(o.required)} required against ${o.against}`).join(' and ')}: "${clean(f.reason)}"`,
        ]
      : []),
    ...(r.semver.warning ? [`  warning: ${clean(r.semver.warning)}`] : []),
    ...(r.ignored_files.length
      ? [`  not registered (unknown names): ${clean(r.ignored_files.join(', '))}`]
      : []),
  ].join('\n');
}

/** Where a move started; an unreadable champion.json it replaced is named, not shown as "none". */
const fromText = (r: MoveResult) =>
  r.replaced_invalid ? `(unreadable: ${clean(r.replaced_invalid)})` : (r.previous ?? 'none');

export function formatMove(r: MoveResult): string {
  if (!r.changed)
    return `${r.version} already is the champion${r.action === 'promote' ? '; nothing changed' : ''}`;
  return r.action === 'promote'
    ? `champion: ${fromText(r)} → ${r.version}${r.forced ? ' (guardrails overridden)' : ''}`
    : `champion rolled back: ${fromText(r)} → ${r.version}`;
}

export function formatList(
  versions: readonly VersionSummary[],
  dir: string,
  dirExists: boolean,
  notes: readonly string[],
): string {
  const rows =
    versions.length === 0
      ? [
          `no versions in ${clean(dir)}${dirExists ? '' : ' (the directory does not exist: check --registry / REGISTRY_DIR)'}`,
        ]
      : [
          '  version              data       created     by           roc_auc  prec.   recall  notes',
          ...versions.map(
            (v) =>
              `${v.is_champion ? '*' : ' '} ${v.version.padEnd(20)} ${dataWord(v.synthetic).padEnd(10)} ${(v.created_at?.slice(0, 10) ?? 'unreadable').padEnd(11)} ${clean(v.created_by).slice(0, 12).padEnd(12)} ${num(v.test_metrics?.roc_auc)}  ${num(v.test_metrics?.precision)}  ${num(v.test_metrics?.recall)}  ${clean(v.notes.split('\n')[0]).slice(0, 40)}`,
          ),
        ];
  const fake = versions.filter((v) => v.synthetic === true).map((v) => v.version);
  const legend = fake.length
    ? [
        `SYNTHETIC: ${fake.join(', ')} ${fake.length === 1 ? 'was' : 'were'} trained on fake students (\`defasagem synth\`); their metrics say nothing about real ones`,
      ]
    : [];
  return [...rows, ...legend, ...notes.map(clean)].join('\n');
}

const SHOW_DATA: Record<ReturnType<typeof dataWord>, string> = {
  SYNTHETIC:
    'SYNTHETIC: trained and tested on fake students (`defasagem synth`); its metrics say nothing about real ones',
  real: 'real (trained on a PEDE workbook)',
  '?': 'not recorded (registered from artifacts whose metadata does not say synthetic or real)',
};

export function formatShow(s: ShowResult): string {
  const m = s.manifest;
  return [
    `${s.version}${s.is_champion ? '  (champion)' : ''}`,
    `  data      ${SHOW_DATA[dataWord(s.synthetic)]}`,
    `  created   ${clean(m.created_at)} by ${clean(m.created_by)}`,
    `  source    ${clean(m.source.directory)}${m.source.git_commit ? ` @ ${clean(m.source.git_commit.slice(0, 12))}` : ''}`,
    `  model     format ${m.model_format_version}, learner ${clean(m.metrics_summary?.learner) || '?'}, threshold ${m.metrics_summary?.threshold ?? '?'}`,
    ...(m.notes ? [`  notes     ${clean(m.notes)}`] : []),
    `  integrity ${s.integrity.ok ? 'ok' : `FAILED: ${clean(s.integrity.problems.map((p) => p.message).join('; '))}`}`,
    '  test metrics',
    ...Object.entries(m.metrics_summary?.test ?? {}).map(
      ([k, v]) => `    ${clean(k).padEnd(10)} ${v.toFixed(4)}`,
    ),
    '  files',
    ...Object.entries(m.files).map(
      ([n, f]) => `    ${n.padEnd(20)} ${String(f.size).padStart(9)}  ${f.sha256.slice(0, 16)}…`,
    ),
    ...(s.signature
      ? [
          `  inputs    ${clean(s.signature.inputs.map((f) => `${f.name}:${f.type}${f.nullable === false ? '' : '?'}`).join(', '))}`,
          `  outputs   ${clean(s.signature.outputs.map((f) => `${f.name}:${f.type}`).join(', '))}`,
        ]
      : []),
    ...(s.history.length ? ['  moves', ...s.history.map((e) => `  ${formatHistoryLine(e)}`)] : []),
  ].join('\n');
}

function formatHistoryLine(e: HistoryEntry): string {
  return `${clean(e.at)}  ${clean(e.action).padEnd(8)} ${clean(e.from ?? 'none').padEnd(14)} → ${clean(e.to).padEnd(14)} by ${clean(e.by)}${e.forced ? ' [forced]' : ''}${e.recovered ? ' [recovered]' : ''}${e.reason ? `  "${clean(e.reason)}"` : ''}`;
}

export function formatHistory(entries: readonly HistoryEntry[]): string {
  return entries.length === 0 ? 'no champion moves yet' : entries.map(formatHistoryLine).join('\n');
}

export function formatDiff(d: VersionDiff): string {
  return [
    `${d.a} → ${d.b}`,
    `  data      ${d.a} ${dataWord(d.synthetic.a)}, ${d.b} ${dataWord(d.synthetic.b)}`,
    ...(d.synthetic.warning ? [`  WARNING   ${clean(d.synthetic.warning)}`] : []),
    '  test metrics',
    ...d.metrics.test.map(
      (m) => `    ${clean(m.metric).padEnd(10)} ${num(m.a)} → ${num(m.b)}  (${signed(m.delta)})`,
    ),
    `  contract  ${BUMP(d.semver.contract_required)}: signature ${d.same_signature ? 'identical' : d.signature.changes.length === 0 ? 'same contract (only descriptions or examples differ)' : `${d.signature.changes.length} change(s)`}`,
    ...reasonLines(
      d.semver.reasons.filter((r) => r.source === 'contract'),
      '    ',
    ),
    `  model     ${BUMP(d.semver.model_required)}: ${d.model.changes.length === 0 ? 'unchanged' : `${d.model.changes.length} change(s)`}`,
    ...reasonLines(d.model.changes, '    '),
    `  semver    ${d.semver.ok ? 'ok' : 'VIOLATION'}: ${clean(d.semver.verdict)}`,
  ].join('\n');
}

export function formatNextVersion(n: NextVersion): string {
  return [
    n.ok
      ? `${n.version}  (${BUMP(n.bump)} bump from ${n.latest ?? 'an empty registry'})`
      : `${n.version} is NOT allowed: the rules require ${BUMP(n.required)}; the smallest allowed is ${n.smallest_allowed}`,
    ...(n.latest ? verdictLines(n.verdict) : ['  first version of the registry']),
    ...(n.verdict.warning ? [`  warning: ${clean(n.verdict.warning)}`] : []),
  ].join('\n');
}

export function formatVerifyAll(r: VerifyAllReport): string {
  return [
    ...r.versions.map(
      (v) =>
        `${v.ok ? 'ok  ' : 'FAIL'} ${v.version}${v.ok ? '' : `: ${clean(v.problems.map((p) => p.message).join('; '))}`}`,
    ),
    `${r.champion.ok ? 'ok  ' : 'FAIL'} champion: ${clean(r.champion.message)}`,
    ...r.unknown_entries.map((e) => `note unknown entry ignored: ${clean(e)}`),
    ...r.leftovers.map((l) =>
      l.kind === 'lock'
        ? `note lock of a process that no longer runs: ${clean(l.name)} (the next command takes it over)`
        : `note leftover of an interrupted command ignored: ${clean(l.name)} (remove with \`registry gc\`)`,
    ),
    r.ok ? `${r.versions.length} version(s) verified` : 'verification FAILED',
  ].join('\n');
}

export function formatVerify(r: VerifyReport): string {
  return r.ok
    ? `ok ${r.version} (${r.files_checked} files)`
    : [`FAIL ${r.version}`, ...r.problems.map((p) => `  ${p.kind}: ${clean(p.message)}`)].join('\n');
}

export function formatGc(r: GcResult): string {
  const why = (l: GcResult['kept'][number]) =>
    l.ownerAlive === true
      ? 'its process is running'
      : l.kind === 'lock'
        ? 'taken over by the next command'
        : l.host === 'other'
          ? 'made on another host: removed once a day old'
          : 'owner unknown: removed once a day old';
  return [
    ...r.removed.map(
      (l) => `${r.dry_run ? 'would remove' : 'removed'} ${clean(l.name)} (${l.kind}, pid ${l.pid ?? '?'})`,
    ),
    ...r.kept.map((l) => `kept ${clean(l.name)} (${l.kind}; ${why(l)})`),
    ...(r.history_recovered ? ['restored a history entry lost in a crash'] : []),
    r.removed.length === 0 && !r.history_recovered ? 'nothing to clean' : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function formatResolve(r: ResolvedModelSource, champion: Champion | null): string {
  return [
    r.kind === 'dev'
      ? 'development files (MODEL_VERSION is empty)'
      : `registry version ${r.version} (asked for ${clean(JSON.stringify(r.requested))}; verified)`,
    ...(champion
      ? [
          `champion is ${champion.version}, promoted ${clean(champion.promoted_at)} by ${clean(champion.promoted_by)}`,
        ]
      : []),
    ...Object.entries(r.files).map(([k, p]) => `  ${k.padEnd(9)} ${clean(p)}`),
  ].join('\n');
}
