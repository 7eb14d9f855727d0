/**
 * The tritonclient captures (index.json, bodies/) as a test reads them: each request's exact bytes on
 * the wire, a raw HTTP/1.1 exchange over a socket (no client library in between to add, reorder or
 * re-case a header), and what Triton's Python client makes of an answer — written from its source as
 * PROTOCOL-NOTES.md §2 describes it (tc/http/_utils.py `_get_error`, tc/http/_infer_result.py), not
 * from the server's code.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import zlib from 'node:zlib';

const HERE = new URL('./', import.meta.url);

export interface Capture {
  id: string;
  client: string;
  scenario: string;
  call: string;
  request: {
    method: string;
    path: string;
    /** In the order and letter case the client sent them. */
    headers: Array<[string, string]>;
    body: string | null;
    /** The JSON part as the client wrote it (may hold the bare NaN token). */
    json_header?: string;
  };
}

export const CAPTURES: Capture[] = JSON.parse(readFileSync(new URL('index.json', HERE), 'utf8')).captures;

export function requestBody(c: Capture): Buffer {
  return c.request.body ? readFileSync(new URL(c.request.body, HERE)) : Buffer.alloc(0);
}

/** The request exactly as the client put it on the wire: request line, its headers, its body. */
export function wireBytes(c: Capture): Buffer {
  const head = [
    `${c.request.method} ${c.request.path} HTTP/1.1`,
    ...c.request.headers.map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), requestBody(c)]);
}

export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a complete answer, or returns null while bytes are still missing. */
function parseAnswer(bytes: Buffer): RawAnswer | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const status = Number(statusLine!.split(' ')[1]);
  let rest = bytes.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) return null;
      const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (rest.length < eol + 2 + size + 2) return null;
      if (size === 0) return { status, headers, body: Buffer.concat(parts) };
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  return rest.length < length ? null : { status, headers, body: rest.subarray(0, length) };
}

/** Sends `bytes` to 127.0.0.1:`port` on a fresh connection and reads one answer. */
export function exchange(port: number, bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      const answer = parseAnswer(got);
      if (answer) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('end', () =>
      reject(new Error(`connection closed before a whole answer (${got.length} bytes)`)),
    );
    socket.write(bytes);
  });
}

/** What the client raises for a non-200 (`_get_error`): its message is the body's `error`. */
export interface ClientError {
  raised: true;
  status: string;
  /** `error` of the body; undefined when the client could not decode one (it then raises its own text). */
  message: unknown;
}

export interface ClientTensor {
  shape: number[];
  /** numpy's elements: numbers, strings (BYTES sent in JSON `data`) or Buffers (BYTES sent binary). */
  values: Array<number | string | Buffer>;
  binary: boolean;
}

export interface ClientInferResult {
  raised: false;
  response: Record<string, unknown> & { outputs: Array<Record<string, unknown>> };
  asNumpy: Record<string, ClientTensor>;
}

export function clientError(a: RawAnswer): ClientError | null {
  if (a.status === 200) return null;
  const text = a.body.toString('utf8');
  if (text.length === 0)
    return {
      raised: true,
      status: String(a.status),
      message: 'client received an empty response from the server.',
    };
  try {
    return {
      raised: true,
      status: String(a.status),
      message: (JSON.parse(text) as { error?: unknown }).error,
    };
  } catch {
    return { raised: true, status: String(a.status), message: undefined };
  }
}

/** `<uint32 LE length><bytes>` repeated (tc/utils deserialize_bytes_tensor). */
function bytesElements(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const len = buf.readUInt32LE(at);
    out.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

function fromBuffer(datatype: string, buf: Buffer): number[] {
  const size = datatype === 'FP64' ? 8 : datatype === 'INT32' ? 4 : 0;
  if (size === 0 || buf.length % size !== 0)
    throw new Error(`the client cannot read ${datatype} from ${buf.length} bytes`);
  return Array.from({ length: buf.length / size }, (_, i) =>
    size === 8 ? buf.readDoubleLE(i * 8) : buf.readInt32LE(i * 4),
  );
}

/** InferResult(response) then as_numpy(name) for every output, as the sync and aio clients do. */
export function clientInferResult(a: RawAnswer): ClientInferResult | ClientError {
  const err = clientError(a);
  if (err) return err;
  let body = a.body;
  const coding = a.headers['content-encoding'];
  if (coding === 'gzip') body = zlib.gunzipSync(body);
  else if (coding === 'deflate') body = zlib.inflateSync(body);
  const headerLength = a.headers['inference-header-content-length'];
  const n = headerLength === undefined ? body.length : Number.parseInt(headerLength, 10);
  const response = JSON.parse(body.subarray(0, n).toString('utf8'));
  const buffer = body.subarray(n);
  const asNumpy: Record<string, ClientTensor> = {};
  let at = 0;
  for (const out of response.outputs as Array<Record<string, unknown>>) {
    const size = (out.parameters as { binary_data_size?: number } | undefined)?.binary_data_size;
    const shape = out.shape as number[];
    const datatype = out.datatype as string;
    let values: Array<number | string | Buffer>;
    if (size !== undefined) {
      const bytes = buffer.subarray(at, at + size);
      at += size;
      values = datatype === 'BYTES' ? bytesElements(bytes) : fromBuffer(datatype, bytes);
    } else values = (out.data as unknown[]).flat(8) as Array<number | string>;
    // reshape(output["shape"]) raises unless the shape holds exactly the elements read.
    if (shape.reduce((p, d) => p * d, 1) !== values.length)
      throw new Error(`cannot reshape ${String(out.name)}`);
    asNumpy[out.name as string] = { shape, values, binary: size !== undefined };
  }
  return { raised: false, response, asNumpy };
}

/** The JSON part the client wrote, with its bare NaN tokens read as null (none sits inside a string here). */
export function clientJsonHeader(c: Capture): Record<string, unknown> {
  return JSON.parse((c.request.json_header ?? '{}').replace(/\bNaN\b/g, 'null'));
}
