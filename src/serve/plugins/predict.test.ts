import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { MAX_LISTED_PROBLEMS } from '../batch-problems.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import type { PredictionEvent } from '../observe.js';
import {
  bandOptions,
  collectingLogger,
  EXAMPLE_STUDENT,
  inProcessApp,
  makeApp,
  standInParts,
  testSettings,
} from '../testing/support.js';
import { BATCH_CHUNK } from './predict.js';

describe('POST /predict', () => {
  const app = inProcessApp();

  it('POST /predict scores one student with band, label, version and top factors', async () => {
    const r = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p.risk_score).toBeGreaterThan(0);
    expect(p.risk_score).toBeLessThan(1);
    expect(p.risk_label).toBe(p.risk_score >= 0.4 ? 1 : 0);
    expect(p.risk_band).toBe(p.risk_score >= 0.4 ? 'alto' : p.risk_score >= 0.24 ? 'medio' : 'baixo');
    expect(p.model_version).toBe('v1.0.0');
    expect(p.top_factors).toHaveLength(3);
    const sizes = p.top_factors.map((f: { contribution: number }) => Math.abs(f.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(p.top_factors.find((f: { feature: string }) => f.feature === 'defasagem')).toMatchObject({
      value: -1,
      direction: 'aumenta',
    });
  });

  it('POST /predict scores a batch and accepts null for optional fields', async () => {
    const low = { ...EXAMPLE_STUDENT, defasagem: 2, ida: 9, ieg: 9, ian: 10 };
    const high = { ...EXAMPLE_STUDENT, defasagem: -3, ida: 2, ieg: 2, ian: 2.5 };
    const sparse = { fase: 0, defasagem: 0, ipp: null };
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [low, high, sparse] },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.model_version).toBe('v1.0.0');
    expect(body.predictions.map((p: { risk_band: string }) => p.risk_band).slice(0, 2)).toEqual([
      'baixo',
      'alto',
    ]);
    expect(body.predictions[2].risk_score).toBeGreaterThan(0);
  });

  it('field errors name the field and the rule and never the value', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, ida: '7' },
    });
    expect(r.json().error).toMatchObject({
      code: 'DEF_ERR_API_INVALID_FIELD',
      details: { field: 'ida', rule: 'type' },
    });
    expect(r.json().error.message).toContain('"ida"');
    const range = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, fase: 12 },
    });
    expect(range.json().error.details).toMatchObject({ field: 'fase', rule: 'maximum' });
    const batch = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, { ...EXAMPLE_STUDENT, genero: 'x' }] },
    });
    expect(batch.json().error).toMatchObject({
      code: 'DEF_ERR_API_INVALID_BATCH',
      details: { problems: [{ student: 2, field: 'genero', rule: 'category' }] },
    });
  });
});

describe('POST /predict limits', () => {
  it('MAX_INSTANCES bounds a batch', async () => {
    const { app } = await makeApp({ maxInstances: 2 });
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, EXAMPLE_STUDENT, EXAMPLE_STUDENT] },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().error.details).toMatchObject({ rule: 'max_items', limit: 2, count: 3 });
    await app.close();
  });

  it('a large batch yields between chunks: a health check sent while it is explained is answered meanwhile', async () => {
    const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
    await holder.reload('test');
    // Count explanations, to see how far the batch had got when the health check was answered.
    const model = holder.current!.model;
    const explain = model.explain.bind(model);
    let explained = 0;
    Object.assign(model, {
      explain: (...args: Parameters<typeof explain>) => {
        explained++;
        return explain(...args);
      },
    });
    let explainedAtHealth = -1;
    let health: Promise<unknown> | null = null;
    const app = await buildApp({
      settings: testSettings(),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
      // Called once the batch is scored and before its explanations are built.
      observer: () => {
        health ??= app.inject({ url: '/health' }).then(() => {
          explainedAtHealth = explained;
        });
      },
    });
    const n = BATCH_CHUNK * 10 + 3;
    const instances = Array.from({ length: n }, (_, i) => ({ ...EXAMPLE_STUDENT, ieg: (i % 100) / 10 }));
    const before = explained;
    const batch = await app.inject({ method: 'POST', url: '/predict', payload: { instances } });
    await health;
    expect(batch.statusCode).toBe(200);
    expect(explained - before).toBe(n);
    // Answered between two chunks, long before the last explanation.
    expect(explainedAtHealth - before).toBeGreaterThan(0);
    expect(explainedAtHealth - before).toBeLessThan(n / 2);
    // Chunking changes nothing in the answer: same order and values as one request per student.
    const predictions = batch.json().predictions as Array<Record<string, unknown>>;
    expect(predictions).toHaveLength(n);
    for (const i of [0, BATCH_CHUNK - 1, BATCH_CHUNK, n - 1]) {
      const one = await app.inject({ method: 'POST', url: '/predict', payload: instances[i] });
      expect(predictions[i]).toEqual(one.json());
    }
    await app.close();
  });
});

type Problem = { student: number; code: string; field: string | null; rule: string; message: string };

/** The app at debug level (every request logged) with every log line and observed event captured. */
async function watchedApp() {
  const lines: string[] = [];
  const events: PredictionEvent[] = [];
  const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
  await holder.reload('test');
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = collectingLogger(lines, 'debug');
  const observer = (e: PredictionEvent) => {
    events.push(e);
  };
  const app = await buildApp({ settings: testSettings(), holder, metrics, logger, observer });
  const predict = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/predict', payload: payload as object });
  const scored = async () =>
    (await metrics.registry.getSingleMetricAsString('defasagem_predictions_total')).trim();
  return { app, lines, events, predict, scored };
}

describe('POST /predict batches: every invalid student in one answer, all or nothing', () => {
  it('a batch of 1000 with 3 bad students spread out names students 2, 500 and 1000 (1-based) with their fields; nothing is scored', async () => {
    const { app, events, predict, scored } = await watchedApp();
    const before = await scored();
    const instances: Array<Record<string, unknown>> = Array.from({ length: 1000 }, (_, i) => ({
      ...EXAMPLE_STUDENT,
      ieg: (i % 100) / 10,
    }));
    instances[1] = { ...EXAMPLE_STUDENT, ida: '6.2' }; // student 2: a number sent as text
    instances[499] = { ...EXAMPLE_STUDENT, fase: 12 }; // student 500: out of range
    const { defasagem: _gone, ...noDefasagem } = EXAMPLE_STUDENT;
    instances[999] = noDefasagem; // student 1000: a required field missing
    const r = await predict({ instances });
    expect(r.statusCode).toBe(422);
    const error = r.json().error;
    expect(error.code).toBe('DEF_ERR_API_INVALID_BATCH');
    expect(error.details).toMatchObject({
      rule: 'invalid_students',
      instances: 1000,
      invalid_students: 3,
      total_problems: 3,
      truncated: false,
    });
    expect(error.details.problems).toEqual([
      {
        student: 2,
        code: 'DEF_ERR_API_INVALID_FIELD',
        field: 'ida',
        rule: 'type',
        expected: 'a number from 0 to 10 (or null)',
        message: 'Field "ida" has the wrong JSON type: expected a number from 0 to 10 (or null).',
      },
      expect.objectContaining({
        student: 500,
        code: 'DEF_ERR_API_INVALID_FIELD',
        field: 'fase',
        rule: 'maximum',
      }),
      expect.objectContaining({
        student: 1000,
        code: 'DEF_ERR_API_MISSING_FIELD',
        field: 'defasagem',
        rule: 'required',
      }),
    ]);
    expect(error.message).toMatch(
      /^3 students of 1000 are invalid \(3 problems\); nothing was scored\. Student 2: /,
    );
    expect(error.message).toContain('Student 500: Field "fase" is above the maximum');
    expect(error.message).toContain('Student 1000: Field "defasagem" is required');
    expect(r.body).not.toContain('6.2'); // the value sent is never echoed
    // All or nothing: no student was scored, counted or observed.
    expect(events).toHaveLength(0);
    expect(await scored()).toBe(before);
    await app.close();
  });

  it('a batch with 150 bad students lists the first 100 problems and counts them all', async () => {
    const { app, predict } = await watchedApp();
    const instances = Array.from({ length: 300 }, (_, i) =>
      i % 2 === 1 ? { ...EXAMPLE_STUDENT, genero: 'x' } : EXAMPLE_STUDENT,
    );
    const r = await predict({ instances });
    expect(r.statusCode).toBe(422);
    const { details, message } = r.json().error;
    expect(details).toMatchObject({
      instances: 300,
      invalid_students: 150,
      total_problems: 150,
      truncated: true,
    });
    expect(details.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(details.problems.map((p: Problem) => p.student)).toEqual(
      Array.from({ length: MAX_LISTED_PROBLEMS }, (_, k) => 2 * k + 2),
    );
    expect(details.problems.every((p: Problem) => p.field === 'genero' && p.rule === 'category')).toBe(true);
    expect(message).toContain('details.problems lists the first 100 of 150.');
    await app.close();
  });

  it('every problem of a student is listed, personal keys first; the single form still answers its first problem', async () => {
    const { app, predict } = await watchedApp();
    const { fase: _f, ...noFase } = EXAMPLE_STUDENT;
    const bad = { ...noFase, nome: 'Joana Pereira', turma: 'A', ida: 11, ano_ingresso: 2030 };
    const r = await predict({ instances: [EXAMPLE_STUDENT, bad] });
    const problems = r.json().error.details.problems as Problem[];
    expect(problems.map((p) => [p.student, p.code, p.field, p.rule])).toEqual([
      [2, 'DEF_ERR_API_PII_FIELD', 'nome', 'pii_field'],
      [2, 'DEF_ERR_API_UNKNOWN_FIELD', 'turma', 'unknown_field'],
      [2, 'DEF_ERR_API_MISSING_FIELD', 'fase', 'required'],
      [2, 'DEF_ERR_API_INVALID_FIELD', 'ida', 'maximum'],
      // Across fields: checked whenever both years are valid, whatever else is wrong.
      [2, 'DEF_ERR_API_INVALID_FIELD', 'ano_ingresso', 'order'],
    ]);
    expect(r.json().error.details).toMatchObject({ invalid_students: 1, total_problems: 5 });
    expect(r.body).not.toContain('Joana');
    const single = await predict(bad);
    expect(single.statusCode).toBe(422);
    expect(single.json().error).toMatchObject({ code: 'DEF_ERR_API_PII_FIELD', details: { field: 'nome' } });
    expect(single.json().error.details.index).toBeUndefined();
    await app.close();
  });
});

describe('POST /predict per-student id', () => {
  it('is echoed in each prediction, in order, and changes nothing else', async () => {
    const { app, predict } = await watchedApp();
    const students = Array.from({ length: 70 }, (_, i) => ({ ...EXAMPLE_STUDENT, ieg: i / 10 }));
    const ids = students.map((_, i) => (i % 7 === 3 ? null : `linha-${i + 1}`));
    const instances = students.map((s, i) => (ids[i] === null ? s : { id: ids[i], ...s }));
    const withIds = await predict({ instances });
    expect(withIds.statusCode).toBe(200);
    const predictions = withIds.json().predictions as Array<Record<string, unknown>>;
    expect(predictions.map((p) => p.id ?? null)).toEqual(ids);
    expect(Object.keys(predictions[0]!)[0]).toBe('id');
    const plain = (await predict({ instances: students })).json().predictions as Array<
      Record<string, unknown>
    >;
    expect(predictions.map(({ id: _id, ...rest }) => rest)).toEqual(plain);
    const alone = (await predict(EXAMPLE_STUDENT)).json();
    expect((await predict({ id: '17', ...EXAMPLE_STUDENT })).json()).toEqual({ id: '17', ...alone });
    // `id: null` is the same as no id.
    expect((await predict({ id: null, ...EXAMPLE_STUDENT })).json()).toEqual(alone);
    await app.close();
  });

  it('a bad id is refused without echo: its format, a CPF/RA/date shape, or twice in a batch', async () => {
    const { app, predict } = await watchedApp();
    const cases: Array<[unknown, string]> = [
      ['Maria Souza', 'id_format'],
      [17, 'id_format'],
      ['', 'id_format'],
      ['12345678909', 'id_personal'],
      ['RA-1156', 'id_personal'],
      ['Aluno-1156', 'id_personal'],
      ['2012-03-17', 'id_personal'],
    ];
    for (const [id, rule] of cases) {
      const r = await predict({ ...EXAMPLE_STUDENT, id });
      expect(r.statusCode, String(id)).toBe(422);
      expect(r.json().error, String(id)).toMatchObject({
        code: 'DEF_ERR_API_INVALID_STUDENT_ID',
        details: { field: 'id', rule },
      });
      if (String(id).length > 2) expect(r.body, String(id)).not.toContain(String(id));
    }
    const batch = await predict({
      instances: [
        { id: 'a1', ...EXAMPLE_STUDENT },
        { id: '123-456-789-09', ...EXAMPLE_STUDENT },
        { id: 'b2', ...EXAMPLE_STUDENT },
        { id: 'a1', ...EXAMPLE_STUDENT },
        { id: 'a1', ...EXAMPLE_STUDENT },
      ],
    });
    expect(batch.statusCode).toBe(422);
    expect(batch.body).not.toContain('123-456');
    expect(batch.body).not.toContain('"a1"');
    expect(
      (batch.json().error.details.problems as Array<Problem & { first?: number }>).map((p) => [
        p.student,
        p.code,
        p.rule,
        p.first,
      ]),
    ).toEqual([
      [2, 'DEF_ERR_API_INVALID_STUDENT_ID', 'id_personal', undefined],
      [4, 'DEF_ERR_API_INVALID_STUDENT_ID', 'id_duplicate', 1],
      [5, 'DEF_ERR_API_INVALID_STUDENT_ID', 'id_duplicate', 1],
    ]);
    // Other spellings of an id key are still personal identifier keys, refused as before.
    for (const key of ['ID', 'student_id', 'idAluno']) {
      const r = await predict({ ...EXAMPLE_STUDENT, [key]: 'x1' });
      expect(r.json().error, key).toMatchObject({ code: 'DEF_ERR_API_PII_FIELD', details: { stem: 'id' } });
    }
    await app.close();
  });

  it('never reaches the logs or the prediction observer', async () => {
    const { app, lines, events, predict } = await watchedApp();
    const ids = ['zq-id-one', 'zq-id-two', 'zq-id-three'];
    const ok = await predict({ instances: ids.map((id) => ({ id, ...EXAMPLE_STUDENT })) });
    expect(ok.json().predictions.map((p: { id: string }) => p.id)).toEqual(ids);
    expect((await predict({ id: 'zq-id-single', ...EXAMPLE_STUDENT })).statusCode).toBe(200);
    // Refused batches (a bad field beside a good id; a duplicate) are logged as rejected requests.
    await predict({ instances: [{ id: 'zq-id-four', ...EXAMPLE_STUDENT, fase: 'x' }] });
    await predict({
      instances: [
        { id: 'zq-id-five', ...EXAMPLE_STUDENT },
        { id: 'zq-id-five', ...EXAMPLE_STUDENT },
      ],
    });
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.records.length)).toEqual([3, 1]);
    for (const e of events) for (const rec of e.records) expect(Object.keys(rec)).not.toContain('id');
    const observed = JSON.stringify(events);
    // The request log of every request (debug level logs successful ones too) and nothing else.
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const logged = lines.join('');
    for (const text of [observed, logged]) expect(text).not.toMatch(/zq-id/);
    await app.close();
  });
});
