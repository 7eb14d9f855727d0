/**
 * The binary tensor data extension of the Open Inference Protocol (Triton's `binary_tensor_data`):
 * tensor elements as raw little-endian bytes after the JSON header, row-major; BYTES elements each as
 * a 4-byte little-endian length followed by that many bytes. Pure functions over Buffers.
 */

/** Bytes per element of the fixed-size datatypes; BYTES is variable (length-prefixed). */
export const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  BF16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

/** Why `n` elements could not be read from the bytes given (the caller names the tensor). */
export class BinaryShapeError extends Error {
  constructor(
    readonly rule: 'binary_size' | 'utf8',
    message: string,
  ) {
    super(message);
  }
}

function fp16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const BF16_VIEW = new DataView(new ArrayBuffer(4));
function bf16(bits: number): number {
  BF16_VIEW.setUint32(0, bits << 16);
  return BF16_VIEW.getFloat32(0);
}

/** One fixed-size element at byte `at`: a number (NaN kept; 64-bit integers as the nearest double). */
function readFixed(datatype: string, buf: Buffer, at: number): number {
  switch (datatype) {
    case 'FP64':
      return buf.readDoubleLE(at);
    case 'FP32':
      return buf.readFloatLE(at);
    case 'FP16':
      return fp16(buf.readUInt16LE(at));
    case 'BF16':
      return bf16(buf.readUInt16LE(at));
    case 'INT64':
      return Number(buf.readBigInt64LE(at));
    case 'UINT64':
      return Number(buf.readBigUInt64LE(at));
    case 'INT32':
      return buf.readInt32LE(at);
    case 'UINT32':
      return buf.readUInt32LE(at);
    case 'INT16':
      return buf.readInt16LE(at);
    case 'UINT16':
      return buf.readUInt16LE(at);
    case 'INT8':
      return buf.readInt8(at);
    default:
      return buf.readUInt8(at); // UINT8, BOOL (0 or 1)
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** n length-prefixed BYTES elements that fill `buf` exactly, decoded as UTF-8 text. */
function readBytesElements(buf: Buffer, n: number): string[] {
  const out = new Array<string>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (at + 4 > buf.length)
      throw new BinaryShapeError(
        'binary_size',
        `holds fewer than the ${n} BYTES elements its shape declares`,
      );
    const len = buf.readUInt32LE(at);
    at += 4;
    if (at + len > buf.length)
      throw new BinaryShapeError(
        'binary_size',
        `has a BYTES element longer than the bytes sent (element ${i})`,
      );
    try {
      out[i] = UTF8.decode(buf.subarray(at, at + len));
    } catch {
      throw new BinaryShapeError('utf8', `has a BYTES element that is not UTF-8 text (element ${i})`);
    }
    at += len;
  }
  if (at !== buf.length)
    throw new BinaryShapeError('binary_size', `has ${buf.length - at} bytes after its ${n} BYTES elements`);
  return out;
}

/**
 * The `n` elements of a tensor of `datatype` sent as `buf`: numbers for numeric types and BOOL,
 * strings for BYTES. The byte size must be exactly what `n` elements take.
 */
export function decodeElements(datatype: string, buf: Buffer, n: number): Array<number | string> {
  if (datatype === 'BYTES') return readBytesElements(buf, n);
  const size = ELEMENT_BYTES[datatype];
  if (size === undefined) throw new BinaryShapeError('binary_size', `has a datatype with no binary form`);
  if (buf.length !== n * size)
    throw new BinaryShapeError(
      'binary_size',
      `must be ${n * size} bytes (${n} × ${size}-byte ${datatype}) but ${buf.length} were declared`,
    );
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = readFixed(datatype, buf, i * size);
  return out;
}

/** The bytes of an output tensor: FP64 and INT32 little-endian, BYTES length-prefixed UTF-8. */
export function encodeElements(
  datatype: 'FP64' | 'INT32' | 'BYTES',
  values: ArrayLike<number | string>,
): Buffer {
  const n = values.length;
  if (datatype === 'BYTES') {
    const parts = new Array<Buffer>(2 * n);
    for (let i = 0; i < n; i++) {
      const text = Buffer.from(String(values[i]), 'utf8');
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(text.length, 0);
      parts[2 * i] = len;
      parts[2 * i + 1] = text;
    }
    return Buffer.concat(parts);
  }
  const size = datatype === 'FP64' ? 8 : 4;
  const out = Buffer.allocUnsafe(n * size);
  for (let i = 0; i < n; i++) {
    if (datatype === 'FP64') out.writeDoubleLE(values[i] as number, i * 8);
    else out.writeInt32LE(values[i] as number, i * 4);
  }
  return out;
}
