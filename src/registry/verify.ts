import { AppError } from '../core/error-base.js';
import { championState } from './champion-file.js';
import { contextOf, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { CHAMPION_FILE, HISTORY_FILE, MANIFEST_FILE } from './layout.js';
import { manifestProblem, sha256 } from './manifest.js';
import { mapLimit } from './map-limit.js';
import { isVersion, parseVersion, sortVersions } from './semver.js';
import type { Leftover } from './storage.js';
import type { Manifest, VerifyProblem, VerifyReport } from './types.js';

/**
 * Checks one version against its manifest: every listed file present with its size and sha256, no
 * file that the manifest does not list, the manifest naming this version. Throws VERSION_INVALID /
 * VERSION_NOT_FOUND for a bad name; everything else is reported, not thrown.
 */
export async function verifyVersion(registry: RegistryRef, version: string): Promise<VerifyReport> {
  const { storage } = contextOf(registry);
  parseVersion(version);
  const files = await storage.listFiles(version);
  if (files === null) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_NOT_FOUND,
      `Version ${version} is not in the registry ${storage.location}.`,
      {
        version,
        registry: storage.location,
      },
    );
  }
  const problems: VerifyProblem[] = [];
  const report = (): VerifyReport => ({
    version,
    ok: problems.length === 0,
    files_checked: Object.keys(manifest?.files ?? {}).length,
    problems,
  });
  let manifest: Manifest | null = null;
  const raw = await storage.readFile(version, MANIFEST_FILE);
  if (raw === null) {
    problems.push({ kind: 'manifest_missing', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is missing` });
    return report();
  }
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    const problem = manifestProblem(parsed);
    if (problem) problems.push({ kind: 'manifest_invalid', file: MANIFEST_FILE, message: problem });
    else manifest = parsed as Manifest;
  } catch {
    problems.push({ kind: 'manifest_invalid', file: MANIFEST_FILE, message: 'not valid JSON' });
  }
  if (!manifest) return report();
  if (manifest.version !== version) {
    problems.push({
      kind: 'version_mismatch',
      file: MANIFEST_FILE,
      message: `the manifest says ${JSON.stringify(manifest.version)}, the directory is ${version}`,
    });
  }
  const onDisk = new Map(files.map((f) => [f.name, f.size]));
  for (const [name, expected] of Object.entries(manifest.files)) {
    const size = onDisk.get(name);
    if (size === undefined) {
      problems.push({
        kind: 'missing',
        file: name,
        message: `${name} is listed in the manifest but missing`,
      });
      continue;
    }
    if (size !== expected.size) {
      problems.push({
        kind: 'size_mismatch',
        file: name,
        message: `${name} has ${size} bytes, the manifest says ${expected.size}`,
      });
      continue;
    }
    const data = await storage.readFile(version, name);
    if (data === null) {
      problems.push({ kind: 'missing', file: name, message: `${name} disappeared while being checked` });
    } else if (sha256(data) !== expected.sha256) {
      problems.push({
        kind: 'hash_mismatch',
        file: name,
        message: `${name} does not match its sha256 (modified after registration)`,
      });
    }
  }
  for (const name of onDisk.keys()) {
    if (name !== MANIFEST_FILE && !(name in manifest.files)) {
      problems.push({
        kind: 'extra',
        file: name,
        message: `${name} is not listed in the manifest (added after registration)`,
      });
    }
  }
  const sig = manifest.files['signature.json'];
  if (sig && sig.sha256 !== manifest.signature_sha256) {
    problems.push({
      kind: 'signature_hash_mismatch',
      file: MANIFEST_FILE,
      message: 'signature_sha256 differs from the hash of signature.json in the manifest',
    });
  }
  return report();
}

export interface VerifyAllReport {
  ok: boolean;
  registry: string;
  versions: VerifyReport[];
  champion: { ok: boolean; version: string | null; message: string };
  /** Entries at the root that are not versions (bad names, stray files): reported, not fatal. */
  unknown_entries: string[];
  /** Temp dirs/files and locks left by interrupted commands: ignored, removed by `registry gc`. */
  leftovers: Leftover[];
  /** history.jsonl: complete entries, and lines that are not entries (edited by hand): reported, not fatal. */
  history: { entries: number; unreadable_lines: number };
}

/** Verifies every version and checks that the champion points at an existing, intact version. */
export async function verifyAll(registry: RegistryRef): Promise<VerifyAllReport> {
  const ctx = contextOf(registry);
  const { storage } = ctx;
  const names = await storage.listVersionNames();
  const versions = sortVersions(names.filter(isVersion));
  const unknown = [
    ...names.filter((n) => !isVersion(n)).map((n) => `${n}/`),
    ...(await storage.listUnknownEntries([CHAMPION_FILE, HISTORY_FILE])),
  ];
  const reports = await mapLimit(versions, 16, (v) => verifyVersion(ctx, v));
  const state = await championState(ctx);
  const historyLines = await storage.readLog(HISTORY_FILE);
  let unreadable = 0;
  for (const line of historyLines) {
    try {
      const e = JSON.parse(line) as { to?: unknown };
      if (typeof e.to !== 'string') unreadable++;
    } catch {
      unreadable++;
    }
  }
  let champion: VerifyAllReport['champion'];
  if (state.kind === 'none') champion = { ok: true, version: null, message: 'no champion promoted yet' };
  else if (state.kind === 'invalid') champion = { ok: false, version: null, message: state.problem };
  else {
    const rep = reports.find((r) => r.version === state.champion.version);
    const pin = state.champion.manifest_sha256;
    const manifestChanged =
      rep?.ok === true &&
      typeof pin === 'string' &&
      sha256((await storage.readFile(state.champion.version, MANIFEST_FILE)) ?? '') !== pin;
    champion = !rep
      ? {
          ok: false,
          version: state.champion.version,
          message: `points at ${state.champion.version}, which does not exist`,
        }
      : manifestChanged
        ? {
            ok: false,
            version: state.champion.version,
            message: `the manifest.json of ${state.champion.version} changed after it was promoted`,
          }
        : rep.ok
          ? { ok: true, version: state.champion.version, message: `${state.champion.version} is intact` }
          : {
              ok: false,
              version: state.champion.version,
              message: `${state.champion.version} fails verification`,
            };
  }
  return {
    ok: champion.ok && reports.every((r) => r.ok),
    registry: storage.location,
    versions: reports,
    champion,
    unknown_entries: unknown,
    leftovers: (await storage.listLeftovers()).filter((l) => !l.ownerAlive),
    history: { entries: historyLines.length - unreadable, unreadable_lines: unreadable },
  };
}
