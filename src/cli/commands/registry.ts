import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CORE_SETTINGS, loadSettings } from '../../core/config.js';
import { CORE_ERRORS } from '../../core/core-errors.js';
import { AppError, EXIT } from '../../core/error-base.js';
import { atomicWriteFile } from '../../registry/fsutil.js';
import {
  changelogEntries,
  diffVersions,
  gcRegistry,
  listVersions,
  type MoveResult,
  promoteVersion,
  readChampion,
  readHistory,
  registerVersion,
  renderChangelog,
  resolveModelSource,
  rollbackVersion,
  showVersion,
  verifyAll,
  verifyVersion,
} from '../../registry/index.js';
import type { BumpKind } from '../../registry/semver.js';
import type { VersionSummary } from '../../registry/types.js';
import { emit } from '../output.js';

interface RegistryOpt {
  registry?: string;
}

function registryDir(opts: RegistryOpt): string {
  return opts.registry ?? loadSettings(CORE_SETTINGS).registryDir;
}

/**
 * The version from a positional argument or --version. (The root program's own --version flag may
 * catch `--version` first; the positional form always works.)
 */
function versionArg(
  positional: string | undefined,
  option: string | undefined,
  required: boolean,
): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new AppError(
      CORE_ERRORS.USAGE,
      `Two different versions given: ${positional} and --version ${option}.`,
    );
  }
  const v = positional ?? option;
  if (required && v === undefined) throw new AppError(CORE_ERRORS.USAGE, 'Name the version, e.g. `v1.2.0`.');
  return v;
}

/** Writes a file the user named (crash-safe); a missing folder or a directory is their error, not a bug. */
async function writeOutFile(file: string, text: string): Promise<void> {
  try {
    await atomicWriteFile(path.resolve(file), text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown error';
    throw new AppError(
      CORE_ERRORS.IO_FAILED,
      code === 'EISDIR'
        ? `Could not write ${file}: it is a directory; name a file such as ${path.join(file, 'model_changelog.md')}.`
        : code === 'ENOENT'
          ? `Could not write ${file}: the folder ${path.dirname(path.resolve(file))} does not exist.`
          : `Could not write ${file}: ${code}.`,
      { path: file, errno: code },
      { cause: err },
    );
  }
}

/** A champion.json that is unreadable or names an unregistered version must not pass silently as "no *". */
async function championNote(dir: string, versions: readonly VersionSummary[]): Promise<string[]> {
  try {
    const c = await readChampion(dir);
    if (c && !versions.some((v) => v.is_champion)) {
      return [
        `warning: champion.json points at ${c.version}, which is not registered (run \`registry verify --all\`)`,
      ];
    }
    return [];
  } catch (err) {
    if (err instanceof AppError) return [`warning: ${err.message}`];
    throw err;
  }
}

/** Where a move started; an unreadable champion.json it replaced is named, not shown as "none". */
const fromText = (r: MoveResult) =>
  r.replaced_invalid ? `(unreadable: ${r.replaced_invalid})` : (r.previous ?? 'none');

const num = (v: number | null | undefined) => (v === null || v === undefined ? '  —  ' : v.toFixed(3));
const signed = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`);

function withRegistry(cmd: Command): Command {
  return cmd.option('--registry <dir>', 'registry directory (default: REGISTRY_DIR or models/registry)');
}

/**
 * Commander matches a root `--version` flag anywhere in argv, so `registry register --version v1.2.0`
 * would print the CLI version and exit 0 without registering anything. Until the root stops
 * declaring it, fail loudly instead and point at the positional form.
 */
function guardRootVersionFlag(program: Command): void {
  const option = program.options.find((o) => o.long === '--version');
  if (!option) return;
  // Command is an EventEmitter with rawArgs at run time; the typings do not say so.
  const emitter = program as unknown as EventEmitter & { rawArgs?: string[] };
  emitter.prependListener(`option:${option.name()}`, () => {
    if (emitter.rawArgs?.includes('registry')) {
      throw new AppError(
        CORE_ERRORS.USAGE,
        'Here --version is taken by the CLI itself; give the registry version as an argument instead, e.g. `defasagem registry register v1.2.0 --artifacts artifacts/`.',
      );
    }
  });
}

export function registerRegistryCommands(program: Command): void {
  guardRootVersionFlag(program);
  const registry = program
    .command('registry')
    .description('Model registry: immutable semantic versions, a verified champion, history and rollback.')
    // Subcommands inherit this when created: usage errors reach the top-level catch instead of exiting.
    .exitOverride();

  withRegistry(
    registry
      .command('register [version]')
      .description('Register a training run as an immutable version (copies and hashes the artifacts).')
      .option('--version <vX.Y.Z>', 'the version to register (same as the positional argument)')
      .option('--bump <kind>', 'compute the version from the latest: major, minor or patch')
      .option('--artifacts <dir>', 'training output directory', 'artifacts')
      .option('--notes <text>', 'what changed, for the changelog', '')
      .option('--by <name>', 'who registers (default $USER)'),
  ).action(
    async (positional: string | undefined, opts: RegistryOpt & Record<string, string>, cmd: Command) => {
      const version = versionArg(positional, opts.version, false);
      const result = await registerVersion(registryDir(opts), {
        artifacts: opts.artifacts!,
        ...(version !== undefined ? { version } : {}),
        ...(opts.bump !== undefined ? { bump: opts.bump as BumpKind } : {}),
        notes: opts.notes,
        ...(opts.by ? { by: opts.by } : {}),
      });
      emit(cmd, result, () =>
        [
          `registered ${result.version} in ${result.registry}`,
          ...Object.entries(result.manifest.source.files).map(
            ([name, src]) => `  ${name.padEnd(16)} ← ${src}  (${result.manifest.files[name]!.size} bytes)`,
          ),
          result.semver.compared_with
            ? `  signature vs ${result.semver.compared_with}: ${result.semver.changes.length === 0 ? 'unchanged' : result.semver.changes.map((c) => c.detail).join('; ')}`
            : '  first version: no signature to compare with',
          ...(result.semver.warning ? [`  warning: ${result.semver.warning}`] : []),
          ...(result.ignored_files.length
            ? [`  not registered (unknown names): ${result.ignored_files.join(', ')}`]
            : []),
        ].join('\n'),
      );
    },
  );

  withRegistry(
    registry
      .command('promote [version]')
      .description('Make a verified version the champion (guardrails from PROMOTE_MIN_*; compare-and-set).')
      .option('--version <vX.Y.Z>', 'the version to promote (same as the positional argument)')
      .option('--by <name>', 'who promotes (default $USER)')
      .option('--expect-current <version>', 'only if the champion is this version now ("none" = no champion)')
      .option('--force', 'override failing guardrails (never integrity); needs --reason')
      .option('--reason <text>', 'why (recorded in the history)'),
  ).action(
    async (
      positional: string | undefined,
      opts: RegistryOpt & Record<string, string | boolean>,
      cmd: Command,
    ) => {
      const result = await promoteVersion(registryDir(opts), {
        version: versionArg(positional, opts.version as string | undefined, true)!,
        ...(opts.by ? { by: opts.by as string } : {}),
        ...(opts.expectCurrent ? { expectCurrent: opts.expectCurrent as string } : {}),
        force: Boolean(opts.force),
        ...(opts.reason ? { reason: opts.reason as string } : {}),
      });
      emit(cmd, result, () =>
        result.changed
          ? `champion: ${fromText(result)} → ${result.version}${result.forced ? ' (guardrails overridden)' : ''}`
          : `${result.version} already is the champion; nothing changed`,
      );
    },
  );

  withRegistry(
    registry
      .command('rollback [version]')
      .description('Move the champion back to the previous champion in the history (or to a named version).')
      .option('--version <vX.Y.Z>', 'go back to this version instead')
      .option('--reason <text>', 'why (required; recorded in the history)')
      .option('--by <name>', 'who rolls back (default $USER)')
      .option('--expect-current <version>', 'only if the champion is this version now')
      .option('--force', 'override the guardrails for a version that was never champion'),
  ).action(
    async (
      positional: string | undefined,
      opts: RegistryOpt & Record<string, string | boolean>,
      cmd: Command,
    ) => {
      const version = versionArg(positional, opts.version as string | undefined, false);
      const result = await rollbackVersion(registryDir(opts), {
        ...(version !== undefined ? { version } : {}),
        reason: (opts.reason as string | undefined) ?? '',
        ...(opts.by ? { by: opts.by as string } : {}),
        ...(opts.expectCurrent ? { expectCurrent: opts.expectCurrent as string } : {}),
        force: Boolean(opts.force),
      });
      emit(cmd, result, () =>
        result.changed
          ? `champion rolled back: ${fromText(result)} → ${result.version}`
          : `${result.version} already is the champion`,
      );
    },
  );

  withRegistry(
    registry.command('list').description('Registered versions in semver order; * marks the champion.'),
  ).action(async (opts: RegistryOpt, cmd: Command) => {
    const dir = registryDir(opts);
    const versions = await listVersions(dir);
    const notes = [
      ...versions
        .filter((v) => !v.readable)
        .map(
          (v) =>
            `note ${v.version}: manifest.json is missing or unreadable (run \`registry verify ${v.version}\`)`,
        ),
      ...(await championNote(dir, versions)),
    ];
    emit(cmd, versions, () =>
      [
        ...(versions.length === 0
          ? [
              `no versions in ${dir}${existsSync(dir) ? '' : ' (the directory does not exist: check --registry / REGISTRY_DIR)'}`,
            ]
          : [
              '  version              created     by           roc_auc  prec.   recall  notes',
              ...versions.map(
                (v) =>
                  `${v.is_champion ? '*' : ' '} ${v.version.padEnd(20)} ${(v.created_at?.slice(0, 10) ?? 'unreadable').padEnd(11)} ${(v.created_by ?? '').slice(0, 12).padEnd(12)} ${num(v.test_metrics?.roc_auc)}  ${num(v.test_metrics?.precision)}  ${num(v.test_metrics?.recall)}  ${v.notes.split('\n')[0]!.slice(0, 40)}`,
              ),
            ]),
        ...notes,
      ].join('\n'),
    );
  });

  withRegistry(
    registry
      .command('show <version>')
      .description('Manifest, metrics summary, signature and integrity of one version.'),
  ).action(async (version: string, opts: RegistryOpt, cmd: Command) => {
    const s = await showVersion(registryDir(opts), version);
    const m = s.manifest;
    emit(cmd, s, () =>
      [
        `${s.version}${s.is_champion ? '  (champion)' : ''}`,
        `  created   ${m.created_at} by ${m.created_by}`,
        `  source    ${m.source.directory}${m.source.git_commit ? ` @ ${m.source.git_commit.slice(0, 12)}` : ''}`,
        `  model     format ${m.model_format_version}, learner ${m.metrics_summary?.learner ?? '?'}, threshold ${m.metrics_summary?.threshold ?? '?'}`,
        ...(m.notes ? [`  notes     ${m.notes}`] : []),
        `  integrity ${s.integrity.ok ? 'ok' : `FAILED: ${s.integrity.problems.map((p) => p.message).join('; ')}`}`,
        '  test metrics',
        ...Object.entries(m.metrics_summary?.test ?? {}).map(
          ([k, v]) => `    ${k.padEnd(10)} ${v.toFixed(4)}`,
        ),
        '  files',
        ...Object.entries(m.files).map(
          ([n, f]) => `    ${n.padEnd(16)} ${String(f.size).padStart(9)}  ${f.sha256.slice(0, 16)}…`,
        ),
        ...(s.signature
          ? [
              `  inputs    ${s.signature.inputs.map((f) => `${f.name}:${f.type}${f.nullable === false ? '' : '?'}`).join(', ')}`,
              `  outputs   ${s.signature.outputs.map((f) => `${f.name}:${f.type}`).join(', ')}`,
            ]
          : []),
      ].join('\n'),
    );
  });

  withRegistry(
    registry
      .command('history')
      .description('Every champion move (who, when, from, to, reason), oldest first.')
      .option('--limit <n>', 'only the last n moves'),
  ).action(async (opts: RegistryOpt & { limit?: string }, cmd: Command) => {
    let entries = await readHistory(registryDir(opts));
    if (opts.limit !== undefined) {
      const n = Number(opts.limit);
      if (!Number.isInteger(n) || n < 1)
        throw new AppError(CORE_ERRORS.USAGE, '--limit must be a positive integer.');
      entries = entries.slice(-n);
    }
    emit(cmd, entries, () =>
      entries.length === 0
        ? 'no champion moves yet'
        : entries
            .map(
              (e) =>
                `${e.at}  ${e.action.padEnd(8)} ${(e.from ?? 'none').padEnd(14)} → ${e.to.padEnd(14)} by ${e.by}${e.forced ? ' [forced]' : ''}${e.recovered ? ' [recovered]' : ''}${e.reason ? `  "${e.reason}"` : ''}`,
            )
            .join('\n'),
    );
  });

  withRegistry(
    registry
      .command('changelog')
      .description('The model changelog in Markdown, from the manifests and the history.')
      .option('--out <file>', 'write it to this file (crash-safe) instead of stdout'),
  ).action(async (opts: RegistryOpt & { out?: string }, cmd: Command) => {
    const dir = registryDir(opts);
    const markdown = await renderChangelog(dir);
    if (opts.out) await writeOutFile(opts.out, markdown);
    const json = {
      markdown,
      entries: await changelogEntries(dir),
      ...(opts.out ? { written_to: opts.out } : {}),
    };
    emit(cmd, json, () => (opts.out ? `changelog written to ${opts.out}` : markdown));
  });

  withRegistry(
    registry
      .command('diff <a> <b>')
      .description('Metric and signature differences between two versions, with the semver verdict.'),
  ).action(async (a: string, b: string, opts: RegistryOpt, cmd: Command) => {
    const d = await diffVersions(registryDir(opts), a, b);
    emit(cmd, d, () =>
      [
        `${a} → ${b}`,
        '  test metrics',
        ...d.metrics.test.map(
          (m) => `    ${m.metric.padEnd(10)} ${num(m.a)} → ${num(m.b)}  (${signed(m.delta)})`,
        ),
        `  signature ${d.same_signature ? 'identical' : d.signature.changes.length === 0 ? 'same contract (only descriptions or examples differ)' : `${d.signature.changes.length} change(s)`}`,
        ...d.signature.changes.map((c) => `    ${c.breaking ? 'BREAKING ' : ''}${c.detail}`),
        `  semver    ${d.semver.ok ? 'ok' : 'VIOLATION'}: ${d.semver.verdict}`,
      ].join('\n'),
    );
  });

  withRegistry(
    registry
      .command('verify [version]')
      .description(
        'Check every file against the manifest hashes; exit 5 on any mismatch, missing or extra file.',
      )
      .option('--all', 'every version, and the champion pointer'),
  ).action(async (version: string | undefined, opts: RegistryOpt & { all?: boolean }, cmd: Command) => {
    const dir = registryDir(opts);
    if (opts.all || version === undefined) {
      if (!opts.all) throw new AppError(CORE_ERRORS.USAGE, 'Name a version or pass --all.');
      const r = await verifyAll(dir);
      emit(cmd, r, () =>
        [
          ...r.versions.map(
            (v) =>
              `${v.ok ? 'ok  ' : 'FAIL'} ${v.version}${v.ok ? '' : `: ${v.problems.map((p) => p.message).join('; ')}`}`,
          ),
          `${r.champion.ok ? 'ok  ' : 'FAIL'} champion: ${r.champion.message}`,
          ...r.unknown_entries.map((e) => `note unknown entry ignored: ${e}`),
          ...r.leftovers.map(
            (l) => `note leftover of an interrupted command ignored: ${l.name} (remove with \`registry gc\`)`,
          ),
          r.ok ? `${r.versions.length} version(s) verified` : 'verification FAILED',
        ].join('\n'),
      );
      if (!r.ok) process.exitCode = EXIT.integrity;
      return;
    }
    const r = await verifyVersion(dir, version);
    emit(cmd, r, () =>
      r.ok
        ? `ok ${r.version} (${r.files_checked} files)`
        : [`FAIL ${r.version}`, ...r.problems.map((p) => `  ${p.kind}: ${p.message}`)].join('\n'),
    );
    if (!r.ok) process.exitCode = EXIT.integrity;
  });

  withRegistry(
    registry
      .command('gc')
      .description(
        'Remove staging directories and temp files left by interrupted commands; restore a lost history entry.',
      )
      .option('--dry-run', 'only list what would be removed'),
  ).action(async (opts: RegistryOpt & { dryRun?: boolean }, cmd: Command) => {
    const r = await gcRegistry(registryDir(opts), { dryRun: Boolean(opts.dryRun) });
    emit(cmd, r, () =>
      [
        ...r.removed.map(
          (l) => `${r.dry_run ? 'would remove' : 'removed'} ${l.name} (${l.kind}, pid ${l.pid ?? '?'})`,
        ),
        ...r.kept.map(
          (l) =>
            `kept ${l.name} (${l.kind}; ${l.ownerAlive ? 'its process is running' : 'taken over by the next command'})`,
        ),
        ...(r.history_recovered ? ['restored a history entry lost in a crash'] : []),
        r.removed.length === 0 && !r.history_recovered ? 'nothing to clean' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });

  registry
    .command('resolve')
    .description('Which model files MODEL_VERSION selects (what the server would load), after verification.')
    .option('--model-version <v>', 'instead of MODEL_VERSION: "" (dev files), "champion" or vX.Y.Z')
    .option('--registry <dir>', 'registry directory (default: REGISTRY_DIR or models/registry)')
    .action(async (opts: RegistryOpt & { modelVersion?: string }, cmd: Command) => {
      const s = loadSettings(CORE_SETTINGS);
      const r = await resolveModelSource({
        modelVersion: opts.modelVersion ?? s.modelVersion,
        modelPath: s.modelPath,
        metadataPath: s.metadataPath,
        signaturePath: s.signaturePath,
        registryDir: opts.registry ?? s.registryDir,
      });
      const champion =
        r.kind === 'registry' ? await readChampion(opts.registry ?? s.registryDir).catch(() => null) : null;
      emit(cmd, { ...r, champion }, () =>
        [
          r.kind === 'dev'
            ? 'development files (MODEL_VERSION is empty)'
            : `registry version ${r.version} (asked for ${JSON.stringify(r.requested)}; verified)`,
          ...(champion
            ? [`champion is ${champion.version}, promoted ${champion.promoted_at} by ${champion.promoted_by}`]
            : []),
          ...Object.entries(r.files).map(([k, p]) => `  ${k.padEnd(9)} ${p}`),
        ].join('\n'),
      );
    });
}
