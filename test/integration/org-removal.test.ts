// Offboarding against DynamoDB Local and a real OAuth server (oidc-provider, rotation and RFC 7009 revocation on):
// the tombstone write is fenced like every other write (the version read, no live lease), takes the tokens to revoke
// from its own ALL_OLD, revokes them at the provider (they are dead afterwards), and says what was and was not
// revoked; what one offboarding costs in DynamoDB requests, write units and provider requests.
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbOrgRemoval } from '../../lambdas/adapters/dynamodb-org-removal.js';
import type { Notifier, OrgEventDetail, OrgEventType } from '../../lambdas/core/ports.js';
import { RemovedBy, removalDecision } from '../../lambdas/core/removal.js';
import type { RemovalStore } from '../../lambdas/core/removal-port.js';
import { OrgRemoval } from '../../lambdas/offboarding/org-removal.js';
import { CLIENTS, createHarness, type Harness, type SeedOptions } from '../support/harness.js';

let h: Harness;
const events: { type: OrgEventType; detail: OrgEventDetail }[] = [];
const notifier: Notifier = {
  orgEvent: async (type, detail) => {
    events.push({ type, detail });
  },
};

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
});
afterAll(async () => h.close());

interface RemovalOptions {
  store?: RemovalStore;
  onCapacity?: (operation: string, capacity: ConsumedCapacity | undefined) => void;
  settings?: Partial<Harness['config']>;
}

function removal(o: RemovalOptions = {}) {
  const runtime = h.runtime();
  return new OrgRemoval({
    store:
      o.store ??
      new DynamoDbOrgRemoval({
        tableName: h.table,
        client: h.doc,
        ...(o.onCapacity ? { onCapacity: o.onCapacity } : {}),
      }),
    credentials: runtime.credentials,
    endpoint: runtime.endpoint,
    notifier,
    clock: runtime.clock,
    log: h.log,
    settings: { ...h.config, ...o.settings },
  });
}
const scope = (waitForLease = true, budgetMs = 30_000) => {
  const deadline = Date.now() + budgetMs;
  return { remainingMs: () => deadline - Date.now(), waitForLease };
};

/** An ACTIVE org with a revocation URL, refreshed once so it holds a live access token and a rotated refresh token. */
async function activeOrg(orgId: string, seed: SeedOptions = {}) {
  await h.seedOrg(orgId, { ...seed, extra: { revocationUrl: h.oauth.revocationUrl, ...seed.extra } });
  const summary = await h.runtime().run.refreshOrgs([orgId], h.scope());
  expect(summary.refreshed).toBe(1);
  return (await h.getRecord(orgId)) as Record<string, unknown>;
}

describe('Class: OrgRemoval (DynamoDB Local, oidc-provider)', () => {
  it('removes: a tombstone with no secret, both tokens revoked and dead at the provider, one Org Removed event', async () => {
    const before = await activeOrg('rm-good');
    const refreshToken = before.refreshToken as string;
    const accessToken = before.accessToken as string;
    expect(await h.oauth.refreshTokenUsable(refreshToken)).toBe(true);

    const result = await removal().remove('rm-good', RemovedBy.App, scope());

    expect(result).toMatchObject({
      outcome: 'removed',
      by: 'REMOVED_BY_APP',
      revocation: { refreshToken: { result: 'REVOKED' }, accessToken: { result: 'REVOKED' } },
      requests: 2,
    });
    const after = (await h.getRecord('rm-good')) as Record<string, unknown>;
    expect(after).toMatchObject({
      status: 'REMOVED',
      statusReason: 'REMOVED_BY_APP',
      version: (before.version as number) + 1,
    });
    for (const gone of ['accessToken', 'refreshToken', 'clientSecret', 'dueShard', 'attention', 'leaseOwner']) {
      expect(after, gone).not.toHaveProperty(gone);
    }
    expect(after.grantIssuedAt).toBe(after.removedAt);
    expect(await h.oauth.refreshTokenUsable(refreshToken)).toBe(false);
    expect(await h.oauth.accessTokenValid(accessToken)).toBe(false);
    // The requests carried the org's own client authentication and the right hints.
    const sent = h.oauth.revocations.filter((r) => r.token === refreshToken || r.token === accessToken);
    expect(sent.map((r) => [r.tokenTypeHint, r.clientId])).toEqual([
      ['refresh_token', CLIENTS.basic.clientId],
      ['access_token', CLIENTS.basic.clientId],
    ]);
    const event = events.find((e) => e.detail.orgId === 'rm-good');
    expect(event).toMatchObject({
      type: 'Removed',
      detail: { reason: 'REMOVED_BY_APP', revocation: { refreshToken: 'REVOKED', accessToken: 'REVOKED' } },
    });
    expect(JSON.stringify(event)).not.toContain(refreshToken);
  });

  it('is idempotent: removing it again answers already removed, writes nothing and sends nothing', async () => {
    await activeOrg('rm-twice');
    await removal().remove('rm-twice', RemovedBy.App, scope());
    const tombstone = await h.getRecord('rm-twice');
    const revocations = h.oauth.stats.revocationRequests;
    const units: string[] = [];

    const again = await removal({ onCapacity: (op) => units.push(op) }).remove('rm-twice', RemovedBy.Operator, scope());

    expect(again).toEqual({ outcome: 'already_removed', orgId: 'rm-twice', removedAt: tombstone?.removedAt });
    expect(await h.getRecord('rm-twice')).toEqual(tombstone);
    expect(units).toEqual(['removalGet']);
    expect(h.oauth.stats.revocationRequests).toBe(revocations);
  });

  it('an unknown org is not found and nothing is written', async () => {
    expect(await removal().remove('rm-nobody', RemovedBy.App, scope())).toEqual({
      outcome: 'not_found',
      orgId: 'rm-nobody',
    });
    expect(await h.getRecord('rm-nobody')).toBeUndefined();
  });

  it('a live lease: the CLI answers busy at once and writes nothing; the intake waits, then removes what was committed', async () => {
    const before = await activeOrg('rm-leased');
    const hold = (until: number) =>
      h.doc.send(
        new UpdateCommand({
          TableName: h.table,
          Key: { orgId: 'rm-leased' },
          UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
          ExpressionAttributeValues: { ':o': 'run-holding', ':u': until },
        }),
      );
    await hold(Date.now() + 5_000);
    const held = await h.getRecord('rm-leased');

    const busy = await removal().remove('rm-leased', RemovedBy.Operator, scope(false));

    expect(busy).toMatchObject({ outcome: 'busy' });
    expect(busy.outcome === 'busy' && busy.retryAfterMs).toBeGreaterThan(4_000);
    expect(await h.getRecord('rm-leased')).toEqual(held);

    // A refresher holding it commits a rotated token 300 ms later; the waiting removal must revoke that one.
    const newToken = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'rm-leased');
    const committed = (async () => {
      await new Promise((r) => setTimeout(r, 300));
      await h.doc.send(
        new UpdateCommand({
          TableName: h.table,
          Key: { orgId: 'rm-leased' },
          UpdateExpression: 'SET refreshToken = :rt, version = :v REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeValues: {
            ':rt': newToken,
            ':v': (before.version as number) + 1,
            ':o': 'run-holding',
          },
        }),
      );
    })();
    const waited = await removal().remove('rm-leased', RemovedBy.App, scope(true));
    await committed;

    expect(waited).toMatchObject({ outcome: 'removed', revocation: { refreshToken: { result: 'REVOKED' } } });
    expect(h.oauth.revocations.some((r) => r.token === newToken)).toBe(true);
    expect(await h.oauth.refreshTokenUsable(newToken)).toBe(false);
    expect(await h.getRecord('rm-leased')).toMatchObject({
      status: 'REMOVED',
      version: (before.version as number) + 2,
    });
  });

  it('the version fence: a commit between the read and the write fails the write, and the committed token is the one revoked', async () => {
    const before = await activeOrg('rm-fenced');
    const rotated = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'rm-fenced');
    const real = new DynamoDbOrgRemoval({ tableName: h.table, client: h.doc });
    let raced = false;
    const racing: RemovalStore = {
      get: (orgId) => real.get(orgId),
      async tombstone(write, now) {
        if (!raced) {
          raced = true;
          // A refresher's commit lands after the removal read the record.
          await h.doc.send(
            new UpdateCommand({
              TableName: h.table,
              Key: { orgId: 'rm-fenced' },
              UpdateExpression: 'SET refreshToken = :rt, version = version + :one',
              ExpressionAttributeValues: { ':rt': rotated, ':one': 1 },
            }),
          );
        }
        return real.tombstone(write, now);
      },
    };

    const result = await removal({ store: racing }).remove('rm-fenced', RemovedBy.App, scope());

    expect(result).toMatchObject({ outcome: 'removed', revocation: { refreshToken: { result: 'REVOKED' } } });
    const revokedTokens = h.oauth.revocations.map((r) => r.token);
    expect(revokedTokens).toContain(rotated);
    expect(revokedTokens).not.toContain(before.refreshToken);
    expect(await h.oauth.refreshTokenUsable(rotated)).toBe(false);
    expect(await h.getRecord('rm-fenced')).toMatchObject({ version: (before.version as number) + 2 });
  });

  it.each([
    ['the provider answers 503 every time', 503, 'PROVIDER_UNAVAILABLE', 3],
    ['the provider refuses it (400)', 400, 'PROVIDER_REFUSED', 1],
  ])(
    'says what was not revoked when %s (%s: %s after %s requests), and removes the secrets all the same',
    async (_what, status, reason, attempts) => {
      const orgId = `rm-fail-${status}`;
      const before = await activeOrg(orgId);
      h.oauth.revocationHook = (info) =>
        info.token === before.refreshToken ? { kind: 'status', status, body: '{"error":"x"}' } : undefined;
      try {
        const result = await removal().remove(orgId, RemovedBy.App, scope());
        expect(result).toMatchObject({
          outcome: 'removed',
          revocation: { refreshToken: { result: 'NOT_REVOKED', reason }, accessToken: { result: 'REVOKED' } },
          requests: attempts + 1,
        });
      } finally {
        h.oauth.revocationHook = undefined;
      }
      expect(await h.getRecord(orgId)).not.toHaveProperty('refreshToken');
    },
  );

  it('no endpoint, a URL off the allow-list, an unreadable client: nothing sent, each said', async () => {
    await activeOrg('rm-no-endpoint', { extra: { revocationUrl: undefined } });
    await activeOrg('rm-evil-url', { extra: { revocationUrl: 'https://evil.example.net/revoke' } });
    await activeOrg('rm-no-secret');
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: 'rm-no-secret' },
        UpdateExpression: 'SET clientSecretId = :s',
        ExpressionAttributeValues: { ':s': 'tenant-tokens/deleted-meanwhile' },
      }),
    );
    const revocations = h.oauth.stats.revocationRequests;

    const none = await removal().remove('rm-no-endpoint', RemovedBy.App, scope());
    const evil = await removal().remove('rm-evil-url', RemovedBy.App, scope());
    const noSecret = await removal().remove('rm-no-secret', RemovedBy.App, scope());

    expect(none).toMatchObject({
      revocation: {
        refreshToken: { result: 'NOT_REVOKED', reason: 'NO_REVOCATION_ENDPOINT' },
        accessToken: { result: 'LEFT_TO_EXPIRE', reason: 'NO_REVOCATION_ENDPOINT' },
      },
      requests: 0,
    });
    expect(none.outcome === 'removed' && none.revocation.accessToken.expiresAt).toBeGreaterThan(Date.now());
    expect(evil).toMatchObject({ revocation: { refreshToken: { reason: 'REVOCATION_URL_REFUSED' } }, requests: 0 });
    expect(noSecret).toMatchObject({ revocation: { refreshToken: { reason: 'CLIENT_UNAVAILABLE' } }, requests: 0 });
    expect(h.oauth.stats.revocationRequests).toBe(revocations);
    for (const orgId of ['rm-no-endpoint', 'rm-evil-url', 'rm-no-secret']) {
      expect(await h.getRecord(orgId)).toMatchObject({ status: 'REMOVED' });
    }
  });

  it("the providers' own DELETE (Zendesk): the access token revoked as its own bearer, the refresh token said not revoked", async () => {
    const settings = { tokenEndpointOverride: h.oauth.origin };
    const orgId = 'rm-zendesk';
    await h.seedOrg(orgId, {
      clientKey: 'post',
      extra: { provider: 'zendesk', subdomain: 'acme', tokenUrl: undefined, clientAuth: undefined },
    });
    expect((await h.runtime({}, settings).run.refreshOrgs([orgId], h.scope())).refreshed).toBe(1);
    const before = (await h.getRecord(orgId)) as Record<string, unknown>;

    const result = await removal({ settings }).remove(orgId, RemovedBy.Operator, scope());

    expect(result).toMatchObject({
      revocation: {
        refreshToken: { result: 'NOT_REVOKED', reason: 'NO_REVOCATION_ENDPOINT' },
        accessToken: { result: 'REVOKED' },
      },
      requests: 1,
    });
    const request = h.oauth.revocations.at(-1);
    expect(request).toMatchObject({ method: 'DELETE', path: '/api/v2/oauth/tokens/current.json' });
    expect(request?.token).toBe(before.accessToken);
    expect(await h.oauth.accessTokenValid(before.accessToken as string)).toBe(false);
    // Honest: Zendesk documents no refresh-token revocation, and this one still works at the provider.
    expect(await h.oauth.refreshTokenUsable(before.refreshToken as string)).toBe(true);
  });

  it('a client_credentials org with its own client: the access token revoked, no refresh token held, the client gone', async () => {
    const before = await activeOrg('rm-cc', { clientKey: 'cc', grantType: 'client_credentials', ownClient: true });
    const result = await removal().remove('rm-cc', RemovedBy.App, scope());
    expect(result).toMatchObject({
      revocation: { refreshToken: { result: 'NONE_HELD' }, accessToken: { result: 'REVOKED' } },
    });
    expect(await h.oauth.accessTokenValid(before.accessToken as string)).toBe(false);
    const after = await h.getRecord('rm-cc');
    expect(after).not.toHaveProperty('clientSecret');
    expect(after).not.toHaveProperty('clientId');
  });
});

describe('Class: DynamoDbOrgRemoval (the write itself)', () => {
  const writeFor = (current: Record<string, unknown>, now: number) => {
    const d = removalDecision(current.orgId as string, { ...current, leaseUntil: undefined }, now, RemovedBy.App);
    if (d.decision !== 'write') throw new Error(d.decision);
    return d.write;
  };

  it('refuses under a live lease and at another version, returning the record as it is; writes otherwise', async () => {
    const store = new DynamoDbOrgRemoval({ tableName: h.table, client: h.doc });
    await activeOrg('rm-cond');
    const now = Date.now();
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: 'rm-cond' },
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
        ExpressionAttributeValues: { ':o': 'run-live', ':u': now + 10_000 },
      }),
    );
    const leased = (await h.getRecord('rm-cond')) as Record<string, unknown>;

    const underLease = await store.tombstone(writeFor(leased, now), now);
    const otherVersion = await store.tombstone(
      { ...writeFor(leased, now), expectedVersion: (leased.version as number) - 1 },
      now + 20_000,
    );
    const written = await store.tombstone(writeFor(leased, now + 20_000), now + 20_000);

    expect(underLease).toEqual({ written: false, current: leased });
    expect(otherVersion).toEqual({ written: false, current: leased });
    expect(written).toEqual({ written: true, old: leased });
    expect(await h.getRecord('rm-cond')).toMatchObject({ status: 'REMOVED' });
  });
});

describe('What one offboarding costs', () => {
  it('2 DynamoDB requests (1 consistent Get, 1 conditional Update), their capacity units, and 2 provider requests', async () => {
    await activeOrg('rm-cost');
    const capacity: Record<string, { requests: number; units: number }> = {};
    const onCapacity = (operation: string, c: ConsumedCapacity | undefined) => {
      capacity[operation] ??= { requests: 0, units: 0 };
      const entry = capacity[operation];
      entry.requests++;
      entry.units += c?.CapacityUnits ?? 0;
    };
    const revocations = h.oauth.stats.revocationRequests;

    const result = await removal({ onCapacity }).remove('rm-cost', RemovedBy.App, scope());

    expect(result.outcome).toBe('removed');
    // The write: the table item (1 unit, the record under 1 KB) and the org's due-index entry deleted (1 unit).
    expect(capacity).toEqual({ removalGet: { requests: 1, units: 1 }, remove: { requests: 1, units: 2 } });
    expect(h.oauth.stats.revocationRequests - revocations).toBe(2);
    console.info(`offboarding cost: ${JSON.stringify(capacity)}, provider requests 2`);
  });
});
