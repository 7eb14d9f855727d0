import { describe, expect, it } from 'vitest';
import { guardObserver, OBSERVER_REPORT_INTERVAL_MS, type PredictionEvent } from './observe.js';
import { EXAMPLE_STUDENT, makeApp } from './testing/support.js';

describe('the prediction observer', () => {
  it('sees every scored request once, with the request id, the endpoint family and the scores answered', async () => {
    const events: PredictionEvent[] = [];
    const { app } = await makeApp({}, [], (e) => events.push(e));
    const one = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    const batch = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, { ...EXAMPLE_STUDENT, defasagem: 2 }] },
    });
    const infer = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/infer',
      payload: {
        inputs: [
          { name: 'fase', datatype: 'INT64', shape: [1], data: [3] },
          { name: 'defasagem', datatype: 'INT64', shape: [1], data: [-1] },
        ],
      },
    });
    // Refused requests are never observed.
    await app.inject({ method: 'POST', url: '/predict', payload: { ...EXAMPLE_STUDENT, ida: '7' } });
    expect(events.map((e) => [e.via, e.records.length, e.modelVersion])).toEqual([
      ['predict', 1, 'v1.0.0'],
      ['predict', 2, 'v1.0.0'],
      ['v2', 1, 'v1.0.0'],
    ]);
    expect(events.map((e) => e.requestId)).toEqual([one, batch, infer].map((r) => r.headers['x-request-id']));
    expect(Array.from(events[0]!.scores)).toEqual([one.json().risk_score]);
    expect(Array.from(events[1]!.labels)).toEqual(
      batch.json().predictions.map((p: { risk_label: number }) => p.risk_label),
    );
    await app.close();
  });

  it('an observer that throws never fails a prediction; the failure is logged, not once per request', async () => {
    const lines: string[] = [];
    const { app } = await makeApp({}, lines, () => {
      throw new Error('event queue is full');
    });
    const { app: plain } = await makeApp();
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
      expect(r.statusCode).toBe(200);
      const expected = await plain.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
      expect(r.json()).toEqual(expected.json());
    }
    const failed = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'observer_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 50, suppressed: 0, err: { message: 'event queue is full' } });
    await app.close();
    await plain.close();
  });

  it('guardObserver reports at most once per interval, with the failures it kept quiet about', () => {
    let t = 0;
    let calls = 0;
    const reports: Array<[string, number]> = [];
    const guarded = guardObserver(
      () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      (err, suppressed) => reports.push([(err as Error).message, suppressed]),
      () => t,
    );
    const event = {} as PredictionEvent;
    for (let i = 0; i < 4; i++) guarded(event);
    t += OBSERVER_REPORT_INTERVAL_MS;
    guarded(event);
    expect(calls).toBe(5);
    expect(reports).toEqual([
      ['failure 1', 0],
      ['failure 5', 3],
    ]);
    // A reporter that throws is contained too.
    const loud = guardObserver(
      () => {
        throw new Error('x');
      },
      () => {
        throw new Error('y');
      },
    );
    expect(() => loud(event)).not.toThrow();
  });
});
