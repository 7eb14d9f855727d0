/**
 * What the registry needs from where it keeps its bytes. The local-filesystem backend
 * (fs-storage.ts) is the only one today; an S3-compatible backend can implement the same interface
 * (write-once = conditional put of the manifest last, compare-and-set = conditional put on the
 * pointer's ETag, log = one object per entry) without touching the callers.
 */

export interface StoredFile {
  name: string;
  size: number;
  /** false for anything but a regular file (a symbolic link, a directory): refused by verify. */
  regular: boolean;
}

/** A version's entry: a real directory, or something else under a version's name (a symbolic link...). */
export type VersionKind = 'directory' | 'not-a-directory';

export interface FileToWrite {
  name: string;
  data: Buffer;
}

/** A pointer's content and an opaque tag that changes whenever the content changes. */
export interface PointerState {
  data: Buffer | null;
  /** null when the pointer does not exist. */
  tag: string | null;
}

/** A log line; with `idempotencyKey`, it is skipped when a line containing the key exists already. */
export interface LogLine {
  line: string;
  idempotencyKey?: string;
}

/** Something a crashed command left behind (a staging directory, a temp file, a stale lock). */
export interface Leftover {
  name: string;
  kind: 'staging' | 'temp-file' | 'lock';
  /** The process that created it, when known. */
  pid: number | null;
  /** Where that process ran: this host, another one (shared storage), or unknown (an old name). */
  host: 'this' | 'other' | 'unknown';
  /**
   * Whether that process still runs (then it is work in progress, not a leftover); null when it
   * cannot be known from here (another host's pid means nothing on this one): judge it by age.
   */
  ownerAlive: boolean | null;
  ageMs: number;
}

export interface LeftoverSweep {
  removed: Leftover[];
  kept: Leftover[];
}

export interface RegistryStorage {
  /** Where the registry lives, for messages. */
  readonly location: string;
  /** Whether the registry root exists at all. */
  exists(): Promise<boolean>;
  /** Names of committed version directories (anything not a temp entry); not validated here. */
  listVersionNames(): Promise<string[]>;
  /** Other entries at the root that are neither versions, pointers, logs nor temp entries. */
  listUnknownEntries(known: readonly string[]): Promise<string[]>;
  /**
   * Entries of one version (one level), or null when the version does not exist. Throws
   * INTEGRITY_FAILED when the version is not a real directory.
   */
  listFiles(version: string): Promise<StoredFile[] | null>;
  /** Whether the version exists (as any kind of entry). */
  hasVersion(version: string): Promise<boolean>;
  /** What the version's entry is, or null when there is none. */
  versionKind(version: string): Promise<VersionKind | null>;
  /**
   * A file of a version, or null when missing. Never follows a link: a version that is not a real
   * directory, or a file that is a symbolic link, is INTEGRITY_FAILED.
   */
  readFile(version: string, name: string): Promise<Buffer | null>;
  /** Local path of a file (for loaders that take paths); the local backend only. */
  localPath(version: string, name: string): string;
  /**
   * Writes a whole version at once: it appears complete or not at all, and never replaces an
   * existing version (VERSION_EXISTS). `precommit` runs under the registry lock just before the
   * commit, to check rules against the versions that exist at that moment.
   */
  writeVersion(
    version: string,
    files: readonly FileToWrite[],
    precommit?: () => Promise<void>,
  ): Promise<void>;
  readPointer(name: string): Promise<PointerState>;
  /**
   * Replaces the pointer only if its tag is still `expectedTag` (null = must not exist), and appends
   * `lines` to the log `logName` in the same critical section. Returns false when the CAS lost.
   */
  casPointer(
    name: string,
    expectedTag: string | null,
    next: Buffer,
    logName: string,
    lines: readonly LogLine[],
  ): Promise<boolean>;
  /** Appends one line under the lock, unless its idempotency key is in the log already or the pointer moved. */
  appendLog(
    name: string,
    line: LogLine,
    condition?: { pointer: string; tag: string | null },
  ): Promise<boolean>;
  /** Complete lines of a log (a torn last line from a crash is left out). */
  readLog(name: string): Promise<string[]>;
  listLeftovers(): Promise<Leftover[]>;
  /**
   * Removes the leftovers `select` picks, inside the registry's critical section (so nothing is
   * judged and removed while another command commits). Locks are never removed here.
   */
  sweepLeftovers(
    select: (leftover: Leftover) => boolean,
    opts?: { dryRun?: boolean },
  ): Promise<LeftoverSweep>;
}
