// DynamoDB's documented item-size rules, so the bench can compute write units from real items and cross-check what
// DynamoDB Local reports (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
// an attribute counts its name's UTF-8 bytes plus its value: a string its UTF-8 bytes, a number 1 byte per two
// significant digits plus 1, a boolean or null 1, a list or map 3 bytes plus 1 per element plus the elements.
// A write costs 1 unit per started KB of the larger of the item's sizes before and after; each index entry written
// costs the same by the entry's size, and an update that changes an index's key is a delete and a put there.

export function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = Math.abs(value)
      .toExponential()
      .replace(/e.*$/, '')
      .replace('.', '')
      .replace(/^0+|0+$/g, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce((a: number, v) => a + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value as Record<string, unknown>).reduce((a, [k, v]) => a + 1 + itemSizeOf(k, v), 0);
  }
  return Buffer.byteLength(String(value), 'utf8');
}

function itemSizeOf(name: string, value: unknown): number {
  return Buffer.byteLength(name, 'utf8') + valueSize(value);
}

/** An item's size in bytes by DynamoDB's rules (undefined attributes are absent). */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((a, [k, v]) => (v === undefined ? a : a + itemSizeOf(k, v)), 0);
}

/** Write units of one write of an item this size. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** The attributes an index entry holds: the index keys, the table key, and the projected ones. */
export function indexEntry(item: Record<string, unknown>, attributes: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(attributes.filter((a) => item[a] !== undefined).map((a) => [a, item[a]]));
}
