/**
 * Every request Triton's own Python clients sent (src/serve/testing/tritonclient: sync and aio, JSON
 * and binary tensors, NaN, BYTES, ids and parameters, gzip and deflate), replayed with its exact
 * headers and body bytes against a real server (a trained model, the whole app) over a raw socket on
 * loopback and in-process with app.inject. Each answer is read the way the client reads it
 * (replay.ts, written from the client's source): status 200, the JSON part at
 * Inference-Header-Content-Length, binary outputs after it, shapes that reshape, and scores equal
 * to /predict's for the same students.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAPTURES,
  type Capture,
  type ClientInferResult,
  clientError,
  clientInferResult,
  clientJsonHeader,
  exchange,
  type RawAnswer,
  requestBody,
  wireBytes,
} from '../testing/tritonclient/replay.js';
import { type RealServer, startRealServer } from '../testing/tritonclient/server.js';
import { BANDS, capture, kindOf, REFUSED, ROWS, STUDENTS } from '../testing/tritonclient/students.js';

/** The outputs the request asked for and whether each was asked in binary (the client's rules). */
function askedOutputs(c: Capture): Array<[string, boolean]> {
  const h = clientJsonHeader(c) as {
    outputs?: Array<{ name: string; parameters?: { binary_data?: boolean } }>;
    parameters?: { binary_data_output?: boolean };
  };
  const all = h.parameters?.binary_data_output === true;
  if (!h.outputs) return ['risk_score', 'risk_label', 'risk_band'].map((n) => [n, all]);
  return h.outputs.map((o) => [o.name, o.parameters?.binary_data ?? all]);
}

function checkInfer(c: Capture, a: RawAnswer): void {
  const result = clientInferResult(a) as ClientInferResult;
  expect(result.raised, c.id).toBe(false);
  const asked = askedOutputs(c);
  const anyBinary = asked.some(([, bin]) => bin);
  expect(a.headers['content-type'], c.id).toBe(anyBinary ? 'application/octet-stream' : 'application/json');
  expect(a.headers['inference-header-content-length'] !== undefined, c.id).toBe(anyBinary);
  expect(result.response).toMatchObject({ model_name: 'defasagem', model_version: 'v1.0.0' });
  const askedId = clientJsonHeader(c).id;
  if (askedId === undefined) expect(result.response).not.toHaveProperty('id');
  else expect(result.response.id).toBe(askedId);
  expect(result.response.outputs.map((o) => o.name)).toEqual(asked.map(([n]) => n));
  for (const [name, binary] of asked) {
    const t = result.asNumpy[name]!;
    expect(t.binary, `${c.id} ${name}`).toBe(binary);
    expect(t.shape).toEqual([3]);
    for (const v of t.values) {
      if (name === 'risk_score') expect(v as number).toBeGreaterThanOrEqual(0);
      if (name === 'risk_score') expect(v as number).toBeLessThanOrEqual(1);
      if (name === 'risk_label') expect([0, 1]).toContain(v);
      // BYTES come back as bytes when sent in binary, as str from JSON data.
      if (name === 'risk_band') expect(BANDS).toContain(binary ? (v as Buffer).toString('utf8') : v);
      if (name === 'risk_band') expect(Buffer.isBuffer(v)).toBe(binary);
    }
  }
}

/** The answer to `c` is one the client accepts (or, for "None" categories, a 400 it reads). */
function checkAnswer(c: Capture, a: RawAnswer): void {
  expect(a.headers['x-request-id'], c.id).toBeTruthy();
  if (REFUSED.has(c.scenario)) {
    expect(a.status, c.id).toBe(400);
    expect(a.headers['content-type']).toBe('application/json');
    const err = clientError(a)!;
    expect(err.message).toMatch(/^Input "genero" is not one of the allowed categories \(student 1\)/);
    expect(String(err.message)).not.toContain('None');
    return;
  }
  expect(a.status, `${c.id}: ${a.body.toString('utf8').slice(0, 200)}`).toBe(200);
  const kind = kindOf(c);
  if (kind === 'infer') {
    checkInfer(c, a);
    return;
  }
  expect(a.headers['content-type'], c.id).toBe('application/json');
  if (kind === 'json') expect(JSON.parse(a.body.toString('utf8')), c.id).toBeTypeOf('object');
}

describe('tritonclient captures replayed against a real server', () => {
  let server: RealServer;
  beforeAll(async () => {
    server = await startRealServer();
  }, 120_000);
  afterAll(async () => server?.close());

  const scoresOf = async (c: Capture) =>
    (clientInferResult(await exchange(server.port, wireBytes(c))) as ClientInferResult).asNumpy.risk_score!
      .values;
  const predictScores = async (students: Array<Record<string, unknown>>) => {
    const r = await server.app.inject({ method: 'POST', url: '/predict', payload: { instances: students } });
    expect(r.statusCode).toBe(200);
    return r.json().predictions.map((p: { risk_score: number }) => p.risk_score);
  };

  it('holds the 60 captures of both clients', () => {
    expect(CAPTURES).toHaveLength(60);
    expect(new Set(CAPTURES.map((c) => c.client))).toEqual(
      new Set(['tritonclient.http', 'tritonclient.http.aio']),
    );
    for (const c of CAPTURES.filter((x) => kindOf(x) === 'infer' && !REFUSED.has(x.scenario)))
      expect(ROWS[c.scenario], c.id).toBeDefined();
  });

  it.each(CAPTURES)('$id over a raw socket on loopback: answered as the client accepts', async (c) => {
    checkAnswer(c, await exchange(server.port, wireBytes(c)));
  });

  it.each(CAPTURES)('$id in-process (app.inject): answered as the client accepts', async (c) => {
    const r = await server.app.inject({
      method: c.request.method as 'GET' | 'POST',
      url: c.request.path,
      headers: Object.fromEntries(c.request.headers),
      ...(c.request.body ? { payload: requestBody(c) } : {}),
    });
    checkAnswer(c, {
      status: r.statusCode,
      headers: r.headers as Record<string, string>,
      body: r.rawPayload,
    });
  });

  it('every infer capture scores exactly what /predict scores for the same students', async () => {
    for (const c of CAPTURES) {
      const rows = ROWS[c.scenario];
      if (!rows) continue;
      expect(await scoresOf(c), c.id).toEqual(await predictScores(STUDENTS[rows]));
    }
  });

  it('a NaN sent in binary scores the same as /predict with that field null', async () => {
    expect(STUDENTS.missing.some((s) => s.ida === null) && STUDENTS.missing.some((s) => s.ipp === null)).toBe(
      true,
    );
    const nan = await scoresOf(capture('http-infer_binary_nan_fp64'));
    expect(nan).toEqual(await predictScores(STUDENTS.missing));
    // ...and not what the complete students score: the missing values mattered.
    expect(nan).not.toEqual(await predictScores(STUDENTS.plain));
  });

  it('get_model_config and get_inference_statistics answer what perf_analyzer reads', async () => {
    const meta = JSON.parse(
      (await exchange(server.port, wireBytes(capture('http-get_model_metadata')))).body.toString(),
    );
    const config = JSON.parse(
      (await exchange(server.port, wireBytes(capture('http-get_model_config')))).body.toString(),
    );
    expect(config.max_batch_size).toBe(0);
    expect(config.input.map((i: { name: string }) => i.name)).toEqual(
      meta.inputs.map((i: { name: string }) => i.name),
    );
    expect(config.output.map((o: { name: string }) => o.name)).toEqual(
      meta.outputs.map((o: { name: string }) => o.name),
    );
    const stats = JSON.parse(
      (await exchange(server.port, wireBytes(capture('aio-get_inference_statistics')))).body.toString(),
    );
    const s = stats.model_stats[0];
    expect(s).toMatchObject({ name: 'defasagem', version: 'v1.0.0' });
    expect(s.execution_count).toBeGreaterThan(0);
    expect(s.inference_count).toBe(3 * s.execution_count);
    for (const k of [
      'success',
      'queue',
      'compute_input',
      'compute_infer',
      'compute_output',
      'cache_hit',
      'cache_miss',
    ]) {
      expect(Number.isInteger(s.inference_stats[k].count), k).toBe(true);
      expect(Number.isInteger(s.inference_stats[k].ns), k).toBe(true);
    }
    expect(s.inference_stats.success.count).toBe(s.execution_count);
    expect(s.inference_stats.fail.count).toBeGreaterThan(0); // the "None" categories
  });
});
