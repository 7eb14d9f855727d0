import { describe, expect, it } from 'vitest';
import { type BinaryShapeError, decodeElements, encodeElements } from './binary.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('binary tensor data', () => {
  it('reads little-endian elements typed by hand, NaN kept', () => {
    // numpy's quiet NaN and 6.2 as FP64, as Triton's client writes them (PROTOCOL-NOTES §1).
    const fp64 = decodeElements('FP64', hex('0000000000 00f87f cdcccccccccc1840'), 2);
    expect(Number.isNaN(fp64[0])).toBe(true);
    expect(fp64[1]).toBe(6.2);
    expect(
      decodeElements('FP32', hex('0000c07f 6666c640'), 2).map((v) => (Number.isNaN(v) ? 'NaN' : v)),
    ).toEqual(['NaN', Math.fround(6.2)]);
    expect(decodeElements('INT64', hex('e807000000000000 feffffffffffffff'), 2)).toEqual([2024, -2]);
    expect(decodeElements('UINT64', hex('ffffffffffffffff'), 1)).toEqual([2 ** 64]);
    expect(decodeElements('INT32', hex('ffffffff 03000000'), 2)).toEqual([-1, 3]);
    expect(decodeElements('UINT32', hex('ffffffff'), 1)).toEqual([4_294_967_295]);
    expect(decodeElements('INT16', hex('feff'), 1)).toEqual([-2]);
    expect(decodeElements('UINT16', hex('feff'), 1)).toEqual([65_534]);
    expect(decodeElements('INT8', hex('fe 03'), 2)).toEqual([-2, 3]);
    expect(decodeElements('UINT8', hex('fe'), 1)).toEqual([254]);
    expect(decodeElements('BOOL', hex('01 00'), 2)).toEqual([1, 0]);
    // FP16: 1.0, -2.0, 65504 (largest), +Inf, a subnormal; BF16: 1.0, -2.0.
    const half = decodeElements('FP16', hex('003c 00c0 ff7b 007c 0100'), 5);
    expect(half).toEqual([1, -2, 65_504, Number.POSITIVE_INFINITY, 2 ** -24]);
    expect(Number.isNaN(decodeElements('FP16', hex('017c'), 1)[0])).toBe(true);
    expect(decodeElements('BF16', hex('803f 00c0'), 2)).toEqual([1, -2]);
  });

  it('reads BYTES as <uint32 LE length><bytes>, UTF-8, empty elements included', () => {
    const ok = Buffer.concat([
      hex('08000000'),
      Buffer.from('feminino'),
      hex('00000000'),
      hex('07000000'),
      Buffer.from('gênero'),
    ]);
    expect(decodeElements('BYTES', ok, 3)).toEqual(['feminino', '', 'gênero']);
  });

  it('refuses bytes that do not make exactly n elements, and text that is not UTF-8', () => {
    const rule = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as BinaryShapeError).rule;
      }
      return null;
    };
    expect(rule(() => decodeElements('FP64', Buffer.alloc(16), 3))).toBe('binary_size');
    expect(rule(() => decodeElements('INT32', Buffer.alloc(13), 3))).toBe('binary_size');
    expect(rule(() => decodeElements('BYTES', hex('01000000 61 ff'), 1))).toBe('binary_size');
    expect(rule(() => decodeElements('BYTES', hex('01000000 61'), 2))).toBe('binary_size');
    expect(rule(() => decodeElements('BYTES', hex('ff000000 61'), 1))).toBe('binary_size');
    expect(rule(() => decodeElements('BYTES', hex('02000000 c328'), 1))).toBe('utf8');
    expect(rule(() => decodeElements('COMPLEX', Buffer.alloc(8), 1))).toBe('binary_size');
  });

  it('writes outputs as the client reads them', () => {
    expect(encodeElements('FP64', [0.5, 1])).toEqual(hex('000000000000e03f 000000000000f03f'));
    expect(encodeElements('INT32', [1, 0])).toEqual(hex('01000000 00000000'));
    expect(encodeElements('BYTES', ['alto', 'médio'])).toEqual(
      Buffer.concat([hex('04000000'), Buffer.from('alto'), hex('06000000'), Buffer.from('médio')]),
    );
    expect(decodeElements('BYTES', encodeElements('BYTES', ['baixo', '']), 2)).toEqual(['baixo', '']);
  });
});
