import type { DynamoDBClient, GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { ORG_ID_PATTERN } from '../../lambdas/core/record.js';
import {
  createTokenReader,
  READER_ATTRIBUTES,
  READER_GRANT_ATTRIBUTES,
  ReauthRequired,
  STATUS_ATTRIBUTES,
  TenantDisabled,
  TenantNotFound,
  TokenExpired,
  TokenReaderError,
} from '../../reader/index.js';
import { READER_ORG_ID_PATTERN } from '../../reader/token-reader.js';

const NOW = 1_800_000_000_000;
const TOKEN = 'at-0123456789-abcdefghijklmnopqrstuvwxyz';
const NEXT_TOKEN = 'at-9876543210-zyxwvutsrqponmlkjihgfedcba';

type Item = Record<string, { S: string } | { N: string }>;

function item(overrides: { status?: string; accessToken?: string | null; expiresAt?: number | null } = {}): Item {
  const out: Item = { orgId: { S: 'org-1' }, status: { S: overrides.status ?? 'ACTIVE' }, tokenType: { S: 'Bearer' } };
  if (overrides.accessToken !== null) out.accessToken = { S: overrides.accessToken ?? TOKEN };
  if (overrides.expiresAt !== null) out.expiresAt = { N: String(overrides.expiresAt ?? NOW + 3_600_000) };
  return out;
}

/** A DynamoDB client whose GetItem answers come from `answer`; records every input. */
function fakeClient(answer: (input: GetItemCommandInput) => Promise<{ Item?: Item }> | { Item?: Item }) {
  const inputs: GetItemCommandInput[] = [];
  const send = vi.fn(async (command: { input: GetItemCommandInput }) => {
    inputs.push(command.input);
    return answer(command.input);
  });
  return { client: { send } as unknown as DynamoDBClient, inputs, send };
}

function reader(client: DynamoDBClient, clock = { now: NOW }) {
  const sleep = vi.fn(async (_ms: number) => {});
  return {
    sleep,
    clock,
    reader: createTokenReader({ tableName: 'tokens', client, now: () => clock.now, sleep, retryDelayMs: 250 }),
  };
}

describe('Function: createTokenReader', () => {
  describe('Method: getAccessToken', () => {
    it('reads consistently and projects exactly the attributes the reader grant allows', async () => {
      // Prepare
      const { client, inputs } = fakeClient(() => ({ Item: item() }));

      // Act
      const token = await reader(client).reader.getAccessToken('org-1');

      // Assess
      expect(token).toBe(TOKEN);
      expect(inputs).toEqual([
        {
          TableName: 'tokens',
          Key: { orgId: { S: 'org-1' } },
          ConsistentRead: true,
          ProjectionExpression: '#orgId, #accessToken, #tokenType, #expiresAt, #status',
          ExpressionAttributeNames: {
            '#orgId': 'orgId',
            '#accessToken': 'accessToken',
            '#tokenType': 'tokenType',
            '#expiresAt': 'expiresAt',
            '#status': 'status',
          },
        },
      ]);
      expect(READER_ATTRIBUTES).not.toContain('refreshToken');
    });

    it('validates org ids with the same rule as the record schema', () => {
      expect(READER_ORG_ID_PATTERN.source).toBe(ORG_ID_PATTERN.source);
    });

    it('rejects an invalid org id without reading', async () => {
      const { client, send } = fakeClient(() => ({ Item: item() }));
      await expect(reader(client).reader.getAccessToken('not valid!')).rejects.toThrow(TypeError);
      expect(send).not.toHaveBeenCalled();
    });

    it('serves the cache until expiry minus the skew, then reads again', async () => {
      // Prepare: expires in 60 s, default skew 30 s
      const { client, send } = fakeClient(() => ({ Item: item({ expiresAt: NOW + 60_000 }) }));
      const { reader: r, clock } = reader(client);

      // Act + Assess
      await r.getAccessToken('org-1');
      clock.now = NOW + 29_999;
      await r.getAccessToken('org-1');
      expect(send).toHaveBeenCalledTimes(1);
      clock.now = NOW + 30_000;
      await r.getAccessToken('org-1');
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('returns but does not cache a token that is already inside the skew', async () => {
      const { client, send } = fakeClient(() => ({ Item: item({ expiresAt: NOW + 10_000 }) }));
      const { reader: r } = reader(client);
      await r.getAccessToken('org-1');
      await r.getAccessToken('org-1');
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('shares one read among concurrent callers for the same org', async () => {
      // Prepare: the read stays open until released
      let release: (value: { Item: Item }) => void = () => {};
      const { client, send } = fakeClient(() => new Promise((resolve) => (release = resolve)));
      const { reader: r } = reader(client);

      // Act
      const callers = Array.from({ length: 5 }, () => r.getAccessToken('org-1'));
      await Promise.resolve();
      release({ Item: item() });

      // Assess
      expect(await Promise.all(callers)).toEqual(Array(5).fill(TOKEN));
      expect(send).toHaveBeenCalledTimes(1);
    });

    it('shares a failed read with its concurrent callers, and does not remember the failure', async () => {
      // Prepare
      let calls = 0;
      const { client, send } = fakeClient(async () => {
        calls++;
        if (calls === 1)
          throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        return { Item: item() };
      });
      const { reader: r } = reader(client);

      // Act
      const results = await Promise.allSettled([r.getAccessToken('org-1'), r.getAccessToken('org-1')]);

      // Assess
      expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected']);
      expect(await r.getAccessToken('org-1')).toBe(TOKEN);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('does not let a read that started before invalidate() refill the cache', async () => {
      // Prepare
      let release: (value: { Item: Item }) => void = () => {};
      const { client, send } = fakeClient(() => new Promise((resolve) => (release = resolve)));
      const { reader: r } = reader(client);
      const early = r.getAccessToken('org-1');
      await Promise.resolve();

      // Act
      r.invalidate('org-1');
      release({ Item: item() });
      await early;
      const after = r.getAccessToken('org-1');
      await Promise.resolve();
      release({ Item: item({ accessToken: NEXT_TOKEN }) });

      // Assess
      expect(await after).toBe(NEXT_TOKEN);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it.each([
      ['no record', undefined, TenantNotFound, 'TENANT_NOT_FOUND'],
      ['REAUTH_REQUIRED', item({ status: 'REAUTH_REQUIRED' }), ReauthRequired, 'REAUTH_REQUIRED'],
      ['DISABLED', item({ status: 'DISABLED' }), TenantDisabled, 'TENANT_DISABLED'],
      ['an expired token', item({ expiresAt: NOW - 1 }), TokenExpired, 'TOKEN_EXPIRED'],
      ['no token yet', item({ accessToken: null, expiresAt: null }), TokenExpired, 'TOKEN_EXPIRED'],
    ])('throws a typed error with the org id and no token for %s', async (_case, stored, type, code) => {
      // Prepare
      const { client } = fakeClient(() => (stored ? { Item: stored } : {}));

      // Act
      const err = await reader(client)
        .reader.getAccessToken('org-1')
        .catch((e: unknown) => e);

      // Assess
      expect(err).toBeInstanceOf(type);
      expect(err).toBeInstanceOf(TokenReaderError);
      expect(err).toMatchObject({ orgId: 'org-1', code });
      const e = err as Error;
      for (const text of [e.message, e.stack ?? '', String(e), JSON.stringify(e)]) expect(text).not.toContain(TOKEN);
    });

    it('reports when an expired token expired, and undefined when none was issued yet', async () => {
      const expired = await reader(fakeClient(() => ({ Item: item({ expiresAt: NOW - 5 }) })).client)
        .reader.getAccessToken('org-1')
        .catch((e: TokenExpired) => e);
      const fresh = await reader(fakeClient(() => ({ Item: item({ accessToken: null }) })).client)
        .reader.getAccessToken('org-1')
        .catch((e: TokenExpired) => e);
      expect((expired as TokenExpired).expiresAt).toBe(NOW - 5);
      expect((fresh as TokenExpired).expiresAt).toBeUndefined();
    });
  });

  describe('Method: withAccessToken', () => {
    /** First read: TOKEN; every later read: NEXT_TOKEN (the refresher rotated meanwhile). */
    function rotatingClient() {
      let reads = 0;
      return fakeClient(() => ({ Item: item({ accessToken: reads++ === 0 ? TOKEN : NEXT_TOKEN }) }));
    }

    it.each([
      ['throws { status: 401 }', { status: 401 }],
      ['throws { statusCode: 401 }', { statusCode: 401 }],
      ['throws { response: { status: 401 } } (axios)', { response: { status: 401 } }],
      ['throws { $metadata: { httpStatusCode: 401 } } (AWS SDK)', { $metadata: { httpStatusCode: 401 } }],
    ])('re-reads after a pause and retries once when fn %s', async (_case, error) => {
      // Prepare
      const { client, send } = rotatingClient();
      const { reader: r, sleep } = reader(client);
      const seen: string[] = [];

      // Act
      const result = await r.withAccessToken('org-1', async (token) => {
        seen.push(token);
        if (token === TOKEN) throw Object.assign(new Error('unauthorized'), error);
        return 'ok';
      });

      // Assess
      expect(result).toBe('ok');
      expect(seen).toEqual([TOKEN, NEXT_TOKEN]);
      expect(sleep).toHaveBeenCalledWith(250);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('retries once when fn returns a 401 Response, and cancels the discarded body', async () => {
      // Prepare
      const { client } = rotatingClient();
      const { reader: r } = reader(client);
      const first = new Response('no', { status: 401 });
      const cancel = vi.spyOn(first.body as ReadableStream, 'cancel');

      // Act
      const res = await r.withAccessToken('org-1', (token) => (token === TOKEN ? first : new Response('yes')));

      // Assess
      expect(res.status).toBe(200);
      expect(cancel).toHaveBeenCalled();
    });

    it('retries only once: a second 401 is the answer', async () => {
      const { client } = rotatingClient();
      const fn = vi.fn(async () => new Response('no', { status: 401 }));
      const res = await reader(client).reader.withAccessToken('org-1', fn);
      expect(res.status).toBe(401);
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('does not retry other failures', async () => {
      const { client, send } = rotatingClient();
      const fn = vi.fn(async () => {
        throw Object.assign(new Error('server error'), { status: 500 });
      });
      await expect(reader(client).reader.withAccessToken('org-1', fn)).rejects.toThrow('server error');
      expect(fn).toHaveBeenCalledTimes(1);
      expect(send).toHaveBeenCalledTimes(1);
    });

    it('passes a successful result through with a single call and a cached token', async () => {
      const { client, send } = rotatingClient();
      const { reader: r } = reader(client);
      const fn = vi.fn(async (_token: string) => 'done');
      expect(await r.withAccessToken('org-1', fn)).toBe('done');
      expect(await r.withAccessToken('org-1', fn)).toBe('done');
      expect(fn).toHaveBeenCalledTimes(2);
      expect(send).toHaveBeenCalledTimes(1);
    });
  });

  describe('Method: getStatus', () => {
    it('reads status, since, reason and expiry with its own projection: never a token, never cached', async () => {
      const { client, inputs, send } = fakeClient(() => ({
        Item: {
          orgId: { S: 'org-1' },
          status: { S: 'REAUTH_REQUIRED' },
          statusSince: { N: String(NOW - 60_000) },
          statusReason: { S: 'INVALID_GRANT' },
        },
      }));
      const r = reader(client).reader;

      const status = await r.getStatus('org-1');
      await r.getStatus('org-1');

      expect(status).toEqual({
        orgId: 'org-1',
        status: 'REAUTH_REQUIRED',
        since: NOW - 60_000,
        reason: 'INVALID_GRANT',
        needsReauthorisation: true,
        accessTokenExpiresAt: undefined,
      });
      expect(send).toHaveBeenCalledTimes(2);
      expect(inputs[0]?.ProjectionExpression).toBe('#orgId, #status, #statusSince, #statusReason, #expiresAt');
      expect(STATUS_ATTRIBUTES).not.toContain('accessToken');
      expect(READER_GRANT_ATTRIBUTES).toEqual(expect.arrayContaining([...READER_ATTRIBUTES, ...STATUS_ATTRIBUTES]));
      expect(READER_GRANT_ATTRIBUTES).not.toContain('refreshToken');
    });

    it('an ACTIVE org has no reason (a stale one from before is not shown); unknown orgs throw TenantNotFound', async () => {
      const { client } = fakeClient((input) =>
        input.Key?.orgId?.S === 'org-1'
          ? { Item: { ...item(), statusReason: { S: 'INVALID_GRANT' }, statusSince: { N: '5' } } }
          : {},
      );
      const r = reader(client).reader;
      expect(await r.getStatus('org-1')).toMatchObject({
        status: 'ACTIVE',
        since: 5,
        reason: undefined,
        needsReauthorisation: false,
        accessTokenExpiresAt: NOW + 3_600_000,
      });
      await expect(r.getStatus('org-2')).rejects.toBeInstanceOf(TenantNotFound);
      await expect(r.getStatus('bad id!')).rejects.toThrow(TypeError);
    });
  });
});
