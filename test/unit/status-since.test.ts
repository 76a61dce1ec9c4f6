import { describe, expect, it } from 'vitest';
import { statusSince } from '../../lambdas/core/status-since.js';

describe('Function: statusSince', () => {
  it.each([
    ['ACTIVE', 'REAUTH_REQUIRED', { statusSince: 42 }],
    ['REAUTH_REQUIRED', 'ACTIVE', { statusSince: 42 }],
    [undefined, 'ACTIVE', { statusSince: 42 }],
    ['ACTIVE', 'ACTIVE', {}],
    ['DISABLED', undefined, {}],
  ])('%s → %s stamps %j (a write that keeps the status keeps its since)', (before, after, stamp) => {
    expect(statusSince(before, after, 42)).toEqual(stamp);
  });
});
