// DynamoDB's item-size rules as the bench applies them to compute write units from real items.
import { describe, expect, it } from 'vitest';
import { indexEntry, itemSize, valueSize, writeUnits } from '../../bench/item-size.js';

describe('Function: valueSize', () => {
  it.each<[string, unknown, number]>([
    ['a string: its UTF-8 bytes', 'héllo', 6],
    ['a number: 1 byte per two significant digits, plus 1', 1_800_000_000_000, 2],
    ['a 13-digit epoch millisecond', 1_764_460_800_123, 8],
    ['a small integer', 7, 2],
    ['a boolean', true, 1],
    ['a map: 3 + per entry 1 + name + value', { a: 'xy' }, 3 + 1 + 1 + 2],
    ['a list: 3 + per element 1 + value', ['ab', 'c'], 3 + 3 + 2],
  ])('%s', (_name, value, bytes) => {
    expect(valueSize(value)).toBe(bytes);
  });
});

describe('Functions: itemSize, writeUnits, indexEntry', () => {
  it('counts attribute names and values; absent attributes count nothing', () => {
    expect(itemSize({ orgId: 'acme', version: 3, gone: undefined })).toBe(5 + 4 + 7 + 2);
  });
  it('bills one write unit per started KB, at least one', () => {
    expect([0, 1, 1024, 1025, 2048, 2049].map(writeUnits)).toEqual([1, 1, 1, 2, 2, 3]);
  });
  it('an index entry holds the listed attributes that are present', () => {
    expect(
      indexEntry({ orgId: 'a', dueShard: 1, refreshAt: 5, accessToken: 'secret' }, ['orgId', 'dueShard', 'version']),
    ).toEqual({
      orgId: 'a',
      dueShard: 1,
    });
  });
});
