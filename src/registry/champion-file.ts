import path from 'node:path';
import { AppError } from '../core/error-base.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { CHAMPION_FILE } from './layout.js';
import { isVersion } from './semver.js';
import type { Champion } from './types.js';

export type ChampionState =
  | { kind: 'none'; tag: null }
  | { kind: 'invalid'; tag: string; problem: string }
  | { kind: 'ok'; tag: string; champion: Champion };

function championProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const c = value as Partial<Champion>;
  if (typeof c.version !== 'string' || !isVersion(c.version))
    return 'its "version" is missing or not a valid version';
  if (typeof c.promoted_at !== 'string') return 'its "promoted_at" is missing';
  if (typeof c.promoted_by !== 'string') return 'its "promoted_by" is missing';
  if (
    c.previous_champion !== null &&
    (typeof c.previous_champion !== 'string' || !isVersion(c.previous_champion))
  ) {
    return 'its "previous_champion" is neither null nor a valid version';
  }
  // The pin is what makes the champion's content checkable: a pointer without it is not trusted.
  if (typeof c.manifest_sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(c.manifest_sha256))
    return 'its "manifest_sha256" pin is missing or not a sha256 (promote the version again)';
  return null;
}

/** The champion pointer as it is now, with the tag to compare-and-set against. Never throws on content. */
export async function championState(ctx: RegistryContext): Promise<ChampionState> {
  const { data, tag } = await ctx.storage.readPointer(CHAMPION_FILE);
  if (data === null || tag === null) return { kind: 'none', tag: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return { kind: 'invalid', tag, problem: `${CHAMPION_FILE} is not valid JSON` };
  }
  const problem = championProblem(parsed);
  if (problem) return { kind: 'invalid', tag, problem: `${CHAMPION_FILE} is invalid: ${problem}` };
  return { kind: 'ok', tag, champion: parsed as Champion };
}

/**
 * The current champion, or null when none was ever promoted. Throws CHAMPION_INVALID when
 * champion.json exists but is unreadable. Does not check that the version exists (resolve does).
 */
export async function readChampion(registry: RegistryRef): Promise<Champion | null> {
  const ctx = contextOf(registry);
  const state = await championState(ctx);
  if (state.kind === 'none') return null;
  if (state.kind === 'invalid') {
    throw new AppError(
      REGISTRY_ERRORS.CHAMPION_INVALID,
      `${state.problem} (registry ${ctx.storage.location}).`,
      {
        registry: ctx.storage.location,
      },
    );
  }
  return state.champion;
}

/** The file the server watches to notice a promotion or rollback. */
export function championFilePath(registryDir: string): string {
  return path.resolve(registryDir, CHAMPION_FILE);
}
