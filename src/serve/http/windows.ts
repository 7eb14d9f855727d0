/**
 * Fixed-window counters by key (an API key id, a client address): how many units a key has used in
 * its current window. Memory is bounded: past `maxKeys` keys, expired windows are dropped first and
 * then the oldest, so a flood of new client addresses cannot grow the map without end.
 */
export class FixedWindows {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  private current(key: string): { start: number; used: number } {
    const t = this.now();
    let w = this.windows.get(key);
    if (w && t - w.start < this.windowMs) return w;
    if (w) this.windows.delete(key);
    else if (this.windows.size >= this.maxKeys) this.evict(t);
    w = { start: t, used: 0 };
    this.windows.set(key, w);
    return w;
  }

  private evict(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
    // Still full: drop the oldest windows (a Map iterates in insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }

  /** Units `key` has used in its current window. */
  used(key: string): number {
    const w = this.windows.get(key);
    return w && this.now() - w.start < this.windowMs ? w.used : 0;
  }

  /** Counts `n` more units for `key`, whatever the maximum. */
  add(key: string, n: number): void {
    this.current(key).used += n;
  }

  /** Takes `n` units for `key` when they fit in what is left of `max`; false (nothing taken) otherwise. */
  tryTake(key: string, n: number): boolean {
    const w = this.current(key);
    if (w.used + n > this.max) return false;
    w.used += n;
    return true;
  }

  /** Whole seconds until `key`'s window starts over (at least 1). */
  retryAfterS(key: string): number {
    const w = this.windows.get(key);
    const left = w ? w.start + this.windowMs - this.now() : 0;
    return Math.max(1, Math.ceil(left / 1000));
  }
}
