import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../core/error-base.js';
import { decodeContent, parseHeaderJson, responseCoding, splitBody } from './body.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as AppError).code;
  }
  return null;
};

describe('the bytes around the JSON', () => {
  const json = Buffer.from('{"inputs":[]}');

  it('undoes gzip (also x-gzip) and deflate (zlib-wrapped, as Python zlib.compress writes it)', () => {
    expect(decodeContent(zlib.gzipSync(json), 'gzip', 1000)).toEqual(json);
    expect(decodeContent(zlib.gzipSync(json), 'X-Gzip', 1000)).toEqual(json);
    expect(decodeContent(zlib.deflateSync(json), ' deflate ', 1000)).toEqual(json);
    expect(decodeContent(json, undefined, 1000)).toBe(json);
    expect(decodeContent(json, 'identity', 1000)).toBe(json);
  });

  it('refuses a zip bomb at the limit, a corrupt body and an unknown coding', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(codeOf(() => decodeContent(bomb, 'gzip', 1024 * 1024))).toBe('DEF_ERR_API_BODY_TOO_LARGE');
    expect(codeOf(() => decodeContent(zlib.deflateSync(Buffer.alloc(2048)), 'deflate', 1024))).toBe(
      'DEF_ERR_API_BODY_TOO_LARGE',
    );
    expect(codeOf(() => decodeContent(json, 'gzip', 1000))).toBe('DEF_ERR_OIP_INVALID_BODY');
    expect(codeOf(() => decodeContent(json, 'br', 1000))).toBe('DEF_ERR_OIP_UNSUPPORTED_ENCODING');
    expect(codeOf(() => decodeContent(json, 'gzip, br', 1000))).toBe('DEF_ERR_OIP_UNSUPPORTED_ENCODING');
  });

  it('splits at Inference-Header-Content-Length, which must be a byte count within the body', () => {
    const body = Buffer.concat([json, Buffer.from([1, 2, 3])]);
    const { json: head, binary } = splitBody(body, String(json.length));
    expect(head).toEqual(json);
    expect([...binary]).toEqual([1, 2, 3]);
    expect(splitBody(body, undefined).binary.length).toBe(0);
    expect(splitBody(body, String(body.length)).binary.length).toBe(0);
    for (const bad of ['', '-1', '1.5', '0x10', String(body.length + 1), '99999999999999999999'])
      expect(
        codeOf(() => splitBody(body, bad)),
        bad,
      ).toBe('DEF_ERR_OIP_INVALID_BODY');
  });

  it('reads the JSON header as Triton does: bare NaN is a missing value, ±Infinity stays infinite', () => {
    expect(parseHeaderJson(Buffer.from('{"data":[6.2,NaN,-NaN]}'))).toEqual({ data: [6.2, null, null] });
    expect(parseHeaderJson(Buffer.from('{"data":[Infinity,-Infinity,Inf,-Inf]}'))).toEqual({
      data: [Infinity, -Infinity, Infinity, -Infinity],
    });
    // Inside a string the same letters are text, escaped quotes included.
    expect(parseHeaderJson(Buffer.from('{"id":"NaN \\"Inf\\" x","v":NaN}'))).toEqual({
      id: 'NaN "Inf" x',
      v: null,
    });
    expect(parseHeaderJson(Buffer.alloc(0))).toBeUndefined();
  });

  it('refuses what is not JSON without quoting it, and says when it looks compressed', () => {
    let err: AppError | null = null;
    try {
      parseHeaderJson(Buffer.from('{"fase": Maria Souza}'));
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.code).toBe('DEF_ERR_API_MALFORMED_JSON');
    expect(JSON.stringify(err?.toJSON())).not.toContain('Maria');
    expect(codeOf(() => parseHeaderJson(Buffer.from('{"v":NaNa}')))).toBe('DEF_ERR_API_MALFORMED_JSON');
    expect(codeOf(() => parseHeaderJson(zlib.gzipSync(json)))).toBe('DEF_ERR_OIP_INVALID_BODY');
  });

  it('chooses the response coding from Accept-Encoding', () => {
    expect(responseCoding(undefined)).toBeNull();
    expect(responseCoding('gzip, deflate')).toBe('gzip');
    expect(responseCoding('deflate')).toBe('deflate');
    expect(responseCoding('deflate;q=1, gzip;q=0.5')).toBe('deflate');
    expect(responseCoding('gzip;q=0, deflate;q=0')).toBeNull();
    expect(responseCoding('br, identity')).toBeNull();
    expect(responseCoding('*')).toBeNull();
  });
});
