import { describe, expect, it } from 'vitest';
import { claimConflictVerdict } from '../../lambdas/core/claim-conflict.js';

const NOW = 1_800_000_000_000;
const due = { status: 'ACTIVE', version: 12, refreshAt: NOW - 1 };

describe('Function: claimConflictVerdict', () => {
  it.each<[string, Record<string, unknown> | undefined, boolean, object]>([
    ['the org was deleted', undefined, false, { decision: 'skip', reason: 'NOT_FOUND' }],
    ['it is no longer ACTIVE', { ...due, status: 'DISABLED' }, false, { decision: 'skip', reason: 'NOT_ACTIVE' }],
    [
      'another refresher holds a live lease',
      { ...due, leaseUntil: NOW },
      false,
      { decision: 'skip', reason: 'LEASED' },
    ],
    [
      'another refresher already refreshed it',
      { ...due, refreshAt: NOW + 1 },
      false,
      { decision: 'skip', reason: 'NOT_DUE' },
    ],
    [
      'a forced refresh claims even when not due',
      { ...due, refreshAt: NOW + 1 },
      true,
      { decision: 'retry', expectedVersion: 12 },
    ],
    [
      'the due index lagged the table: retry at the real version',
      due,
      false,
      { decision: 'retry', expectedVersion: 12 },
    ],
    ['an expired lease does not block the retry', { ...due, leaseUntil: NOW - 1 }, false, { decision: 'retry' }],
    // The due index's own condition is `refreshAt <= now`: an org due this very millisecond is due here too.
    [
      'an org due exactly now is retried, not skipped as NOT_DUE',
      { ...due, refreshAt: NOW },
      false,
      { decision: 'retry', expectedVersion: 12 },
    ],
    [
      'a version that is not a number cannot be claimed, and the verdict says why',
      { ...due, version: '12' },
      false,
      { decision: 'invalid', message: 'version is missing or not a number' },
    ],
  ])('%s', (_name, current, force, expected) => {
    expect(claimConflictVerdict(current, NOW, force)).toMatchObject(expected);
  });
});
