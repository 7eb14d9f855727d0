/**
 * The bytes of an inference request and response around the JSON: Content-Encoding (gzip, deflate),
 * the split at Inference-Header-Content-Length, the JSON header as Triton reads it (rapidjson with
 * NaN and Infinity allowed, since Triton's Python client writes a bare `NaN` for a missing value),
 * and the response coding chosen from Accept-Encoding. Like Triton, the request's Content-Type is
 * never read: the body is JSON, or JSON followed by binary tensors when the header says so.
 */
import zlib from 'node:zlib';
import { AppError } from '../../core/error-base.js';
import { SERVE_ERRORS } from '../errors.js';
import { OIP_ERRORS } from './errors.js';

const tooLarge = () =>
  new AppError(
    SERVE_ERRORS.BODY_TOO_LARGE,
    'The request body is larger than the server accepts once decompressed.',
    {
      rule: 'body_limit',
    },
  );

/**
 * The body with its Content-Encoding undone; at most `limit` bytes come out (a small gzip body can
 * expand to gigabytes: decompression stops at the limit and the request is refused).
 */
export function decodeContent(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== 'deflate')
    throw new AppError(
      OIP_ERRORS.UNSUPPORTED_ENCODING,
      'The request body uses a Content-Encoding this server does not decode; send it uncompressed, gzip or deflate.',
      { rule: 'content_encoding', accepted: ['gzip', 'deflate'] },
    );
  try {
    return coding === 'deflate'
      ? zlib.inflateSync(body, { maxOutputLength: limit })
      : zlib.gunzipSync(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new AppError(OIP_ERRORS.INVALID_BODY, `The request body is not valid ${coding} data.`, {
      rule: 'content_encoding',
    });
  }
}

/** The JSON part and the binary part, split at Inference-Header-Content-Length (absent: all JSON). */
export function splitBody(body: Buffer, headerLength: string | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) };
  const n = /^\d{1,15}$/.test(headerLength.trim()) ? Number(headerLength.trim()) : Number.NaN;
  if (!(n >= 0 && n <= body.length))
    throw new AppError(
      OIP_ERRORS.INVALID_BODY,
      'Inference-Header-Content-Length must be a whole number of bytes no larger than the (decompressed) body.',
      { rule: 'inference_header_content_length' },
    );
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/** rapidjson's kParseNanAndInfFlag tokens outside strings: NaN (a missing value) and ±Inf(inity). */
const NON_FINITE = /-?(?:NaN|Infinity|Inf)/y;

/** The text with NaN → null and ±Infinity → ±1e999 (which JSON.parse reads as ±Infinity). */
function withoutNonFiniteTokens(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x4e || c === 0x49 || c === 0x2d) {
      NON_FINITE.lastIndex = i;
      const m = NON_FINITE.exec(text);
      if (!m) continue;
      out +=
        text.slice(from, i) + (m[0].endsWith('NaN') ? 'null' : m[0].startsWith('-') ? '-1e999' : '1e999');
      i += m[0].length - 1;
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

const GZIP_MAGIC = 0x1f8b;

/** The JSON header as an object, or the catalogue error; the parser's own message is never shown. */
export function parseHeaderJson(json: Buffer): unknown {
  if (json.length === 0) return undefined;
  const text = json.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    // Triton's parser accepts NaN and Infinity: only then is the slower rewrite worth it.
  }
  try {
    return JSON.parse(withoutNonFiniteTokens(text));
  } catch {
    if (json.length >= 2 && json.readUInt16BE(0) === GZIP_MAGIC)
      throw new AppError(
        OIP_ERRORS.INVALID_BODY,
        'The request body looks gzip-compressed but has no Content-Encoding: gzip header.',
        { rule: 'content_encoding' },
      );
    throw new AppError(SERVE_ERRORS.MALFORMED_JSON, 'The inference request header is not valid JSON.', {
      rule: 'json',
    });
  }
}

/** The response coding the client asked for in Accept-Encoding (highest q; gzip before deflate). */
export function responseCoding(acceptEncoding: string | undefined): 'gzip' | 'deflate' | null {
  if (!acceptEncoding) return null;
  let best: 'gzip' | 'deflate' | null = null;
  let bestQ = 0;
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'deflate') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (q > bestQ || (q === bestQ && q > 0 && name === 'gzip')) {
      best = name;
      bestQ = q;
    }
  }
  return bestQ > 0 ? best : null;
}

/** Responses smaller than this go out uncompressed: a gzip stream's setup costs more than it saves. */
export const COMPRESS_FROM_BYTES = 1024;

export function compress(body: Buffer, coding: 'gzip' | 'deflate'): Buffer {
  return coding === 'gzip' ? zlib.gzipSync(body) : zlib.deflateSync(body);
}
