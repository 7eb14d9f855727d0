import { randomUUID } from 'node:crypto';
import { AppError } from '../core/error-base.js';
import type { ModelSignature } from '../model/types.js';
import { type ChampionState, championState } from './champion-file.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { checkGuardrails, describeFailures } from './guardrails.js';
import { CHAMPION_FILE, HISTORY_FILE, METRICS_FILE, MODEL_FILE, SIGNATURE_FILE } from './layout.js';
import { readVerifiedFile } from './manifest.js';
import { parseVersion } from './semver.js';
import type { LogLine } from './storage.js';
import type { Champion, GuardrailCheck, HistoryEntry } from './types.js';
import { inspectVersion } from './verify.js';
import { actor } from './who.js';

export interface MoveResult {
  action: 'promote' | 'rollback';
  /** The champion after the command. */
  version: string;
  /** The champion before it (null when there was none). */
  previous: string | null;
  /** false when the version already was the champion (nothing written). */
  changed: boolean;
  forced: boolean;
  guardrails: GuardrailCheck[];
  champion: Champion | null;
  /** Set when the move replaced a champion.json that was unreadable (its problem), so that is never silent. */
  replaced_invalid?: string;
}

/** The `replaced_invalid` part of a result: what was wrong with the pointer the move replaced. */
function replacedInvalid(state: ChampionState): { replaced_invalid?: string } {
  return state.kind === 'invalid' ? { replaced_invalid: state.problem } : {};
}

export interface PromoteOptions {
  version: string;
  by?: string;
  /** Compare-and-set: fail with CHAMPION_CONFLICT unless the champion is this version now ('none' = no champion). */
  expectCurrent?: string;
  /** Override the guardrails (never the integrity check); needs a reason. */
  force?: boolean;
  reason?: string;
  now?: () => Date;
}

export interface RollbackOptions {
  /** Go back to this version instead of the previous champion in the history. */
  version?: string;
  reason: string;
  by?: string;
  expectCurrent?: string;
  force?: boolean;
  now?: () => Date;
}

const MAX_CAS_ATTEMPTS = 200;

function currentVersion(state: ChampionState): string | null {
  return state.kind === 'ok' ? state.champion.version : null;
}

/** Parses history.jsonl; lines that are not entries (torn by a crash, edited) are skipped. */
export async function readHistory(registry: RegistryRef): Promise<HistoryEntry[]> {
  const lines = await contextOf(registry).storage.readLog(HISTORY_FILE);
  const out: HistoryEntry[] = [];
  for (const line of lines) {
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (typeof e.to === 'string' && typeof e.at === 'string') out.push(e);
    } catch {}
  }
  return out;
}

/** The history line a champion pointer stands for (to restore it when a crash lost it). */
function recoveredEntry(c: Champion): HistoryEntry {
  return {
    at: c.promoted_at,
    by: c.promoted_by,
    action: c.action ?? 'promote',
    from: c.previous_champion,
    to: c.version,
    reason: c.reason ?? null,
    forced: c.forced ?? false,
    move_id: c.move_id,
    manifest_sha256: c.manifest_sha256,
    recovered: true,
  };
}

/** The line to write back when the current pointer's move is missing from the history, else null. */
function missingLine(state: ChampionState, history: readonly HistoryEntry[]): LogLine | null {
  if (state.kind !== 'ok' || typeof state.champion.move_id !== 'string') return null;
  const c = state.champion;
  if (history.some((e) => e.move_id === c.move_id)) return null;
  return { line: JSON.stringify(recoveredEntry(c)), idempotencyKey: c.move_id };
}

/**
 * A crash between replacing champion.json and appending its history line loses the line; the
 * pointer carries everything needed to write it again. Idempotent (keyed by move_id) and only while
 * the pointer is unchanged; the next move does the same inside its own critical section.
 */
export async function reconcileHistory(registry: RegistryRef): Promise<boolean> {
  const ctx = contextOf(registry);
  const state = await championState(ctx);
  const line = missingLine(state, await readHistory(ctx));
  if (!line) return false;
  return ctx.storage.appendLog(HISTORY_FILE, line, { pointer: CHAMPION_FILE, tag: state.tag });
}

/**
 * Checks that `version` exists, verifies (manifest read once) and passes the server's own load and
 * warm-up; returns its metrics and the hash of the manifest it was verified with (the champion's pin).
 */
async function verifiedTarget(
  ctx: RegistryContext,
  version: string,
): Promise<{ metrics: unknown; manifestSha256: string }> {
  parseVersion(version);
  if (!(await ctx.storage.hasVersion(version))) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_NOT_FOUND,
      `Version ${version} is not in the registry ${ctx.storage.location}.`,
      { version, registry: ctx.storage.location },
    );
  }
  const { report, manifest } = await inspectVersion(ctx, version);
  if (!report.ok || !manifest || report.manifest_sha256 === null) {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `${version} fails verification and cannot become the champion: ${report.problems.map((p) => p.message).join('; ')}.`,
      { version, problems: report.problems },
    );
  }
  // The bytes judged are the bytes verified: each is read once and checked against that manifest.
  const json = async (name: string) =>
    JSON.parse((await readVerifiedFile(ctx.storage, manifest, name)).toString('utf8')) as unknown;
  // Loaded on use: the model layer is only needed by register and promote, not by list or verify.
  const { checkLoadable } = await import('./loadable.js');
  checkLoadable(await json(MODEL_FILE), (await json(SIGNATURE_FILE)) as ModelSignature, version);
  return { metrics: await json(METRICS_FILE), manifestSha256: report.manifest_sha256 };
}

function checkExpected(state: ChampionState, expect: string | undefined): void {
  if (expect === undefined) return;
  const want = expect === 'none' ? null : parseVersion(expect).text;
  const now = currentVersion(state);
  if (state.kind === 'invalid' || now !== want) {
    throw new AppError(
      REGISTRY_ERRORS.CHAMPION_CONFLICT,
      `Expected the champion to be ${want ?? 'none'} but it is ${state.kind === 'invalid' ? 'unreadable' : (now ?? 'none')}.`,
      { expected: want, actual: now },
    );
  }
}

interface Move {
  action: 'promote' | 'rollback';
  to: string;
  by: string;
  reason: string | null;
  forced: boolean;
  guardrails: GuardrailCheck[];
  at: Date;
  manifestSha256: string;
}

/**
 * Compare-and-set of champion.json from `state` to `move`; false when someone moved it first. The
 * history line of the pointer being replaced is written back first if a crash lost it, so the
 * history stays a chain (each move starts where the previous one ended).
 */
async function casMove(ctx: RegistryContext, state: ChampionState, move: Move): Promise<Champion | false> {
  const recovered = missingLine(state, await readHistory(ctx));
  const moveId = randomUUID();
  const champion: Champion = {
    champion_version: 1,
    version: move.to,
    promoted_at: move.at.toISOString(),
    promoted_by: move.by,
    previous_champion: currentVersion(state),
    action: move.action,
    reason: move.reason,
    forced: move.forced,
    move_id: moveId,
    manifest_sha256: move.manifestSha256,
  };
  const entry: HistoryEntry = {
    at: champion.promoted_at,
    by: move.by,
    action: move.action,
    from: champion.previous_champion,
    to: move.to,
    reason: move.reason,
    forced: move.forced,
    move_id: moveId,
    manifest_sha256: move.manifestSha256,
    guardrails: move.guardrails,
  };
  const ok = await ctx.storage.casPointer(
    CHAMPION_FILE,
    state.tag,
    Buffer.from(`${JSON.stringify(champion, null, 2)}\n`),
    HISTORY_FILE,
    [...(recovered ? [recovered] : []), { line: JSON.stringify(entry) }],
  );
  return ok ? champion : false;
}

/**
 * Makes `version` the champion: it must exist and verify, and pass the guardrails unless forced with
 * a reason. The move is a compare-and-set on the current champion (with `expectCurrent`, on the one
 * the caller saw), and is appended to the history in the same critical section.
 */
export async function promoteVersion(registry: RegistryRef, opts: PromoteOptions): Promise<MoveResult> {
  const ctx = contextOf(registry);
  const version = parseVersion(opts.version).text;
  if (opts.expectCurrent !== undefined && opts.expectCurrent !== 'none') parseVersion(opts.expectCurrent);
  const reason = opts.reason?.trim() || null;
  if (opts.force && !reason) {
    throw new AppError(
      REGISTRY_ERRORS.REASON_REQUIRED,
      'A forced promotion needs --reason "why"; it is recorded in the history.',
      {},
    );
  }
  const { metrics, manifestSha256 } = await verifiedTarget(ctx, version);
  const guardrails = checkGuardrails(metrics, ctx.settings);
  if (guardrails.some((g) => !g.ok) && !opts.force) {
    throw new AppError(
      REGISTRY_ERRORS.GUARDRAIL_FAILED,
      `${version} does not meet the promotion guardrails: ${describeFailures(guardrails)}.`,
      { version, guardrails },
    );
  }
  const by = actor(opts.by);
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const state = await championState(ctx);
    checkExpected(state, opts.expectCurrent);
    const previous = currentVersion(state);
    if (previous === version) {
      return {
        action: 'promote',
        version,
        previous,
        changed: false,
        forced: false,
        guardrails,
        champion: state.kind === 'ok' ? state.champion : null,
      };
    }
    const champion = await casMove(ctx, state, {
      action: 'promote',
      to: version,
      by,
      reason,
      forced: Boolean(opts.force) && guardrails.some((g) => !g.ok),
      guardrails,
      at: (opts.now ?? (() => new Date()))(),
      manifestSha256,
    });
    if (champion)
      return {
        action: 'promote',
        version,
        previous,
        changed: true,
        forced: champion.forced,
        guardrails,
        champion,
        ...replacedInvalid(state),
      };
    // Lost the race: with --expect-current the next loop reports the conflict; without, try again.
  }
  throw new AppError(
    REGISTRY_ERRORS.CHAMPION_CONFLICT,
    `The champion kept changing; ${version} was not promoted.`,
    { version },
  );
}

/**
 * The stack of champions the history describes: a promotion pushes; a rollback to a version already
 * on the stack returns to it (dropping what was above), otherwise pushes it.
 */
export function championStack(history: readonly HistoryEntry[]): string[] {
  const stack: string[] = [];
  for (const e of history) {
    if (e.action === 'rollback') {
      const i = stack.lastIndexOf(e.to);
      if (i >= 0) {
        stack.length = i + 1;
        continue;
      }
    }
    if (stack.at(-1) !== e.to) stack.push(e.to);
  }
  return stack;
}

/**
 * Moves the champion back: to the champion before the current one in the history, or to a named
 * version. Needs a reason. A version that was never champion must pass the guardrails (or --force).
 */
export async function rollbackVersion(registry: RegistryRef, opts: RollbackOptions): Promise<MoveResult> {
  const ctx = contextOf(registry);
  const reason = opts.reason?.trim();
  if (!reason)
    throw new AppError(
      REGISTRY_ERRORS.REASON_REQUIRED,
      'A rollback needs --reason "why"; it is recorded in the history.',
      {},
    );
  if (opts.version !== undefined) parseVersion(opts.version);
  if (opts.expectCurrent !== undefined && opts.expectCurrent !== 'none') parseVersion(opts.expectCurrent);
  const state = await championState(ctx);
  checkExpected(state, opts.expectCurrent);
  const current = currentVersion(state);
  const history = await readHistory(ctx);
  let target = opts.version;
  if (target === undefined) {
    const stack = championStack(history);
    if (current !== null && stack.at(-1) === current) stack.pop();
    target = stack.at(-1);
    if (target === undefined) {
      throw new AppError(
        REGISTRY_ERRORS.NO_HISTORY,
        `There is no champion before ${current ?? '(none)'} in the history of ${ctx.storage.location}.`,
        { current },
      );
    }
  }
  if (target === current) {
    return {
      action: 'rollback',
      version: target,
      previous: current,
      changed: false,
      forced: false,
      guardrails: [],
      champion: state.kind === 'ok' ? state.champion : null,
    };
  }
  const { metrics, manifestSha256 } = await verifiedTarget(ctx, target);
  const wasChampion = history.some((e) => e.to === target);
  const guardrails = wasChampion ? [] : checkGuardrails(metrics, ctx.settings);
  if (guardrails.some((g) => !g.ok) && !opts.force) {
    throw new AppError(
      REGISTRY_ERRORS.GUARDRAIL_FAILED,
      `${target} was never champion and does not meet the promotion guardrails: ${describeFailures(guardrails)}.`,
      { version: target, guardrails },
    );
  }
  const champion = await casMove(ctx, state, {
    action: 'rollback',
    to: target,
    by: actor(opts.by),
    reason,
    forced: guardrails.some((g) => !g.ok),
    guardrails,
    at: (opts.now ?? (() => new Date()))(),
    manifestSha256,
  });
  if (!champion) {
    throw new AppError(
      REGISTRY_ERRORS.CHAMPION_CONFLICT,
      `The champion changed while rolling back from ${current ?? 'none'}; nothing was done.`,
      { expected: current },
    );
  }
  return {
    action: 'rollback',
    version: target,
    previous: current,
    changed: true,
    forced: champion.forced,
    guardrails,
    champion,
    ...replacedInvalid(state),
  };
}
