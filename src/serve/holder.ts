/**
 * The model holder: one pointer to the bundle being served, swapped atomically (Triton's explicit
 * mode): load → verify (the loader verifies hashes) → compile → warm-up → swap. On any failure the old
 * bundle keeps serving and the reason is kept for /ready, the logs and the metrics. A request reads
 * the pointer once and uses that bundle to the end, so a swap never mixes two models in one answer.
 */
import { type FSWatcher, watch } from 'node:fs';
import { isAppError } from '../core/error-base.js';
import { assembleBundle, type BundleOptions, type BundleParts, type ModelBundle, warmUp } from './bundle.js';

export interface ReloadFailure {
  code: string;
  message: string;
  at: string;
}

export interface HolderEvents {
  onSwap?(next: ModelBundle, previous: ModelBundle | null, reason: string): void;
  onFailure?(failure: ReloadFailure, reason: string, serving: ModelBundle | null): void;
}

export interface HolderOptions extends BundleOptions {
  /** Loads and verifies the files of the configured source (throws AppError on any problem). */
  load: () => Promise<BundleParts>;
  /**
   * Cheap check of which version the source points at now (e.g. champion.json); when it differs from
   * the served version a reload starts. Null for sources that never move (a pinned vX.Y.Z, dev files).
   */
  probe?: (() => Promise<string>) | null;
  events?: HolderEvents;
}

export type ReloadResult = 'swapped' | 'unchanged' | 'failed';

export class ModelHolder {
  /** The bundle being served; read once per request. */
  current: ModelBundle | null = null;
  lastFailure: ReloadFailure | null = null;
  lastSwapAt: string | null = null;
  private inFlight: Promise<ReloadResult> | null = null;
  private again = false;
  private watcher: FSWatcher | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private stopped = false;
  private failedTarget: string | null = null;
  private failedAt = 0;

  constructor(private readonly options: HolderOptions) {}

  get ready(): boolean {
    return this.current !== null;
  }

  /** Why the server is not ready, or why the last reload failed while the old model kept serving. */
  get reason(): string | null {
    return this.lastFailure ? `${this.lastFailure.code}: ${this.lastFailure.message}` : null;
  }

  /**
   * Loads the configured source and swaps it in. Concurrent calls share one load; a call during a load
   * schedules one more pass afterwards so the newest state always wins.
   */
  reload(reason: string, force = true): Promise<ReloadResult> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    const run = async (): Promise<ReloadResult> => {
      let result: ReloadResult;
      do {
        this.again = false;
        result = await this.reloadOnce(reason, force);
      } while (this.again && !this.stopped);
      return result;
    };
    this.inFlight = run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Reloads only when the source now points at a version other than the one served. */
  async check(reason: string): Promise<ReloadResult> {
    const probe = this.options.probe;
    if (!probe) return 'unchanged';
    let target: string;
    try {
      target = await probe();
    } catch (err) {
      this.fail(err, reason);
      return 'failed';
    }
    if (this.current && this.current.version === target) {
      // The source is healthy again and points at what we serve: clear a stale failure.
      this.lastFailure = null;
      return 'unchanged';
    }
    // A version that just failed to load is retried once a minute, not on every poll.
    const now = Date.now();
    if (this.failedTarget === target && now - this.failedAt < 60_000) return 'failed';
    const result = await this.reload(reason, false);
    if (result === 'failed') {
      this.failedTarget = target;
      this.failedAt = now;
    } else this.failedTarget = null;
    return result;
  }

  private async reloadOnce(reason: string, force: boolean): Promise<ReloadResult> {
    try {
      const parts = await this.options.load();
      if (!force && this.current && this.current.version === parts.version) {
        this.lastFailure = null;
        return 'unchanged';
      }
      const bundle = assembleBundle(parts, this.options);
      warmUp(bundle);
      const previous = this.current;
      this.current = bundle; // the one pointer swap
      this.lastFailure = null;
      this.lastSwapAt = bundle.loadedAt;
      this.options.events?.onSwap?.(bundle, previous, reason);
      return 'swapped';
    } catch (err) {
      this.fail(err, reason);
      return 'failed';
    }
  }

  private fail(err: unknown, reason: string): void {
    const failure: ReloadFailure = {
      code: isAppError(err) ? err.code : 'DEF_ERR_API_MODEL_LOAD_FAILED',
      message: err instanceof Error ? err.message : String(err),
      at: new Date().toISOString(),
    };
    this.lastFailure = failure;
    this.options.events?.onFailure?.(failure, reason, this.current);
  }

  /**
   * Follows a movable source: fs.watch on the directory holding the pointer file (renames replace the
   * file, so the directory is watched) plus a poll every `pollSeconds` in case events are lost. With
   * no directory (a registry on S3: nothing to watch), the poll alone follows it.
   */
  startWatching(dir: string | null, fileName: string, pollSeconds: number): void {
    if (!this.options.probe) return;
    this.stopped = false;
    const trigger = (why: string) => {
      if (this.stopped) return;
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.debounce = null;
        void this.check(why);
      }, 25);
      this.debounce.unref();
    };
    const ensureWatcher = () => {
      if (this.watcher || this.stopped || dir === null) return;
      try {
        this.watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (!name || name === fileName || String(name).startsWith(fileName)) trigger('watch');
        });
        this.watcher.on('error', () => {
          this.watcher?.close();
          this.watcher = null;
        });
      } catch {
        // The directory may not exist yet; the poll retries.
        this.watcher = null;
      }
    };
    ensureWatcher();
    if (pollSeconds > 0) {
      this.pollTimer = setInterval(() => {
        ensureWatcher();
        void this.check('poll');
      }, pollSeconds * 1000);
      this.pollTimer.unref();
    }
  }

  /** Stops watching; waits for a reload in progress so nothing is left half-done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.debounce) clearTimeout(this.debounce);
    this.pollTimer = null;
    this.debounce = null;
    if (this.inFlight) await this.inFlight.catch(() => undefined);
  }
}
