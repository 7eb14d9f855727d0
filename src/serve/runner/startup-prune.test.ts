/**
 * Start-up with monitoring: the writer thread starts and runs the retention pass while the model loads
 * (monitoring is still opened first, so a bad privacy setup refuses before any model is read), and the
 * server listens only after that pass has worked; a failed pass fails the start, as it always did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { openSqliteStore } from '../../monitor/index.js';
import { delegatingStore } from '../../monitor/testing/fixtures.js';
import { type MonitoredRegistry, monitoredRegistry, startMonitored } from '../testing/monitoring.js';

let reg: MonitoredRegistry;
beforeAll(async () => {
  reg = await monitoredRegistry();
}, 120_000);
afterAll(() => reg?.cleanup());

/** A logger at info whose lines (parsed) land in `lines`. */
function capture(lines: Array<Record<string, unknown>>) {
  return createLogger({
    level: 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
};

describe('start-up with monitoring', () => {
  it('loads the model while the retention pass runs, and listens only once it is done', async () => {
    const real = await openSqliteStore({ dataDir: reg.dataDir() });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const steps: string[] = [];
    const held = delegatingStore(real, {
      prune: async (before) => {
        steps.push('prune asked');
        await gate;
        steps.push('prune done');
        return real.prune(before);
      },
    });
    const lines: Array<Record<string, unknown>> = [];
    let started = false;
    const starting = startMonitored({
      registryDir: reg.registryDir,
      dataDir: reg.dataDir(),
      monitorOptions: { store: held },
      logger: capture(lines),
    }).then((s) => {
      started = true;
      return s;
    });
    // The model is loaded, checked and warmed up while the pass is held…
    await until(() => lines.some((l) => l.event === 'model_swap'));
    expect(steps).toEqual(['prune asked']);
    await new Promise((r) => setTimeout(r, 50));
    // …and nothing listens until it is done.
    expect(started).toBe(false);
    expect(lines.some((l) => l.event === 'listening')).toBe(false);
    release();
    const server = await starting;
    try {
      expect(steps).toEqual(['prune asked', 'prune done']);
      expect(server.holder.ready).toBe(true);
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('a failed retention pass fails the start with its error; nothing is left listening', async () => {
    const real = await openSqliteStore({ dataDir: reg.dataDir() });
    let closed = false;
    const broken = delegatingStore(real, {
      prune: async () => {
        throw new Error('disk on fire');
      },
      close: async () => {
        closed = true;
        await real.close();
      },
    });
    const lines: Array<Record<string, unknown>> = [];
    await expect(
      startMonitored({
        registryDir: reg.registryDir,
        dataDir: reg.dataDir(),
        monitorOptions: { store: broken },
        logger: capture(lines),
      }),
    ).rejects.toThrow('disk on fire');
    expect(lines.some((l) => l.event === 'listening')).toBe(false);
    // Monitoring was closed on the way out (as for any failed start).
    expect(closed).toBe(true);
  }, 60_000);
});
