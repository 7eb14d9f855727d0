/**
 * The registry on S3-compatible object storage (AWS S3, MinIO, Ceph, Swift's s3api), chosen by
 * `REGISTRY_DIR=s3://bucket/prefix`. Same guarantees as the filesystem backend (docs/scaling.md):
 *
 * - A version's files are uploaded under a staging name of their own, `<prefix><version>/<stage>/`
 *   (no two writers ever write the same key), the manifest last; then, under the registry lock, the
 *   version's commit object `<prefix><version>/version.json` names that stage. A version exists
 *   exactly when its commit object does: a crash before it leaves only a staging leftover (`gc`),
 *   never a half version. The commit object is written once (`If-None-Match: *` where supported),
 *   so a version is never replaced.
 * - Integrity is the manifest's sha256, checked by the callers as on disk.
 * - Pointers (`champion.json`) are compared by ETag and replaced under the lock, with `If-Match`
 *   (`If-None-Match: *` for a first champion) where supported; logs (`history.jsonl`) are one object
 *   rewritten under the lock, conditionally too.
 * - The lock is an object with a lease (s3-lock.ts). Where the server answers 501 to conditional
 *   writes, mutual exclusion rests on the lease's timing assumptions, stated in docs/scaling.md.
 *
 * Loaders read files by path: `localPath` is a per-registry cache under the temp dir that `readFile`
 * fills; loaders verify the manifest's sha256 on what they read there, as they do on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { HOST_ID, pidAlive, writeFileDurable } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';
import { crashPoint } from './crash.js';
import { REGISTRY_ERRORS, versionExistsError } from './errors.js';
import { isPlainName, LOCK_FILE, MANIFEST_FILE } from './layout.js';
import { lockLeftover, sweepList } from './leftovers.js';
import { type LockOptions, lockLost } from './lock.js';
import { mapLimit } from './map-limit.js';
import {
  ConditionNotSupported,
  type PutCondition,
  parseS3Url,
  S3Bucket,
  type S3Listed,
} from './s3-client.js';
import { type S3LockHandle, withS3Lock } from './s3-lock.js';
import type {
  FileToWrite,
  Leftover,
  LeftoverSweep,
  LogLine,
  PointerState,
  RegistryStorage,
  StoredFile,
  VersionKind,
} from './storage.js';

/** The commit object of a version: which staging upload is the version. */
const COMMIT_OBJECT = 'version.json';
/** Lease mode: how long a write may take to be seen by every reader (default). */
export const DEFAULT_SETTLE_MS = 250;

interface Commit {
  version: string;
  stage: string;
}

/** A version directory's objects, as one listing sees them. */
interface VersionEntry {
  commit: boolean;
  stages: Map<string, S3Listed[]>;
}

function safe(name: string): string {
  if (!isPlainName(name)) throw new Error(`unsafe registry entry name ${JSON.stringify(name)}`);
  return name;
}

/** `<host id>-<pid>-<random>`: whose a staging upload is, for `gc`. */
function stageOwner(stage: string): { pid: number; sameHost: boolean } | null {
  const m = /^([0-9a-f]{8})-(\d+)-[0-9a-f]{8}$/.exec(stage);
  return m ? { pid: Number(m[2]), sameHost: m[1] === HOST_ID } : null;
}

export interface S3StorageOptions extends LockOptions {
  settleMs?: number;
  /** Override the probe (tests): whether conditional writes are used. */
  conditional?: boolean;
  /** Where `localPath` files are cached (default: the temp dir). */
  cacheDir?: string;
}

/** Probe results by bucket: one probe per process, whatever the number of storages opened on it. */
const PROBED = new Map<string, Promise<boolean>>();

export class S3Storage implements RegistryStorage {
  readonly location: string;
  private readonly bucket: S3Bucket;
  private readonly prefix: string;
  private readonly cacheRoot: string;
  private readonly commits = new Map<string, Commit>();
  private conditional: Promise<boolean> | null = null;

  constructor(
    url: string,
    client: S3Client,
    private readonly options: S3StorageOptions,
  ) {
    const loc = parseS3Url(url);
    this.location = `s3://${loc.bucket}/${loc.prefix}`.replace(/\/$/, '');
    this.prefix = loc.prefix;
    this.bucket = new S3Bucket(client, loc.bucket, this.location);
    const id = createHash('sha256').update(this.location).digest('hex').slice(0, 16);
    this.cacheRoot = path.join(options.cacheDir ?? path.join(os.tmpdir(), 'defasagem-s3-cache'), id);
    if (options.conditional !== undefined) this.conditional = Promise.resolve(options.conditional);
  }

  /** Whether the server honours conditional PUTs (probed once per bucket and process, with a scratch object). */
  supportsConditionalWrites(): Promise<boolean> {
    const key = `${this.bucket.client.config.endpoint ? 'endpoint' : 'aws'} ${this.bucket.bucket}`;
    this.conditional ??= PROBED.get(key) ?? this.probe();
    PROBED.set(key, this.conditional);
    this.conditional.catch(() => {
      this.conditional = null;
      PROBED.delete(key);
    });
    return this.conditional;
  }

  private async probe(): Promise<boolean> {
    const key = `${this.prefix}.probe-${HOST_ID}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const etag = await this.bucket.put(key, 'probe');
    try {
      // A server that ignores the header answers 200: as unsupported as a 501.
      if ((await this.bucket.put(key, 'again', { ifNoneMatch: true })) !== null) return false;
      if ((await this.bucket.put(key, 'again', { ifMatch: `"0${etag?.slice(2) ?? ''}"` })) !== null)
        return false;
      return true;
    } catch (err) {
      if (err instanceof ConditionNotSupported) return false;
      throw err;
    } finally {
      await this.bucket.delete(key).catch(() => undefined);
    }
  }

  /** Writes with `condition` where the server supports it, plainly (under the lock) where not. */
  private async put(key: string, data: Buffer | string, condition: PutCondition): Promise<string | null> {
    return this.bucket.put(key, data, (await this.supportsConditionalWrites()) ? condition : null);
  }

  private async lock<T>(fn: (lock: S3LockHandle) => Promise<T>): Promise<T> {
    const conditional = await this.supportsConditionalWrites();
    return withS3Lock(
      this.bucket,
      `${this.prefix}${LOCK_FILE}`,
      {
        timeoutMs: this.options.timeoutMs,
        leaseMs: this.options.leaseMs,
        settleMs: this.options.settleMs ?? DEFAULT_SETTLE_MS,
        conditional,
      },
      fn,
    );
  }

  /** Every object of the registry, grouped: top-level objects and version directories. */
  private async scan(): Promise<{ top: S3Listed[]; versions: Map<string, VersionEntry> }> {
    const top: S3Listed[] = [];
    const versions = new Map<string, VersionEntry>();
    for (const o of await this.bucket.list(this.prefix)) {
      const parts = o.key.slice(this.prefix.length).split('/');
      if (parts.length === 1) {
        top.push({ ...o, key: parts[0]! });
        continue;
      }
      const entry = versions.get(parts[0]!) ?? { commit: false, stages: new Map() };
      versions.set(parts[0]!, entry);
      if (parts.length === 2 && parts[1] === COMMIT_OBJECT) entry.commit = true;
      else {
        const stage = parts.length === 2 ? '' : parts[1]!;
        entry.stages.set(stage, [...(entry.stages.get(stage) ?? []), o]);
      }
    }
    return { top, versions };
  }

  async exists(): Promise<boolean> {
    try {
      return (await this.bucket.list(this.prefix)).length > 0;
    } catch (err) {
      if ((err as AppError).details?.s3_error === 'NoSuchBucket') return false;
      throw err;
    }
  }

  async listVersionNames(): Promise<string[]> {
    const { versions } = await this.scan();
    return [...versions].filter(([name, e]) => e.commit && !name.startsWith('.')).map(([name]) => name);
  }

  async listUnknownEntries(known: readonly string[]): Promise<string[]> {
    const { top } = await this.scan();
    return top.map((o) => o.key).filter((n) => !n.startsWith('.') && !known.includes(n));
  }

  private async readCommit(version: string): Promise<Commit | null> {
    const cached = this.commits.get(version);
    if (cached) return cached;
    const o = await this.bucket.get(`${this.prefix}${safe(version)}/${COMMIT_OBJECT}`);
    if (!o) return null;
    let commit: Commit | null = null;
    try {
      const v = JSON.parse(o.data.toString('utf8')) as Partial<Commit>;
      if (v.version === version && typeof v.stage === 'string' && stageOwner(v.stage)) commit = v as Commit;
    } catch {
      // reported below
    }
    if (!commit) {
      throw new AppError(
        REGISTRY_ERRORS.INTEGRITY_FAILED,
        `${version}'s commit object ${COMMIT_OBJECT} is not the registry's: the version was written by something else.`,
        { version, problem: 'bad_commit_object' },
      );
    }
    this.commits.set(version, commit); // written once, never changed: safe to keep
    return commit;
  }

  async hasVersion(version: string): Promise<boolean> {
    return (await this.versionKind(version)) !== null;
  }

  async versionKind(version: string): Promise<VersionKind | null> {
    return (await this.readCommit(version)) ? 'directory' : null;
  }

  private stageKey(version: string, commit: Commit, name = ''): string {
    return `${this.prefix}${version}/${commit.stage}/${name}`;
  }

  async listFiles(version: string): Promise<StoredFile[] | null> {
    const commit = await this.readCommit(version);
    if (!commit) return null;
    const base = this.stageKey(version, commit);
    return (await this.bucket.list(base)).map((o) => {
      const name = o.key.slice(base.length);
      return { name, size: o.size, regular: isPlainName(name) };
    });
  }

  async readFile(version: string, name: string): Promise<Buffer | null> {
    const commit = await this.readCommit(version);
    if (!commit) return null;
    const o = await this.bucket.get(this.stageKey(version, commit, safe(name)));
    if (!o) return null;
    mkdirSync(path.join(this.cacheRoot, version), { recursive: true });
    writeFileDurable(this.localPath(version, name), o.data);
    return o.data;
  }

  localPath(version: string, name: string): string {
    return path.join(this.cacheRoot, safe(version), safe(name));
  }

  async writeVersion(
    version: string,
    files: readonly FileToWrite[],
    precommit?: () => Promise<void>,
  ): Promise<void> {
    safe(version);
    const commit: Commit = { version, stage: `${HOST_ID}-${process.pid}-${randomBytes(4).toString('hex')}` };
    // Files first, the manifest last: a staging upload with a manifest has all its files.
    const manifest = files.filter((f) => f.name === MANIFEST_FILE);
    const rest = files.filter((f) => f.name !== MANIFEST_FILE);
    let committed = false;
    try {
      await mapLimit(rest, 4, (f) => this.bucket.put(this.stageKey(version, commit, safe(f.name)), f.data));
      for (const f of manifest) await this.bucket.put(this.stageKey(version, commit, f.name), f.data);
      crashPoint('register:after-stage');
      await this.lock(async (lock) => {
        if ((await this.readCommit(version)) !== null) throw versionExistsError(version);
        await precommit?.();
        crashPoint('register:before-rename');
        await lock.confirm();
        const body = JSON.stringify({
          ...commit,
          files: files.map((f) => f.name),
          at: new Date().toISOString(),
        });
        const key = `${this.prefix}${version}/${COMMIT_OBJECT}`;
        if ((await this.put(key, body, { ifNoneMatch: true })) === null) throw versionExistsError(version);
        committed = true;
        this.commits.set(version, commit);
        crashPoint('register:after-rename');
      });
    } finally {
      if (!committed) await this.removeStage(`${version}/${commit.stage}`).catch(() => undefined);
    }
  }

  private async removeStage(name: string): Promise<void> {
    const keys = await this.bucket.list(`${this.prefix}${name}/`);
    await mapLimit(keys, 4, (o) => this.bucket.delete(o.key));
  }

  async readPointer(name: string): Promise<PointerState> {
    const o = await this.bucket.get(`${this.prefix}${safe(name)}`);
    return o ? { data: o.data, tag: o.etag } : { data: null, tag: null };
  }

  async casPointer(
    name: string,
    expectedTag: string | null,
    next: Buffer,
    logName: string,
    lines: readonly LogLine[],
  ): Promise<boolean> {
    return this.lock(async (lock) => {
      if ((await this.readPointer(name)).tag !== expectedTag) return false;
      crashPoint('promote:after-lock');
      crashPoint('promote:after-temp');
      await lock.confirm();
      const condition = expectedTag === null ? { ifNoneMatch: true as const } : { ifMatch: expectedTag };
      if ((await this.put(`${this.prefix}${name}`, next, condition)) === null) return false;
      crashPoint('promote:after-rename');
      await this.appendUnlocked(logName, lines, lock);
      return true;
    });
  }

  async appendLog(
    name: string,
    line: LogLine,
    condition?: { pointer: string; tag: string | null },
  ): Promise<boolean> {
    return this.lock(async (lock) => {
      if (condition && (await this.readPointer(condition.pointer)).tag !== condition.tag) return false;
      return (await this.appendUnlocked(name, [line], lock)) > 0;
    });
  }

  /** Rewrites the log object with the lines not already present (by idempotency key). */
  private async appendUnlocked(name: string, lines: readonly LogLine[], lock: S3LockHandle): Promise<number> {
    if (lines.some((l) => l.line.includes('\n'))) throw new Error('a log line must not contain a newline');
    const key = `${this.prefix}${safe(name)}`;
    const current = await this.bucket.get(key);
    const existing = current?.data.toString('utf8') ?? '';
    const todo = lines.filter((l) => l.idempotencyKey === undefined || !existing.includes(l.idempotencyKey));
    if (todo.length === 0) return 0;
    const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
    const text = `${existing}${sep}${todo.map((l) => l.line).join('\n')}\n`;
    await lock.confirm();
    const condition: PutCondition = current ? { ifMatch: current.etag } : { ifNoneMatch: true };
    // Under the lock nobody else writes the log: a failed condition means the lock was lost.
    if ((await this.put(key, text, condition)) === null) throw lockLost(`${this.location}/${LOCK_FILE}`);
    return todo.length;
  }

  async readLog(name: string): Promise<string[]> {
    const o = await this.bucket.get(`${this.prefix}${safe(name)}`);
    if (!o) return [];
    const parts = o.data.toString('utf8').split('\n');
    parts.pop();
    return parts.filter((l) => l.trim() !== '');
  }

  async listLeftovers(): Promise<Leftover[]> {
    const { top, versions } = await this.scan();
    const now = Date.now();
    const out: Leftover[] = [];
    for (const [version, entry] of versions) {
      const committed = entry.commit ? (await this.readCommit(version))?.stage : undefined;
      for (const [stage, objects] of entry.stages) {
        if (stage === committed) continue;
        const owner = stageOwner(stage);
        out.push({
          name: `${version}/${stage}`,
          kind: 'staging',
          pid: owner?.pid ?? null,
          host: owner ? (owner.sameHost ? 'this' : 'other') : 'unknown',
          ownerAlive: owner?.sameHost ? pidAlive(owner.pid) : null,
          ageMs: now - Math.max(...objects.map((o) => o.lastModified)),
        });
      }
    }
    for (const o of top) {
      if (o.key === LOCK_FILE) {
        const raw = (await this.bucket.get(`${this.prefix}${o.key}`))?.data.toString('utf8') ?? '';
        out.push(lockLeftover(o.key, raw, now - o.lastModified));
      } else if (o.key.startsWith('.probe-')) {
        out.push({
          name: o.key,
          kind: 'temp-file',
          pid: null,
          host: 'unknown',
          ownerAlive: null,
          ageMs: now - o.lastModified,
        });
      }
    }
    return out;
  }

  async sweepLeftovers(
    select: (leftover: Leftover) => boolean,
    opts: { dryRun?: boolean } = {},
  ): Promise<LeftoverSweep> {
    if (!(await this.exists())) return { removed: [], kept: [] };
    const sweep = async (lock: S3LockHandle | null): Promise<LeftoverSweep> =>
      sweepList(
        await this.listLeftovers(),
        select,
        lock &&
          (async (l) => {
            await lock.confirm();
            if (l.kind === 'staging') await this.removeStage(l.name);
            else await this.bucket.delete(`${this.prefix}${l.name}`);
          }),
      );
    return opts.dryRun ? sweep(null) : this.lock(sweep);
  }
}
