// The refresh token's outlook after a refresh: its stored expiry, whether the refresh extended it, and whether the org
// is heading for re-authorisation (attention + event). Tables of the pure decisions.
import { describe, expect, it } from 'vitest';
import {
  EXTENSION_TOLERANCE_MS,
  expiringVerdict,
  type OutlookInput,
  refreshTokenOutlook,
} from '../../lambdas/core/refresh-token-outlook.js';

const T = 1_800_000_000_000;
const DAY = 86_400_000;

describe('Function: refreshTokenOutlook', () => {
  it.each<[string, OutlookInput, { expiresAt: number | undefined; extended: boolean }]>([
    [
      'a relative expiry counts from when the request went out',
      { previousExpiresAt: undefined, rotated: true, reported: { inMs: 30 * DAY }, sentAt: T },
      { expiresAt: T + 30 * DAY, extended: true },
    ],
    [
      'an absolute expiry is taken as it is',
      { previousExpiresAt: undefined, rotated: true, reported: { atMs: T + 5 * DAY }, sentAt: T },
      { expiresAt: T + 5 * DAY, extended: true },
    ],
    [
      'rotation to a new full lifetime (Zendesk) extends',
      { previousExpiresAt: T + 1 * DAY, rotated: true, reported: { inMs: 30 * DAY }, sentAt: T },
      { expiresAt: T + 30 * DAY, extended: true },
    ],
    [
      'rotation with the same absolute expiry does not extend',
      { previousExpiresAt: T + 5 * DAY, rotated: true, reported: { inMs: 5 * DAY }, sentAt: T },
      { expiresAt: T + 5 * DAY, extended: false },
    ],
    [
      'a move within the tolerance (request latency) is not an extension',
      {
        previousExpiresAt: T + 5 * DAY,
        rotated: true,
        reported: { inMs: 5 * DAY + EXTENSION_TOLERANCE_MS },
        sentAt: T,
      },
      { expiresAt: T + 5 * DAY + EXTENSION_TOLERANCE_MS, extended: false },
    ],
    [
      'no rotation and nothing said: the stored token keeps its expiry, not extended',
      { previousExpiresAt: T + 5 * DAY, rotated: false, reported: undefined, sentAt: T },
      { expiresAt: T + 5 * DAY, extended: false },
    ],
    [
      "a new token without a stated expiry: unknown (the old one's expiry is not its)",
      { previousExpiresAt: T + 5 * DAY, rotated: true, reported: undefined, sentAt: T },
      { expiresAt: undefined, extended: false },
    ],
    [
      'never told anything: unknown',
      { previousExpiresAt: undefined, rotated: false, reported: undefined, sentAt: T },
      { expiresAt: undefined, extended: false },
    ],
    [
      'two refreshes moments apart say nothing: a sliding expiry moved too little to tell, the last judgement stands',
      {
        previousExpiresAt: T + 5 * DAY,
        previousRefreshedAt: T - 30_000,
        previouslyExpiring: false,
        rotated: true,
        reported: { inMs: 5 * DAY },
        sentAt: T,
      },
      { expiresAt: T + 5 * DAY, extended: true },
    ],
    [
      '…and an org already warned about stays warned about',
      {
        previousExpiresAt: T + 5 * DAY,
        previousRefreshedAt: T - 30_000,
        previouslyExpiring: true,
        rotated: true,
        reported: { inMs: 5 * DAY },
        sentAt: T,
      },
      { expiresAt: T + 5 * DAY, extended: false },
    ],
    [
      'refreshes far enough apart judge afresh',
      {
        previousExpiresAt: T + 5 * DAY,
        previousRefreshedAt: T - 3 * EXTENSION_TOLERANCE_MS,
        previouslyExpiring: false,
        rotated: true,
        reported: { inMs: 5 * DAY },
        sentAt: T,
      },
      { expiresAt: T + 5 * DAY, extended: false },
    ],
    [
      'a sliding expiry without rotation extends',
      { previousExpiresAt: T + 2 * DAY, rotated: false, reported: { inMs: 14 * DAY }, sentAt: T },
      { expiresAt: T + 14 * DAY, extended: true },
    ],
  ])('%s', (_case, input, expected) => {
    expect(refreshTokenOutlook(input)).toEqual(expected);
  });
});

describe('Function: expiringVerdict', () => {
  const base = {
    now: T,
    nextRefreshAt: T + DAY,
    warningMs: 7 * DAY,
    previousAttention: undefined as string | undefined,
  };

  it.each<[string, Parameters<typeof expiringVerdict>[0], { attention: string | undefined; announce: boolean }]>([
    [
      'not extendable and inside the warning period: REFRESH_TOKEN_EXPIRING, announced',
      { ...base, outlook: { expiresAt: T + 3 * DAY, extended: false } },
      { attention: 'REFRESH_TOKEN_EXPIRING', announce: true },
    ],
    [
      'already marked: kept, not announced again',
      {
        ...base,
        previousAttention: 'REFRESH_TOKEN_EXPIRING',
        outlook: { expiresAt: T + 3 * DAY, extended: false },
      },
      { attention: 'REFRESH_TOKEN_EXPIRING', announce: false },
    ],
    [
      'not extendable, outside the period, next refresh before it starts: nothing yet',
      { ...base, outlook: { expiresAt: T + 30 * DAY, extended: false } },
      { attention: undefined, announce: false },
    ],
    [
      'not extendable, outside the period, but the next refresh is inside it: warned now (never less warning)',
      { ...base, nextRefreshAt: T + 25 * DAY, outlook: { expiresAt: T + 30 * DAY, extended: false } },
      { attention: 'REFRESH_TOKEN_EXPIRING', announce: true },
    ],
    [
      'extendable, even inside the period (Zendesk minimum 7 days): no warning, the schedule refreshes it in time',
      { ...base, outlook: { expiresAt: T + 7 * DAY, extended: true } },
      { attention: undefined, announce: false },
    ],
    [
      'unknown expiry: nothing to say',
      { ...base, outlook: { expiresAt: undefined, extended: false } },
      { attention: undefined, announce: false },
    ],
  ])('%s', (_case, input, expected) => {
    expect(expiringVerdict(input)).toEqual(expected);
  });

  it('honours the configured warning period', () => {
    const outlook = { expiresAt: T + 10 * DAY, extended: false };
    expect(expiringVerdict({ ...base, outlook, warningMs: 7 * DAY }).attention).toBeUndefined();
    expect(expiringVerdict({ ...base, outlook, warningMs: 14 * DAY }).attention).toBe('REFRESH_TOKEN_EXPIRING');
  });
});
