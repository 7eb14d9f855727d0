/**
 * Triton's own Python clients (tritonclient.http and .aio, from their source) against a real server
 * on loopback: every call of scripts/golden/tritonclient_capture.py `probe`, with the client's
 * defaults (no Content-Type, binary tensors, NaN for missing values, gzip and deflate).
 *
 * Opt-in: needs the client's Python package (set TRITONCLIENT_SRC to <client checkout>/src/python/
 * library, see src/serve/testing/tritonclient/README.md) and Debian's python3-numpy, python3-rapidjson,
 * python3-geventhttpclient, python3-gevent and python3-aiohttp for /usr/bin/python3.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealServer, startRealServer } from '../testing/tritonclient/server.js';
import { REFUSED, ROWS, STUDENTS } from '../testing/tritonclient/students.js';

const SRC = process.env.TRITONCLIENT_SRC;
const available = !!SRC && existsSync(path.join(SRC, 'tritonclient')) && existsSync('/usr/bin/python3');
if (!available)
  console.warn(
    `\n*** TRITONCLIENT_SRC ${SRC ? `(${SRC}) has no tritonclient/` : 'not set'}: the real tritonclient tests SKIPPED ***\n`,
  );

interface ProbeResult {
  client: 'http' | 'aio';
  scenario: string;
  result: {
    returned?: unknown;
    raised?: string;
    status?: string;
    message?: unknown;
    response?: {
      id?: string;
      model_version?: string;
      outputs?: Array<{ name: string; parameters?: { binary_data_size?: number } }>;
    };
    as_numpy?: Record<string, { dtype: string; shape: number[]; element_type: string; values: unknown[] }>;
  };
}

const SCRIPT = new URL('../../../scripts/golden/tritonclient_capture.py', import.meta.url).pathname;

describe.skipIf(!available)('the real tritonclient against a real server', () => {
  let server: RealServer;
  let results: ProbeResult[] = [];
  beforeAll(async () => {
    server = await startRealServer();
    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      [SCRIPT, 'probe', '--url', `127.0.0.1:${server.port}`],
      { env: { ...process.env, TRITONCLIENT_SRC: SRC }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
    );
    results = JSON.parse(stdout);
  }, 240_000);
  afterAll(async () => server?.close());

  const predictScores = async (students: Array<Record<string, unknown>>) => {
    const r = await server.app.inject({ method: 'POST', url: '/predict', payload: { instances: students } });
    return r.json().predictions.map((p: { risk_score: number }) => p.risk_score);
  };

  it('both clients ran every call', () => {
    expect(results.filter((r) => r.client === 'http')).toHaveLength(25);
    expect(results.filter((r) => r.client === 'aio')).toHaveLength(25);
  });

  it('every call with the client defaults succeeds; infer scores equal /predict for the same students', async () => {
    for (const { client, scenario, result } of results) {
      const what = `${client} ${scenario}: ${JSON.stringify(result).slice(0, 300)}`;
      if (
        REFUSED.has(scenario) ||
        scenario.startsWith('infer_missing') ||
        scenario.startsWith('infer_unknown')
      )
        continue;
      expect(result.raised, what).toBeUndefined();
      if (scenario.startsWith('is_')) expect(result.returned, what).toBe(true);
      const rows = ROWS[scenario];
      if (!rows && scenario !== 'infer_json_with_content_type') continue;
      const scores = result.as_numpy!.risk_score!;
      expect(scores.dtype).toBe('float64');
      expect(scores.values, what).toEqual(await predictScores(STUDENTS[rows ?? 'plain']));
      // BYTES are bytes when answered in binary, str when answered in JSON `data`.
      const band = result.response!.outputs!.find((o) => o.name === 'risk_band');
      if (band)
        expect(result.as_numpy!.risk_band!.element_type, what).toBe(
          band.parameters?.binary_data_size !== undefined ? 'bytes' : 'str',
        );
    }
  });

  it('refusals reach the client as the protocol says: status and message', () => {
    const of = (scenario: string) => results.filter((r) => r.scenario === scenario).map((r) => r.result);
    for (const r of of('infer_missing_required'))
      expect(r).toMatchObject({ status: '400', message: expect.stringContaining('"fase"') });
    for (const r of of('infer_unknown_tensor'))
      expect(r).toMatchObject({ status: '400', message: expect.stringContaining('"escola"') });
    for (const r of of('infer_unknown_model'))
      expect(r).toMatchObject({ status: '404', message: expect.any(String) });
    for (const s of REFUSED)
      for (const r of of(s))
        expect(r).toMatchObject({ status: '400', message: expect.stringContaining('"genero"') });
  });

  it('binary outputs come back as bytes, the id as sent, and config and stats answer', () => {
    const one = (scenario: string) =>
      results.find((r) => r.client === 'http' && r.scenario === scenario)!.result;
    expect(one('infer_binary_outputs').as_numpy!.risk_band!.element_type).toBe('bytes');
    expect(one('infer_json').as_numpy!.risk_band!.element_type).toBe('str');
    expect(one('infer_id_parameters').response!.id).toBe('lote-1');
    expect(one('get_model_config').returned).toMatchObject({ name: 'defasagem', max_batch_size: 0 });
    expect(one('get_inference_statistics').returned).toMatchObject({ model_stats: [{ name: 'defasagem' }] });
  });
});
