import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { hashKey } from '../auth.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import { parseApiKeys } from '../settings.js';
import { bandOptions, EXAMPLE_STUDENT, makeApp, standInParts, testSettings } from '../testing/support.js';
import { studentsIn } from './rate-limit.js';
import { FixedWindows } from './windows.js';

const keys = (...names: string[]) => parseApiKeys(names.map((n) => `${hashKey(n)}:predict`).join(','));
const batchOf = (n: number) => ({ instances: Array.from({ length: n }, () => EXAMPLE_STUDENT) });

describe('rate limit: students, not requests', () => {
  it('3 batches of 1,000 students use a 3,000-student budget: the 4th request of any size gets 429', async () => {
    // The review's attack: 3,000 requests a minute of 1,000 students each. Charged by students, a
    // key's budget is spent after 3 such batches.
    const { app } = await makeApp({ apiKeys: keys('k1', 'k2'), rateLimitMax: 3000 });
    const predict = (key: string, payload: object) =>
      app.inject({ method: 'POST', url: '/predict', payload, headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expect((await predict('k1', batchOf(1000))).statusCode).toBe(200);
    const limited = await predict('k1', EXAMPLE_STUDENT);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({
      code: 'DEF_ERR_API_RATE_LIMITED',
      details: { rule: 'rate_limit', limit: 3000 },
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Other keys have their own budget; health is never limited.
    expect((await predict('k2', EXAMPLE_STUDENT)).statusCode).toBe(200);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    await app.close();
  });

  it('a batch that does not fit is refused whole and charged nothing; OIP tensors are charged by rows', async () => {
    const { app } = await makeApp({ apiKeys: keys('k1', 'k2'), rateLimitMax: 10 });
    const h = (key: string) => ({ 'x-api-key': key });
    const predict = (key: string, payload: object) =>
      app.inject({ method: 'POST', url: '/predict', payload, headers: h(key) });
    expect((await predict('k1', batchOf(8))).statusCode).toBe(200); // 8 of 10
    const big = await predict('k1', batchOf(3)); // 8 + 3 > 10
    expect(big.statusCode).toBe(429);
    expect(big.json().error.details).toMatchObject({ rule: 'rate_limit', cost: 3 });
    expect(big.json().error.message).toContain('this request scores 3 students');
    // The refused batch paid only its admission (1): one single student still fits, then nothing.
    expect((await predict('k1', EXAMPLE_STUDENT)).statusCode).toBe(200);
    expect((await predict('k1', EXAMPLE_STUDENT)).statusCode).toBe(429);
    // GET /metadata costs 1 like any request; a wrong body pays its admission too.
    const infer = (rows: number) =>
      app.inject({
        method: 'POST',
        url: '/v2/models/defasagem/infer',
        headers: h('k2'),
        payload: {
          inputs: [
            { name: 'fase', datatype: 'INT64', shape: [rows], data: new Array(rows).fill(3) },
            { name: 'defasagem', datatype: 'INT64', shape: [rows], data: new Array(rows).fill(-1) },
          ],
        },
      });
    expect((await infer(6)).statusCode).toBe(200);
    const over = await infer(5);
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ code: 'DEF_ERR_API_RATE_LIMITED', details: { cost: 5 } });
    expect((await infer(3)).statusCode).toBe(200); // 6 + 1 (refused) + 3 = 10
    await app.close();
  });

  it('bounds the requests in flight per key: one more gets 429 (concurrency) until one finishes', async () => {
    // GET /models waits on the registry listing: hold it open to keep requests in flight.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let waiting = 0;
    let bothWaiting: () => void = () => {};
    const twoWaiting = new Promise<void>((r) => {
      bothWaiting = r;
    });
    const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
    await holder.reload('test');
    const app = await buildApp({
      settings: testSettings({ apiKeys: keys('k1', 'k2'), rateLimitMax: 1000, rateLimitConcurrency: 2 }),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
      listModels: async () => {
        if (++waiting === 2) bothWaiting();
        await gate;
        return { champion: null, versions: [] };
      },
    });
    const get = (url: string, key: string) => app.inject({ url, headers: { 'x-api-key': key } });
    const held = [get('/models', 'k1'), get('/models', 'k1')];
    await twoWaiting; // both admitted and waiting on the listing
    const third = await get('/metadata', 'k1');
    expect(third.statusCode).toBe(429);
    expect(third.json().error.details).toMatchObject({ rule: 'concurrency', limit: 2 });
    expect(third.headers['retry-after']).toBe('1');
    expect((await get('/metadata', 'k2')).statusCode).toBe(200); // another key is not held up
    release();
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
    // The slots were given back.
    expect((await get('/metadata', 'k1')).statusCode).toBe(200);
    await app.close();
  });

  it('reads the students of a body without validating it', () => {
    expect(studentsIn(EXAMPLE_STUDENT)).toBe(1);
    expect(studentsIn(batchOf(7))).toBe(7);
    expect(studentsIn({ instances: [] })).toBe(1);
    expect(studentsIn({ inputs: [{ shape: [4] }, { shape: [9, 1] }, { shape: 'x' }, null] })).toBe(9);
    expect(studentsIn({ inputs: [{ shape: [1e300] }] })).toBe(1);
    expect(studentsIn(null)).toBe(1);
    expect(studentsIn([1, 2, 3])).toBe(1);
  });

  it('a fixed window: what is left, when it starts over, and a bounded number of keys', () => {
    let t = 1_000;
    const w = new FixedWindows(5, 60_000, () => t, 3);
    expect(w.tryTake('a', 4)).toBe(true);
    expect(w.tryTake('a', 2)).toBe(false);
    expect(w.used('a')).toBe(4);
    t += 59_000;
    expect(w.retryAfterS('a')).toBe(1);
    t += 1_000; // the window starts over
    expect(w.used('a')).toBe(0);
    expect(w.tryTake('a', 5)).toBe(true);
    for (const k of ['b', 'c', 'd', 'e']) w.add(k, 1);
    // Only 3 keys are kept: the oldest went first.
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => w.used(k))).toEqual([0, 0, 1, 1, 1]);
  });
});
