import { AppError, isAppError } from '../core/error-base.js';
import { championState } from './champion-file.js';
import { contextOf, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { CHAMPION_FILE, HISTORY_FILE, MANIFEST_FILE, SIGNATURE_FILE } from './layout.js';
import { reportedLeftover } from './leftovers.js';
import { manifestProblem, sha256 } from './manifest.js';
import { mapLimit } from './map-limit.js';
import { isVersion, parseVersion, sortVersions } from './semver.js';
import type { Leftover, RegistryStorage, StoredFile } from './storage.js';
import type { Manifest, VerifyProblem, VerifyReport } from './types.js';

/** One version checked, with the manifest it was checked against (parsed from the bytes hashed). */
export interface InspectedVersion {
  report: VerifyReport;
  /** null when the manifest is missing or invalid (the report says why). */
  manifest: Manifest | null;
}

const problem = (kind: VerifyProblem['kind'], file: string, message: string): VerifyProblem => ({
  kind,
  file,
  message,
});

/** Reads and parses the manifest once; its problems are reported, not thrown. */
async function loadManifest(
  storage: RegistryStorage,
  version: string,
  problems: VerifyProblem[],
): Promise<{ manifest: Manifest | null; sha: string | null }> {
  let raw: Buffer | null;
  try {
    raw = await storage.readFile(version, MANIFEST_FILE);
  } catch (err) {
    if (!isAppError(err)) throw err;
    problems.push(problem('manifest_invalid', MANIFEST_FILE, err.message));
    return { manifest: null, sha: null };
  }
  if (raw === null) {
    problems.push(problem('manifest_missing', MANIFEST_FILE, `${MANIFEST_FILE} is missing`));
    return { manifest: null, sha: null };
  }
  const sha = sha256(raw);
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    const why = manifestProblem(parsed);
    if (!why) return { manifest: parsed as Manifest, sha };
    problems.push(problem('manifest_invalid', MANIFEST_FILE, why));
  } catch {
    problems.push(problem('manifest_invalid', MANIFEST_FILE, 'not valid JSON'));
  }
  return { manifest: null, sha };
}

/** Every listed file present, a real file, with its size and sha256; nothing unlisted. */
async function checkFiles(
  storage: RegistryStorage,
  version: string,
  manifest: Manifest,
  files: readonly StoredFile[],
  problems: VerifyProblem[],
): Promise<void> {
  const onDisk = new Map(files.map((f) => [f.name, f]));
  for (const [name, expected] of Object.entries(manifest.files)) {
    const entry = onDisk.get(name);
    if (entry === undefined) {
      problems.push(problem('missing', name, `${name} is listed in the manifest but missing`));
    } else if (!entry.regular) {
      problems.push(problem('not_a_file', name, `${name} is a symbolic link or a directory, not a file`));
    } else if (entry.size !== expected.size) {
      problems.push(
        problem('size_mismatch', name, `${name} has ${entry.size} bytes, the manifest says ${expected.size}`),
      );
    } else {
      const data = await storage.readFile(version, name).catch((err) => {
        if (isAppError(err)) return 'link' as const;
        throw err;
      });
      if (data === null) {
        problems.push(problem('missing', name, `${name} disappeared while being checked`));
      } else if (data === 'link') {
        problems.push(problem('not_a_file', name, `${name} became a symbolic link while being checked`));
      } else if (sha256(data) !== expected.sha256) {
        problems.push(
          problem('hash_mismatch', name, `${name} does not match its sha256 (modified after registration)`),
        );
      }
    }
  }
  for (const name of onDisk.keys()) {
    if (name !== MANIFEST_FILE && !(name in manifest.files)) {
      problems.push(
        problem('extra', name, `${name} is not listed in the manifest (added after registration)`),
      );
    }
  }
}

/**
 * Checks one version against its manifest, read once: the version is a real directory (never a
 * link), every listed file is present, a real file, with its size and sha256, no file is unlisted,
 * the manifest names this version and lists the required files. Throws VERSION_INVALID /
 * VERSION_NOT_FOUND for a bad name; everything else is reported, not thrown.
 */
export async function inspectVersion(registry: RegistryRef, version: string): Promise<InspectedVersion> {
  const { storage } = contextOf(registry);
  parseVersion(version);
  const kind = await storage.versionKind(version);
  if (kind === null) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_NOT_FOUND,
      `Version ${version} is not in the registry ${storage.location}.`,
      { version, registry: storage.location },
    );
  }
  const problems: VerifyProblem[] = [];
  const done = (manifest: Manifest | null, sha: string | null): InspectedVersion => ({
    report: {
      version,
      ok: problems.length === 0,
      files_checked: Object.keys(manifest?.files ?? {}).length,
      manifest_sha256: sha,
      problems,
    },
    manifest: problems.length === 0 ? manifest : null,
  });
  if (kind !== 'directory') {
    problems.push(
      problem(
        'not_a_directory',
        version,
        `${version} is a symbolic link or not a directory: versions must be real directories inside the registry`,
      ),
    );
    return done(null, null);
  }
  const { manifest, sha } = await loadManifest(storage, version, problems);
  if (!manifest) return done(null, sha);
  if (manifest.version !== version) {
    problems.push(
      problem(
        'version_mismatch',
        MANIFEST_FILE,
        `the manifest says ${JSON.stringify(manifest.version)}, the directory is ${version}`,
      ),
    );
  }
  await checkFiles(storage, version, manifest, (await storage.listFiles(version)) ?? [], problems);
  if (manifest.files[SIGNATURE_FILE]?.sha256 !== manifest.signature_sha256) {
    problems.push(
      problem(
        'signature_hash_mismatch',
        MANIFEST_FILE,
        `signature_sha256 differs from the hash of ${SIGNATURE_FILE} in the manifest`,
      ),
    );
  }
  return done(manifest, sha);
}

/** The report of `inspectVersion`. */
export async function verifyVersion(registry: RegistryRef, version: string): Promise<VerifyReport> {
  return (await inspectVersion(registry, version)).report;
}

export interface VerifyAllReport {
  ok: boolean;
  registry: string;
  versions: VerifyReport[];
  champion: { ok: boolean; version: string | null; message: string };
  /** Entries at the root that are not versions (bad names, stray files): reported, not fatal. */
  unknown_entries: string[];
  /** Temp dirs/files left by interrupted commands (removed by `registry gc`) and dead holders' locks (taken over). */
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
    // The pin is checked against the manifest bytes the version was verified with (read once).
    const manifestChanged = rep?.ok === true && rep.manifest_sha256 !== state.champion.manifest_sha256;
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
    leftovers: (await storage.listLeftovers()).filter(reportedLeftover),
    history: { entries: historyLines.length - unreadable, unreadable_lines: unreadable },
  };
}
