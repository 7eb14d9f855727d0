import zlib from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { inProcessApp, makeApp } from '../testing/support.js';
import { type ClientInferResult, clientInferResult } from '../testing/tritonclient/replay.js';

// A version no literal in the code could match: GET /v2 must report the package's own.
vi.mock('../../core/version.js', () => ({ VERSION: '7.8.9-test' }));

const INFER = '/v2/models/defasagem/infer';
type Data = unknown[];
const tensor = (name: string, datatype: string, data: Data) => ({
  name,
  datatype,
  shape: [data.length],
  data,
});
const REQUIRED = [tensor('fase', 'INT64', [3, 5]), tensor('defasagem', 'INT64', [-2, 1])];

/** A request with binary tensors: the JSON header, then each tensor's bytes, as the client lays it out. */
function binaryRequest(header: Record<string, unknown>, parts: Buffer[]) {
  const json = Buffer.from(JSON.stringify(header));
  return {
    payload: Buffer.concat([json, ...parts]),
    headers: { 'inference-header-content-length': String(json.length) },
  };
}
const f64 = (...v: number[]) => Buffer.from(new Float64Array(v).buffer);
const i64 = (...v: number[]) => Buffer.from(new BigInt64Array(v.map(BigInt)).buffer);
const i32 = (...v: number[]) => Buffer.from(new Int32Array(v).buffer);
const bytes = (...v: string[]) =>
  Buffer.concat(
    v.flatMap((s) => {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      return [len, b];
    }),
  );
const asClient = (r: LightMyRequestResponse) =>
  clientInferResult({
    status: r.statusCode,
    headers: r.headers as Record<string, string>,
    body: r.rawPayload,
  });

describe('OIP v2 routes', () => {
  const lines: string[] = [];
  const app = inProcessApp({}, lines);
  const infer = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: INFER, payload: payload as string, headers });
  const predictScores = async (instances: unknown[]) =>
    (await app.inject({ method: 'POST', url: '/predict', payload: { instances } }))
      .json()
      .predictions.map((p: { risk_score: number }) => p.risk_score);

  it('OIP v2: health, server and model metadata, infer with named tensors', async () => {
    expect((await app.inject({ url: '/v2/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v2/health/ready' })).json()).toEqual({ ready: true });
    expect((await app.inject({ url: '/v2/models/defasagem/ready' })).statusCode).toBe(200);
    const meta = (await app.inject({ url: '/v2/models/defasagem' })).json();
    expect(meta).toMatchObject({ name: 'defasagem', versions: ['v1.0.0'] });
    expect(meta.inputs.find((i: { name: string }) => i.name === 'genero').datatype).toBe('BYTES');
    const body = {
      id: 'req-1',
      inputs: [
        tensor('fase', 'INT64', [3, 5]),
        { name: 'defasagem', datatype: 'INT64', shape: [2, 1], data: [[-2], [1]] },
        tensor('ida', 'FP32', [4.5, null]),
        tensor('genero', 'BYTES', ['feminino', 'masculino']),
      ],
    };
    const r = await infer(body);
    expect(r.statusCode).toBe(200);
    const out = r.json();
    expect(Object.keys(out)).toEqual(['id', 'model_name', 'model_version', 'outputs']);
    expect(out).toMatchObject({ model_name: 'defasagem', model_version: 'v1.0.0', id: 'req-1' });
    expect(out.outputs.map((o: { name: string }) => o.name)).toEqual([
      'risk_score',
      'risk_label',
      'risk_band',
    ]);
    expect(out.outputs[0]).toMatchObject({ datatype: 'FP64', shape: [2] });
    // The same students through /predict give the same scores.
    expect(
      await predictScores([
        { fase: 3, defasagem: -2, ida: 4.5, genero: 'feminino' },
        { fase: 5, defasagem: 1, genero: 'masculino' },
      ]),
    ).toEqual(out.outputs[0].data);
    // Rules across fields hold for tensors too, naming the row.
    const order = await infer({
      inputs: [
        ...body.inputs,
        tensor('ano_base', 'INT64', [2023, 2023]),
        tensor('ano_ingresso', 'INT64', [2020, 2024]),
      ],
    });
    expect(order.statusCode).toBe(400);
    expect(order.json()).toMatchObject({
      code: 'DEF_ERR_OIP_INVALID_VALUE',
      details: { field: 'ano_ingresso', rule: 'order', index: 1 },
    });
    const pinned = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/versions/1.0.0/infer',
      payload: { ...body, outputs: [{ name: 'risk_band' }] },
    });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json().outputs).toHaveLength(1);
  });

  it('GET /v2 reports the server name, the package version and the extensions served', async () => {
    const r = await app.inject({ url: '/v2' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      name: 'defasagem',
      version: '7.8.9-test',
      extensions: ['binary_tensor_data', 'model_configuration'],
    });
  });

  it('infer reads the body whatever its Content-Type, as Triton does; /predict still takes JSON only', async () => {
    const text = JSON.stringify({ inputs: REQUIRED });
    const expected = (await infer({ inputs: REQUIRED })).json();
    for (const headers of [
      {} as Record<string, string>,
      { 'content-type': 'application/octet-stream' },
      { 'content-type': 'text/plain' },
    ]) {
      const r = await infer(text, headers);
      expect(r.statusCode, JSON.stringify(headers)).toBe(200);
      expect(r.json()).toEqual(expected);
    }
    const predict = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: JSON.stringify({ fase: 3, defasagem: -1 }),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(predict.statusCode).toBe(415);
  });

  it('every /v2 answer in JSON, errors too, is {"error": "<message>"} under exactly application/json', async () => {
    const cases: Array<[string, Promise<LightMyRequestResponse>, number]> = [
      ['bad tensor', infer({ inputs: [] }), 400],
      ['not JSON', infer('{"inputs": Maria}'), 400],
      ['empty body', infer(''), 400],
      ['unknown /v2 path', app.inject({ url: '/v2/nope' }), 404],
      ['wrong method', app.inject({ method: 'POST', url: '/v2/health/live', payload: '{}' }), 404],
      ['unknown model', app.inject({ method: 'POST', url: '/v2/models/nope/infer', payload: '{}' }), 404],
      ['unknown coding', infer('{}', { 'content-encoding': 'br' }), 415],
    ];
    for (const [name, pending, status] of cases) {
      const r = await pending;
      expect(r.statusCode, name).toBe(status);
      expect(r.headers['content-type'], name).toBe('application/json');
      expect(typeof r.json().error, name).toBe('string');
      expect(r.headers['x-request-id'], name).toBeTruthy();
    }
    for (const url of ['/v2', '/v2/health/ready', '/v2/models/defasagem', '/v2/models/defasagem/config'])
      expect((await app.inject({ url })).headers['content-type'], url).toBe('application/json');
    expect((await infer({ inputs: REQUIRED })).headers['content-type']).toBe('application/json');
  });

  it('missing and unknown tensors are 400, as the protocol servers answer', async () => {
    const missing = await infer({ inputs: [REQUIRED[1]] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'DEF_ERR_OIP_MISSING_INPUT',
      error: expect.stringContaining('"fase"'),
      details: { field: 'fase', rule: 'required' },
    });
    const unknown = await infer({ inputs: [...REQUIRED, tensor('escola', 'BYTES', ['a', 'b'])] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'DEF_ERR_OIP_UNKNOWN_INPUT', details: { field: 'escola' } });
    const freeText = await infer({ inputs: [...REQUIRED, tensor('Maria da Silva', 'BYTES', ['a', 'b'])] });
    expect(freeText.json()).toMatchObject({ code: 'DEF_ERR_OIP_UNKNOWN_INPUT', details: { field: null } });
    expect(freeText.body).not.toContain('Maria');
    const range = await infer({ inputs: [...REQUIRED, tensor('ida', 'FP64', [6, 11])] });
    expect(range.statusCode).toBe(400);
    expect(range.json()).toMatchObject({
      code: 'DEF_ERR_OIP_INVALID_VALUE',
      details: { field: 'ida', rule: 'maximum', index: 1 },
    });
  });

  it('every element must be a value of its declared datatype: the tensor and the rule named, never the value', async () => {
    const cases: Array<[string, string, Data, string, number]> = [
      ['defasagem', 'INT64', [1, 5.8], 'is not a whole number', 1],
      ['ano_base', 'INT8', [2024, 2023], 'is out of its range', 0],
      ['defasagem', 'UINT8', [1, -1], 'is out of its range', 1],
      ['ida', 'FP32', [6, 1e39], 'is out of its range', 1],
      ['ida', 'FP16', [70_000, 6], 'is out of its range', 0],
      ['fase', 'INT64', ['3', 5], 'is not a number', 0],
      ['genero', 'BYTES', ['feminino', 3], 'is not a string', 1],
    ];
    for (const [name, datatype, data, why, index] of cases) {
      const r = await infer({
        inputs: [...REQUIRED.filter((t) => t.name !== name), tensor(name, datatype, data)],
      });
      expect(r.statusCode, `${name} ${datatype}`).toBe(400);
      expect(r.json()).toMatchObject({
        code: 'DEF_ERR_API_INVALID_TENSOR',
        error: `Input "${name}" has an element that ${why}, which datatype ${datatype} requires (element ${index}).`,
        details: { field: name, rule: 'datatype_value', datatype, index },
      });
      for (const v of ['5.8', '2024', '1e+39', '70000', '"3"']) expect(r.body).not.toContain(v);
    }
  });

  it('the request id: a safe opaque id comes back, anything else is refused and never echoed nor logged', async () => {
    expect((await infer({ id: 'lote_1-A', inputs: REQUIRED })).json().id).toBe('lote_1-A');
    expect((await infer({ inputs: REQUIRED })).json()).not.toHaveProperty('id');
    for (const id of ['Maria da Silva', '123.456.789-09', 'x'.repeat(65), '', 7]) {
      const r = await infer({ id, inputs: REQUIRED });
      expect(r.statusCode, String(id)).toBe(400);
      expect(r.json().details).toEqual({ field: 'id', rule: 'id' });
      if (typeof id === 'string' && id) expect(r.body).not.toContain(id);
    }
    expect(lines.join('')).not.toContain('Maria');
    expect(lines.join('')).not.toContain('123.456');
  });

  it('a version that is not loaded is a 404 that never names the loaded version', async () => {
    const base = '/v2/models/defasagem/versions/v9.9.9';
    for (const [method, url] of [
      ['GET', `${base}/ready`],
      ['GET', base],
      ['GET', `${base}/config`],
      ['GET', `${base}/stats`],
      ['POST', `${base}/infer`],
    ] as const) {
      const r = await app.inject({
        method,
        url,
        payload: method === 'POST' ? { inputs: REQUIRED } : undefined,
      });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().code, url).toBe('DEF_ERR_API_VERSION_NOT_LOADED');
      expect(r.body, url).not.toMatch(/1\.0\.0/);
    }
  });

  it('binary tensors in, binary outputs out: NaN and an empty BYTES element are missing values', async () => {
    const header = {
      inputs: [
        { name: 'fase', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
        { name: 'defasagem', datatype: 'INT32', shape: [2, 1], parameters: { binary_data_size: 8 } },
        tensor('ieg', 'FP64', [7.5, 5]), // JSON and binary inputs mix
        { name: 'ida', datatype: 'FP64', shape: [2], parameters: { binary_data_size: 16 } },
        { name: 'genero', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 16 } },
      ],
      outputs: [
        { name: 'risk_band', parameters: { binary_data: true } },
        { name: 'risk_score', parameters: { binary_data: true } },
        { name: 'risk_label', parameters: { binary_data: false } },
      ],
    };
    const { payload, headers } = binaryRequest(header, [
      i64(3, 5),
      i32(-2, 1),
      f64(Number.NaN, 6.2),
      bytes('', 'feminino'),
    ]);
    const r = await infer(payload, headers);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    const client = asClient(r) as ClientInferResult;
    expect(client.response.outputs.map((o) => o.name)).toEqual(['risk_band', 'risk_score', 'risk_label']);
    expect(['alto', 'medio', 'baixo']).toContain((client.asNumpy.risk_band!.values[0] as Buffer).toString());
    expect(client.asNumpy.risk_label).toMatchObject({ binary: false, shape: [2] });
    expect(client.asNumpy.risk_score!.values).toEqual(
      await predictScores([
        { fase: 3, defasagem: -2, ieg: 7.5, ida: null, genero: null },
        { fase: 5, defasagem: 1, ieg: 5, ida: 6.2, genero: 'feminino' },
      ]),
    );
    // No output named and binary_data_output: every output in binary (the client's default infer()).
    const all = binaryRequest({ inputs: header.inputs, parameters: { binary_data_output: true } }, [
      i64(3, 5),
      i32(-2, 1),
      f64(1, 2),
      bytes('', 'feminino'),
    ]);
    const allBinary = asClient(await infer(all.payload, all.headers)) as ClientInferResult;
    expect(Object.values(allBinary.asNumpy).map((t) => t.binary)).toEqual([true, true, true]);
    expect(allBinary.asNumpy.risk_band!.values.every((v) => Buffer.isBuffer(v))).toBe(true);
  });

  it('binary framing errors are 400s that say what does not add up', async () => {
    const fase = { name: 'fase', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } };
    const defas = tensor('defasagem', 'INT64', [-1, 0]);
    const notUtf8 = { name: 'genero', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 10 } };
    const send = (inputs: unknown[], parts: Buffer[], length?: string) => {
      const req = binaryRequest({ inputs }, parts);
      return infer(
        req.payload,
        length === undefined ? req.headers : { 'inference-header-content-length': length },
      );
    };
    const cases: Array<[string, Promise<LightMyRequestResponse>, string, string]> = [
      ['too few bytes', send([fase, defas], [i64(3)]), 'DEF_ERR_API_INVALID_TENSOR', 'binary_size'],
      [
        'bytes left over',
        send([fase, defas], [i64(3, 4), i64(1)]),
        'DEF_ERR_API_INVALID_TENSOR',
        'binary_size',
      ],
      [
        'no header length',
        infer(binaryRequest({ inputs: [fase, defas] }, [i64(3, 4)]).payload),
        'DEF_ERR_API_MALFORMED_JSON',
        'json',
      ],
      [
        'header length too long',
        send([fase, defas], [i64(3, 4)], '99999'),
        'DEF_ERR_OIP_INVALID_BODY',
        'inference_header_content_length',
      ],
      [
        'size of another type',
        send([{ ...fase, parameters: { binary_data_size: 8 } }, defas], [i64(3)]),
        'DEF_ERR_API_INVALID_TENSOR',
        'binary_size',
      ],
      [
        'data and binary',
        send([{ ...fase, data: [1, 2] }, defas], [i64(3, 4)]),
        'DEF_ERR_API_INVALID_TENSOR',
        'binary_data_size',
      ],
      [
        'negative size',
        send([{ ...fase, parameters: { binary_data_size: -1 } }, defas], []),
        'DEF_ERR_API_INVALID_TENSOR',
        'binary_data_size',
      ],
      [
        'BYTES not UTF-8',
        send([tensor('fase', 'INT64', [3, 4]), defas, notUtf8], [Buffer.from('010000006101000000ff', 'hex')]),
        'DEF_ERR_API_INVALID_TENSOR',
        'utf8',
      ],
    ];
    for (const [name, pending, code, rule] of cases) {
      const r = await pending;
      expect(r.statusCode, name).toBe(400);
      expect(r.json(), name).toMatchObject({ code, details: { rule } });
    }
  });

  it('the JSON NaN token is a missing value; Infinity is refused', async () => {
    const text = JSON.stringify({ inputs: [...REQUIRED, tensor('ida', 'FP64', [6.2, 0])] }).replace(
      '6.2',
      'NaN',
    );
    const r = await infer(text);
    expect(r.statusCode).toBe(200);
    expect(r.json().outputs[0].data).toEqual(
      await predictScores([
        { fase: 3, defasagem: -2 },
        { fase: 5, defasagem: 1, ida: 0 },
      ]),
    );
    const inf = await infer(text.replace('NaN', 'Infinity'));
    expect(inf.statusCode).toBe(400);
    expect(inf.json()).toMatchObject({
      code: 'DEF_ERR_OIP_INVALID_VALUE',
      details: { field: 'ida', rule: 'finite' },
    });
  });

  it('gzip and deflate bodies are decoded; a zip bomb and unknown codings are refused', async () => {
    const text = Buffer.from(JSON.stringify({ inputs: REQUIRED }));
    const plain = (await infer(text)).json();
    expect((await infer(zlib.gzipSync(text), { 'content-encoding': 'gzip' })).json()).toEqual(plain);
    expect((await infer(zlib.deflateSync(text), { 'content-encoding': 'deflate' })).json()).toEqual(plain);
    const bomb = await infer(zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 32)), {
      'content-encoding': 'gzip',
    });
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().code).toBe('DEF_ERR_API_BODY_TOO_LARGE');
    const br = await infer(text, { 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
    expect(br.headers['accept-encoding']).toBe('gzip, deflate');
    expect(br.json().code).toBe('DEF_ERR_OIP_UNSUPPORTED_ENCODING');
    const undeclared = await infer(zlib.gzipSync(text));
    expect(undeclared.json()).toMatchObject({
      code: 'DEF_ERR_OIP_INVALID_BODY',
      error: expect.stringContaining('gzip'),
    });
  });

  it('answers are compressed when Accept-Encoding asks and they are over 1 KiB', async () => {
    const n = 200;
    const big = {
      inputs: [tensor('fase', 'INT64', Array(n).fill(3)), tensor('defasagem', 'INT64', Array(n).fill(-1))],
    };
    const plain = await infer(big);
    for (const coding of ['gzip', 'deflate']) {
      const r = await infer(big, { 'accept-encoding': coding });
      expect(r.headers['content-encoding']).toBe(coding);
      const body = coding === 'gzip' ? zlib.gunzipSync(r.rawPayload) : zlib.inflateSync(r.rawPayload);
      expect(body).toEqual(plain.rawPayload);
    }
    expect(
      (await infer({ inputs: REQUIRED }, { 'accept-encoding': 'gzip' })).headers['content-encoding'],
    ).toBeUndefined();
  });

  it('config and stats answer in the formats Triton tools read, with real counters', async () => {
    const { app: fresh } = await makeApp();
    const meta = (await fresh.inject({ url: '/v2/models/defasagem' })).json();
    const config = (await fresh.inject({ url: '/v2/models/defasagem/versions/v1.0.0/config' })).json();
    expect(config).toMatchObject({ name: 'defasagem', max_batch_size: 0 });
    expect(config.input.map((i: { name: string }) => i.name)).toEqual(
      meta.inputs.map((i: { name: string }) => i.name),
    );
    const fase = config.input.find((i: { name: string }) => i.name === 'fase');
    expect(fase).toMatchObject({
      data_type: 'TYPE_INT64',
      dims: [-1],
      optional: false,
      is_shape_tensor: false,
    });
    expect(config.input.find((i: { name: string }) => i.name === 'genero')).toMatchObject({
      data_type: 'TYPE_STRING',
      optional: true,
    });
    expect(config.output.map((o: { data_type: string }) => o.data_type)).toEqual([
      'TYPE_FP64',
      'TYPE_INT32',
      'TYPE_STRING',
    ]);
    const post = (inputs: unknown[]) => fresh.inject({ method: 'POST', url: INFER, payload: { inputs } });
    await post(REQUIRED);
    await post([tensor('fase', 'INT64', [1, 2, 3]), tensor('defasagem', 'INT64', [0, 0, 0])]);
    await post([tensor('fase', 'INT64', [1])]); // missing defasagem: a failure
    for (const url of [
      '/v2/models/defasagem/stats',
      '/v2/models/defasagem/versions/1.0.0/stats',
      '/v2/models/stats',
    ]) {
      const s = (await fresh.inject({ url })).json().model_stats[0];
      expect(s, url).toMatchObject({
        name: 'defasagem',
        version: 'v1.0.0',
        inference_count: 5,
        execution_count: 2,
      });
      expect(s.inference_stats.success.count).toBe(2);
      expect(s.inference_stats.fail.count).toBe(1);
      expect(s.inference_stats.compute_infer.ns).toBeGreaterThan(0);
      expect(s.last_inference).toBeGreaterThan(0);
    }
    await fresh.close();
  });
});
