// The reader's on-demand side with fake DynamoDB and Lambda clients: refreshNow sends a fingerprint (never the token),
// shares one invocation among concurrent callers, reuses a newer token it already holds, and turns every answer code
// into its typed error; getAccessToken with minValidityMs invokes only when the stored token falls short;
// withAccessToken's 401 path asks the function instead of re-reading.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../../lambdas/core/redact.js';
import {
  createTokenReader,
  OnDemandUnavailable,
  ReauthRequired,
  RefreshBusy,
  RefreshFailed,
  RefreshLimited,
  RefreshNotPermitted,
  TenantDisabled,
  TenantNotFound,
  tokenFingerprint,
} from '../../reader/index.js';

const NOW = 1_800_000_000_000;
const STORED = 'at-stored-0123456789-abcdefghijklmnop';
const FRESH = 'at-fresh-0123456789-abcdefghijklmnopq';

function dynamo(expiresIn = 3_600_000, accessToken: string | undefined = STORED) {
  const send = vi.fn(async () => ({
    Item: {
      orgId: { S: 'org-1' },
      status: { S: 'ACTIVE' },
      tokenType: { S: 'Bearer' },
      ...(accessToken ? { accessToken: { S: accessToken }, expiresAt: { N: String(NOW + expiresIn) } } : {}),
    },
  }));
  return { client: { send } as unknown as DynamoDBClient, send };
}

/** A Lambda client answering every invocation with `answer` (or throwing it), recording each payload. */
function lambda(answer: unknown | ((payload: Record<string, unknown>) => unknown), functionError?: string) {
  const payloads: Record<string, unknown>[] = [];
  const send = vi.fn(async (command: { input: { Payload: Uint8Array; FunctionName: string } }) => {
    const payload = JSON.parse(new TextDecoder().decode(command.input.Payload)) as Record<string, unknown>;
    payloads.push(payload);
    await new Promise((r) => setTimeout(r, 5));
    const value = typeof answer === 'function' ? (answer as (p: Record<string, unknown>) => unknown)(payload) : answer;
    if (value instanceof Error) throw value;
    return {
      Payload: new TextEncoder().encode(JSON.stringify(value)),
      ...(functionError ? { FunctionError: functionError } : {}),
    };
  });
  return { client: { send } as unknown as LambdaClient, payloads, send };
}

const fresh = { ok: true, orgId: 'org-1', accessToken: FRESH, tokenType: 'Bearer', expiresAt: NOW + 3_600_000 };

function reader(l: ReturnType<typeof lambda> | undefined, d = dynamo()) {
  const sleep = vi.fn(async () => {});
  return {
    sleep,
    reader: createTokenReader({
      tableName: 'tokens',
      client: d.client,
      now: () => NOW,
      sleep,
      ...(l ? { onDemandFunctionName: 'on-demand', lambdaClient: l.client } : {}),
    }),
  };
}

describe('Reader: on demand', () => {
  it('refreshNow sends the rejected token’s fingerprint only, and caches the answer for the next read', async () => {
    const l = lambda(fresh);
    const d = dynamo();
    const { reader: r } = reader(l, d);
    expect(await r.refreshNow('org-1', { rejected: STORED })).toBe(FRESH);
    expect(l.payloads).toEqual([{ action: 'refreshNow', orgId: 'org-1', rejected: await fingerprint(STORED) }]);
    expect(JSON.stringify(l.payloads)).not.toContain(STORED);
    expect(await r.getAccessToken('org-1')).toBe(FRESH);
    expect(d.send).not.toHaveBeenCalled();
  });

  it('shares one invocation among concurrent refreshNow calls for the same org and token', async () => {
    const l = lambda(fresh);
    const { reader: r } = reader(l);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => r.refreshNow('org-1', { rejected: STORED })));
    expect(new Set(tokens)).toEqual(new Set([FRESH]));
    expect(l.send).toHaveBeenCalledTimes(1);
  });

  it('a caller still holding an older token gets the newer one this reader holds, without an invocation', async () => {
    const l = lambda(fresh);
    const { reader: r } = reader(l);
    await r.refreshNow('org-1', { rejected: STORED });
    expect(await r.refreshNow('org-1', { rejected: 'an-older-token-than-both-0123' })).toBe(FRESH);
    expect(l.send).toHaveBeenCalledTimes(1);
    // The fresh one rejected in its turn: that is asked again.
    await r.refreshNow('org-1', { rejected: FRESH });
    expect(l.send).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['LIMITED', RefreshLimited, { retryAfterSeconds: 20 }],
    ['BUSY', RefreshBusy, { retryAfterSeconds: 3 }],
    ['NOT_PERMITTED', RefreshNotPermitted, {}],
    ['PROVIDER_UNAVAILABLE', RefreshFailed, { reason: 'HOST_DEGRADED', retryAfterSeconds: 120 }],
    ['CLIENT_MISCONFIGURED', RefreshFailed, { reason: 'INVALID_CLIENT' }],
    ['REFRESH_FAILED', RefreshFailed, { reason: 'COMMIT_FAILED' }],
    ['ORG_NOT_FOUND', TenantNotFound, {}],
    ['REAUTH_REQUIRED', ReauthRequired, {}],
    ['ORG_DISABLED', TenantDisabled, {}],
    ['INVALID_REQUEST', OnDemandUnavailable, { reason: 'INVALID_REQUEST' }],
    ['A_CODE_FROM_THE_FUTURE', OnDemandUnavailable, { reason: 'A_CODE_FROM_THE_FUTURE' }],
  ])('an answer %s becomes %s, with the org id and its details', async (code, Class, extra) => {
    const l = lambda({ ok: false, orgId: 'org-1', error: { code, message: 'm', ...extra } });
    const err = await reader(l)
      .reader.refreshNow('org-1', { rejected: STORED })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Class);
    expect(err).toMatchObject({ orgId: 'org-1', ...extra });
  });

  it('a failed or throttled invocation is OnDemandUnavailable; nothing is cached', async () => {
    const crashed = lambda({ errorType: 'OnDemandFailure', errorMessage: 'x' }, 'Unhandled');
    await expect(reader(crashed).reader.refreshNow('org-1', { rejected: STORED })).rejects.toMatchObject({
      name: 'OnDemandUnavailable',
      reason: 'OnDemandFailure',
    });
    const throttled = lambda(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await expect(reader(throttled).reader.refreshNow('org-1', { rejected: STORED })).rejects.toMatchObject({
      name: 'OnDemandUnavailable',
      reason: 'TooManyRequestsException',
      retryAfterSeconds: 1,
    });
  });

  it.each([
    ['the stored token stays valid long enough: no invocation', 3_600_000, 20 * 60_000, 0],
    ['the stored token falls short: one invocation', 5 * 60_000, 20 * 60_000, 1],
  ])('getAccessToken minValidityMs: %s', async (_what, storedFor, minValidityMs, invocations) => {
    const l = lambda(fresh);
    const { reader: r } = reader(l, dynamo(storedFor));
    const token = await r.getAccessToken('org-1', { minValidityMs });
    expect(token).toBe(invocations ? FRESH : STORED);
    expect(l.payloads).toEqual(invocations ? [{ action: 'getAccessToken', orgId: 'org-1', minValidityMs }] : []);
  });

  it('getAccessToken minValidityMs with no valid token stored asks the function (it can get one)', async () => {
    const l = lambda(fresh);
    expect(await reader(l, dynamo(0, undefined)).reader.getAccessToken('org-1', { minValidityMs: 1 })).toBe(FRESH);
  });

  it('without onDemandFunctionName: reads as before, and says what is missing when asked to refresh', async () => {
    const { reader: r } = reader(undefined, dynamo(5 * 60_000));
    expect(await r.getAccessToken('org-1')).toBe(STORED);
    expect(await r.getAccessToken('org-1', { minValidityMs: 60_000 })).toBe(STORED);
    await expect(r.getAccessToken('org-1', { minValidityMs: 20 * 60_000 })).rejects.toThrow(/onDemandFunctionName/);
    await expect(r.refreshNow('org-1', { rejected: STORED })).rejects.toThrow(/onDemandFunctionName/);
    await expect(r.getAccessToken('org-1', { minValidityMs: -1 })).rejects.toThrow(TypeError);
  });

  it('withAccessToken after a 401 asks for a fresh token (no pause, no re-read) and calls fn once more', async () => {
    const l = lambda(fresh);
    const d = dynamo();
    const { reader: r, sleep } = reader(l, d);
    const seen: string[] = [];
    const result = await r.withAccessToken('org-1', async (token) => {
      seen.push(token);
      return { status: token === STORED ? 401 : 200 };
    });
    expect(result).toEqual({ status: 200 });
    expect(seen).toEqual([STORED, FRESH]);
    expect(l.payloads).toEqual([{ action: 'refreshNow', orgId: 'org-1', rejected: tokenFingerprint(STORED) }]);
    expect(sleep).not.toHaveBeenCalled();
    expect(d.send).toHaveBeenCalledTimes(1);
  });

  it('property: the reader’s fingerprint is the refresher’s (lambdas/core/redact.ts)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }), async (token) => {
        expect(tokenFingerprint(token)).toBe(await fingerprint(token));
      }),
    );
  });
});
