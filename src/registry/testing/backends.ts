/**
 * The registry tests run on each storage backend: a temp directory, and a fresh prefix on the S3
 * test server (testing/s3.ts). `raw` looks under the registry the way the filesystem tests looked
 * at the directory (entries, a file's bytes, tampering), so one test body serves both.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openRegistry, type RegistryContext } from '../context.js';
import type { RegistrySettings } from '../settings.js';
import { TEST_SETTINGS, tempRegistry } from './fixtures.js';
import { rawBucket, s3TempLocation, s3TestEnv } from './s3.js';

export type Backend = 'fs' | 's3';

/** The backends a test runs on: the filesystem always, S3 where the test server runs (else loudly skipped). */
export const BACKENDS: readonly Backend[] = ['fs', 's3'];
export const backendMissing = (b: Backend): boolean => b === 's3' && s3TestEnv() === null;

export interface RawView {
  /** Names at the registry's root (files, and directories / version prefixes), sorted. */
  entries(): Promise<string[]>;
  /** Temp entries, staging leftovers and locks: what a clean registry has none of. */
  hidden(): Promise<string[]>;
  /** A file by its registry path ('champion.json', 'v1.0.0/model.json'), or null. */
  read(rel: string): Promise<Buffer | null>;
  /** Replaces a file behind the registry's back (tampering). */
  write(rel: string, data: Buffer | string): Promise<void>;
  /** Removes a file behind the registry's back. */
  remove(rel: string): Promise<void>;
}

export interface TestRegistry {
  /** What a worker or REGISTRY_DIR takes: the directory, or the s3:// URL. */
  dir: string;
  ctx: RegistryContext;
  raw: RawView;
}

function fsRaw(dir: string): RawView {
  const entries = async () => {
    try {
      return readdirSync(dir).sort();
    } catch {
      return [];
    }
  };
  return {
    entries,
    hidden: async () => (await entries()).filter((n) => n.startsWith('.')),
    read: async (rel) => {
      try {
        return readFileSync(path.join(dir, rel));
      } catch {
        return null;
      }
    },
    write: async (rel, data) => writeFileSync(path.join(dir, rel), data),
    remove: async (rel) => rmSync(path.join(dir, rel)),
  };
}

function s3Raw(url: string): RawView {
  const { bucket, prefix } = rawBucket(url);
  const keys = async () => (await bucket.list(prefix)).map((o) => o.key.slice(prefix.length));
  const stageOf = async (version: string) => {
    const commit = await bucket.get(`${prefix}${version}/version.json`);
    return commit ? (JSON.parse(commit.data.toString('utf8')) as { stage: string }).stage : null;
  };
  const keyOf = async (rel: string) => {
    const [version, name] = rel.split('/');
    if (name === undefined) return `${prefix}${rel}`;
    return `${prefix}${version}/${(await stageOf(version!)) ?? 'no-commit'}/${name}`;
  };
  return {
    entries: async () => [...new Set((await keys()).map((k) => k.split('/')[0]!))].sort(),
    hidden: async () => {
      const out: string[] = [];
      const stages = new Map<string, Set<string>>();
      for (const k of await keys()) {
        const parts = k.split('/');
        if (parts.length === 1) {
          if (k.startsWith('.')) out.push(k);
        } else if (parts.length > 2) {
          stages.set(parts[0]!, (stages.get(parts[0]!) ?? new Set()).add(parts[1]!));
        }
      }
      for (const [version, set] of stages) {
        const committed = await stageOf(version);
        for (const s of set) if (s !== committed) out.push(`${version}/${s}`);
      }
      return out.sort();
    },
    read: async (rel) => (await bucket.get(await keyOf(rel)))?.data ?? null,
    write: async (rel, data) => {
      await bucket.put(await keyOf(rel), data);
    },
    remove: async (rel) => bucket.delete(await keyOf(rel)),
  };
}

/** A fresh, empty registry on `backend`, with the test settings (overridable). */
export async function openTestRegistry(
  backend: Backend,
  settings: Partial<RegistrySettings> = {},
): Promise<TestRegistry> {
  if (backend === 'fs') {
    const { dir, ctx } = tempRegistry(settings);
    return { dir, ctx, raw: fsRaw(dir) };
  }
  const url = await s3TempLocation();
  return { dir: url, ctx: openRegistry(url, { ...TEST_SETTINGS, ...settings }), raw: s3Raw(url) };
}
