import { describe, expect, it, vi } from 'vitest';
import { inProcessApp } from '../testing/support.js';

// A version no literal in the code could match: GET /v2 must report the package's own.
vi.mock('../../core/version.js', () => ({ VERSION: '7.8.9-test' }));

describe('OIP v2 routes', () => {
  const app = inProcessApp();

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
        { name: 'fase', datatype: 'INT64', shape: [2], data: [3, 5] },
        { name: 'defasagem', datatype: 'INT64', shape: [2, 1], data: [[-2], [1]] },
        { name: 'ida', datatype: 'FP32', shape: [2], data: [4.5, null] },
        { name: 'genero', datatype: 'BYTES', shape: [2], data: ['feminino', 'masculino'] },
      ],
    };
    const r = await app.inject({ method: 'POST', url: '/v2/models/defasagem/infer', payload: body });
    expect(r.statusCode).toBe(200);
    const out = r.json();
    expect(out).toMatchObject({ model_name: 'defasagem', model_version: 'v1.0.0', id: 'req-1' });
    expect(out.outputs.map((o: { name: string }) => o.name)).toEqual([
      'risk_score',
      'risk_label',
      'risk_band',
    ]);
    expect(out.outputs[0]).toMatchObject({ datatype: 'FP64', shape: [2] });
    // The same students through /predict give the same scores.
    const p = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: {
        instances: [
          { fase: 3, defasagem: -2, ida: 4.5, genero: 'feminino' },
          { fase: 5, defasagem: 1, genero: 'masculino' },
        ],
      },
    });
    expect(p.json().predictions.map((x: { risk_score: number }) => x.risk_score)).toEqual(
      out.outputs[0].data,
    );
    // Rules across fields hold for tensors too, naming the row.
    const order = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/infer',
      payload: {
        inputs: [
          ...body.inputs,
          { name: 'ano_base', datatype: 'INT64', shape: [2], data: [2023, 2023] },
          { name: 'ano_ingresso', datatype: 'INT64', shape: [2], data: [2020, 2024] },
        ],
      },
    });
    expect(order.statusCode).toBe(422);
    expect(order.json()).toMatchObject({
      code: 'DEF_ERR_API_INVALID_FIELD',
      details: { field: 'ano_ingresso', rule: 'order', index: 1 },
    });
    const pinned = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/versions/1.0.0/infer',
      payload: { ...body, outputs: [{ name: 'risk_band' }] },
    });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json().outputs).toHaveLength(1);
    const wrong = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/versions/v2.0.0/infer',
      payload: body,
    });
    expect(wrong.statusCode).toBe(404);
    expect(typeof wrong.json().error).toBe('string');
    expect(wrong.json().error).toContain('v1.0.0');
  });

  it('GET /v2 reports the server name and the package version', async () => {
    const r = await app.inject({ url: '/v2' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ name: 'defasagem', version: '7.8.9-test', extensions: [] });
  });
});
