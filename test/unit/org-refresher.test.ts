// OrgRefresher: one org's refresh end to end over in-memory ports (claim, exchange, commit, failure transitions).
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, FailureClass, RefreshError } from '../../lambdas/core/errors.js';
import type { HttpOutcome } from '../../lambdas/core/ports.js';
import { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import type { CapturedLog } from '../support/harness.js';
import type { MemoryTokenStore } from '../support/memory-store.js';
import {
  type FakeClock,
  type FakeCredentials,
  OLD_AT,
  OLD_RT,
  ok,
  type RecordingNotifier,
  type RefresherWorld,
  refresherWorld,
  ScriptedEndpoint,
  SECRET,
  scope,
  settings,
  status,
  T0,
} from '../support/refresher-world.js';

let clock: FakeClock;
let store: MemoryTokenStore;
let endpoint: ScriptedEndpoint;
let notifier: RecordingNotifier;
let credentials: FakeCredentials;
let log: CapturedLog;
let refresher: OrgRefresher;
let seed: RefresherWorld['seed'];
let record: RefresherWorld['record'];

beforeEach(() => {
  ({ clock, store, endpoint, notifier, credentials, log, refresher, seed, record } = refresherWorld());
});

describe('Class: OrgRefresher', () => {
  describe('Method: refresh — success', () => {
    it('claims, sends the org request, commits the rotated pair and releases the lease (version +1: the claim takes the lease only)', async () => {
      seed();
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

      expect(outcome).toMatchObject({ result: 'refreshed' });
      expect(record()).toMatchObject({
        accessToken: 'new-access-token',
        refreshToken: 'new-refresh-token',
        version: 8,
        consecutiveFailures: 0,
      });
      expect(record().leaseOwner).toBeUndefined();
      expect(record().expiresAt).toBe(T0 + 3_600_000);
      expect(record().refreshAt).toBe(T0 + 3_600_000 - 600_000);
      expect(new URLSearchParams(endpoint.requests[0]?.body).get('refresh_token')).toBe(OLD_RT);
    });

    it('spreads the first refresh after onboarding over the usable lifetime (no onboarding herd)', async () => {
      seed('org-1', { lastRefreshedAt: undefined });
      await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      // random() is 0.5 here: half-way between one schedule period after issue and expiry − lead.
      const earliest = T0 + 60_000;
      const latest = T0 + 3_600_000 - 600_000;
      expect(record().refreshAt).toBe(earliest + (latest - earliest) / 2);
      expect(record().lastRefreshedAt).toBe(T0);
    });

    it('keeps the stored refresh token when the provider does not rotate', async () => {
      seed();
      endpoint.script = [() => status(200, { access_token: 'a2', token_type: 'Bearer', expires_in: 3600 })];
      await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(record()).toMatchObject({ accessToken: 'a2', refreshToken: OLD_RT });
    });

    it('retries a claim once with the current version when the due index was stale', async () => {
      seed('org-1', { version: 8 });
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome.result).toBe('refreshed');
      expect(record().version).toBe(9);
    });

    it('emits Recovered after three or more failures in a row', async () => {
      seed('org-1', { consecutiveFailures: 3, lastError: { code: 'PROVIDER_UNAVAILABLE', message: 'x', at: 1 } });
      await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(notifier.events).toEqual([{ type: 'Recovered', orgId: 'org-1', reason: 'PROVIDER_UNAVAILABLE' }]);
      expect(record().lastError).toBeUndefined();
    });

    it('reports a granted scope without offline_access for an org that needs it', async () => {
      seed('org-1', { requiresOfflineAccess: true, scope: 'openid' });
      endpoint.script = [() => ok('r', 'a', { scope: 'openid' })];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ result: 'refreshed', warnings: ['SCOPE_MISSING_OFFLINE_ACCESS'] });
    });
  });

  describe('Method: refresh — claim conflicts (no request is ever sent)', () => {
    it.each([
      ['lease held by another run', { leaseOwner: 'run-B', leaseUntil: T0 + 30_000 }, 'LEASED'],
      ['already refreshed by another run', { version: 9, refreshAt: T0 + 3_000_000 }, 'NOT_DUE'],
      ['moved to re-auth', { status: 'REAUTH_REQUIRED' }, 'NOT_ACTIVE'],
    ])('%s → skipped %s', async (_, extra, reason) => {
      seed('org-1', extra);
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toEqual({ orgId: 'org-1', result: 'skipped', reason });
      expect(endpoint.requests).toHaveLength(0);
    });

    it('an org deleted since the index was read → skipped NOT_FOUND', async () => {
      expect(await refresher.refresh({ orgId: 'gone', version: 1 }, scope)).toMatchObject({
        result: 'skipped',
        reason: 'NOT_FOUND',
      });
    });

    it('a store error during the claim fails the org alone (STORE_UNAVAILABLE) and sends nothing', async () => {
      seed();
      store.beforeOp = (op) => {
        if (op === 'claim')
          throw Object.assign(new Error('ProvisionedThroughputExceeded'), { name: 'ThrottlingException' });
      };
      expect(await refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({
        result: 'failed',
        code: 'STORE_UNAVAILABLE',
      });
      expect(endpoint.requests).toHaveLength(0);
    });
  });

  describe('Method: refresh — dead grants and lost rotations', () => {
    it('invalid_grant → REAUTH_REQUIRED, out of the index, refresh token removed, ReauthRequired event', async () => {
      seed();
      endpoint.script = [() => status(400, { error: 'invalid_grant' })];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ result: 'failed', code: 'INVALID_GRANT', rotationLost: false });
      expect(record()).toMatchObject({
        status: 'REAUTH_REQUIRED',
        attention: 'REAUTH_REQUIRED',
        lastError: { code: 'INVALID_GRANT' },
      });
      expect(record().dueShard).toBeUndefined();
      expect(record().refreshToken).toBeUndefined();
      expect(notifier.events).toEqual([{ type: 'ReauthRequired', orgId: 'org-1', reason: 'INVALID_GRANT' }]);
    });

    it('taking over an abandoned lease makes the attempt ambiguous: invalid_grant then means ROTATION_LOST', async () => {
      seed('org-1', { leaseOwner: 'crashed-run', leaseUntil: T0 - 1 });
      endpoint.script = [() => status(400, { error: 'invalid_grant' })];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code: 'ROTATION_LOST', rotationLost: true, ambiguous: true });
      expect(record()).toMatchObject({ status: 'REAUTH_REQUIRED', lastError: { code: 'ROTATION_LOST' } });
      expect(notifier.events[0]?.type).toBe('RotationLost');
    });

    it('rotationAtRisk on the record (an earlier silent attempt) also turns invalid_grant into ROTATION_LOST', async () => {
      seed('org-1', { rotationAtRisk: true });
      endpoint.script = [() => status(400, { error: 'invalid_grant' })];
      expect(await refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'ROTATION_LOST' });
    });

    it('invalid_grant after losing the record to another refresher is a race, not a dead grant', async () => {
      seed();
      endpoint.script = [
        () => {
          // Another run stole the lease meanwhile (it could only do so after ours expired).
          Object.assign(store.items.get('org-1') as object, { leaseOwner: 'run-B', version: 9 });
          return status(400, { error: 'invalid_grant' });
        },
      ];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ result: 'failed', race: true });
      expect(record().status).toBe('ACTIVE');
    });

    it('a timeout after sending is never retried in the same run (the server may still be processing it)', async () => {
      seed();
      endpoint.script = [() => ({ kind: 'no-response', reason: 'timeout', sent: true, detail: 'x' }), () => ok()];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code: 'AMBIGUOUS_OUTCOME', ambiguous: true });
      expect(endpoint.requests).toHaveLength(1);
      expect(record()).toMatchObject({ rotationAtRisk: true, refreshToken: OLD_RT, status: 'ACTIVE' });
    });

    it('a reset after sending gets exactly one quick retry with the same refresh token', async () => {
      seed();
      endpoint.script = [
        () => ({ kind: 'no-response', reason: 'network', sent: true, detail: 'ECONNRESET' }),
        () => ok(),
      ];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ result: 'refreshed', ambiguous: true });
      expect(endpoint.requests.map((r) => new URLSearchParams(r.body).get('refresh_token'))).toEqual([OLD_RT, OLD_RT]);
    });

    it('two resets → released with rotationAtRisk, refresh token kept, no third attempt', async () => {
      seed();
      endpoint.script = [() => ({ kind: 'no-response', reason: 'network', sent: true, detail: 'ECONNRESET' })];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code: 'AMBIGUOUS_OUTCOME', ambiguous: true });
      expect(endpoint.requests).toHaveLength(2);
      expect(record()).toMatchObject({ rotationAtRisk: true, refreshToken: OLD_RT, status: 'ACTIVE' });
    });
  });

  describe('Method: refresh — transient failures', () => {
    it('retries a 503 up to MAX_ATTEMPTS inside the lease, then releases with backoff', async () => {
      seed();
      endpoint.script = [() => status(503)];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', failureClass: 'transient' });
      expect(endpoint.requests).toHaveLength(3);
      expect(record()).toMatchObject({
        consecutiveFailures: 1,
        refreshToken: OLD_RT,
        version: 8,
        lastError: { code: 'PROVIDER_UNAVAILABLE' },
      });
      expect(record().attention).toBeUndefined();
      expect(record().refreshAt as number).toBeGreaterThan(clock.t - 1);
    });

    it('an org released past its token expiry is listed as EXPIRED, so the 401 gauge still counts it', async () => {
      seed('org-1', { expiresAt: T0 - 1, consecutiveFailures: 5 });
      endpoint.script = [() => status(503)];
      await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(record()).toMatchObject({ attention: 'EXPIRED', status: 'ACTIVE' });
    });

    it('a Retry-After longer than the lease allows is honoured by releasing at once with that delay', async () => {
      seed();
      endpoint.script = [() => status(429, {}, '600')];
      await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(endpoint.requests).toHaveLength(1);
      expect(record().refreshAt as number).toBeGreaterThanOrEqual(clock.t + 600_000);
    });

    it('never sends when less than one HTTP timeout of lease is left (slow secret fetch)', async () => {
      seed();
      credentials.get = async () => {
        clock.t += 55_000;
        return { clientId: 'client', clientSecret: SECRET };
      };
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(endpoint.requests).toHaveLength(0);
      expect(outcome).toMatchObject({ code: 'LEASE_TOO_SHORT', failureClass: 'transient' });
      expect(record()).toMatchObject({ refreshToken: OLD_RT, version: 8 });
    });

    it('stops retrying when the next attempt could outlive the lease (slow endpoint)', async () => {
      seed();
      endpoint = new ScriptedEndpoint([() => status(503)], clock, 25_000);
      refresher = new OrgRefresher({
        store,
        credentials,
        endpoint,
        notifier,
        clock,
        random: () => 0.999,
        log,
        settings,
      });
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      // 25 s per attempt in a 60 s lease: a third attempt would end after the lease, so only two are sent.
      expect(endpoint.requests).toHaveLength(2);
      expect(outcome).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    });
  });

  describe('Method: refresh — configuration and data problems', () => {
    it('an invalid record is marked RECORD_INVALID + MISCONFIGURED without reading its secret or sending', async () => {
      seed('org-1', { provider: 'genesys', region: 'nowhere-1' });
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code: 'RECORD_INVALID', failureClass: 'bad_data' });
      expect(credentials.reads).toBe(0);
      expect(endpoint.requests).toHaveLength(0);
      expect(record()).toMatchObject({ attention: 'MISCONFIGURED', version: 8 });
      expect(record().refreshAt as number).toBeGreaterThan(T0 + 20 * 60_000);
    });

    it.each([
      [ErrorCode.SecretNotFound, FailureClass.ClientMisconfigured, 'MISCONFIGURED'],
      [ErrorCode.SecretMalformed, FailureClass.ClientMisconfigured, 'MISCONFIGURED'],
      [ErrorCode.SecretUnavailable, FailureClass.Transient, undefined],
    ])('a secret failure %s → %s, attention %s, nothing sent', async (code, failureClass, attention) => {
      seed();
      credentials.error = new RefreshError(code, failureClass, `secret problem ${code}`);
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code, failureClass });
      expect(record().attention).toBe(attention);
      expect(endpoint.requests).toHaveLength(0);
    });

    it('the salvage write is retried through transient store errors like a commit', async () => {
      seed();
      endpoint.script = [() => status(200, { refresh_token: 'rotated-rt', token_type: 'Bearer' })];
      let failures = 0;
      store.beforeOp = (op) => {
        if (op === 'commit' && failures++ < 2)
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      };
      await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(record().refreshToken).toBe('rotated-rt');
    });

    it('an unusable 200 that carries a rotated refresh token stores that token (nothing lost)', async () => {
      seed();
      endpoint.script = [() => status(200, { refresh_token: 'rotated-rt', token_type: 'Bearer', expires_in: 3600 })];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ code: 'BAD_RESPONSE' });
      expect(record()).toMatchObject({
        refreshToken: 'rotated-rt',
        accessToken: OLD_AT,
        lastError: { code: 'BAD_RESPONSE' },
        version: 8,
      });
    });
  });

  describe('Method: refresh — commit', () => {
    it('retries a commit that fails transiently, then stores the tokens', async () => {
      seed();
      let failures = 0;
      store.beforeOp = (op) => {
        if (op === 'commit' && failures++ < 2)
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      };
      expect(await refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ result: 'refreshed' });
      expect(record().refreshToken).toBe('new-refresh-token');
    });

    it('a fenced commit (lease taken over) is reported as not committed, with a RotationLost event, never silently', async () => {
      seed();
      endpoint.script = [
        () => {
          Object.assign(store.items.get('org-1') as object, { leaseOwner: 'run-B', version: 9 });
          return ok();
        },
      ];
      const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ result: 'failed', code: 'LEASE_LOST', notCommitted: true, rotationLost: true });
      expect(notifier.events.map((e) => e.type)).toEqual(['RotationLost']);
      expect(log.lines.some((l) => l.level === 'error' && l.message.includes('not committed'))).toBe(true);
    });
  });

  it('Property: no log line ever contains a token or the client secret, whatever happened', async () => {
    const scenarios: (() => HttpOutcome)[] = [
      () => ok(),
      () => status(400, { error: 'invalid_grant', error_description: `bad token ${OLD_RT}` }),
      () => status(401, { error: 'invalid_client', error_description: `secret ${SECRET} wrong` }),
      () => status(200, { refresh_token: 'rotated-rt-2', access_token: 'short', token_type: 'mac', expires_in: 1 }),
      () => status(500, `<html>${OLD_AT}</html>`),
    ];
    for (const [i, s] of scenarios.entries()) {
      seed(`org-${i}`);
      endpoint.script = [s];
      await refresher.refresh({ orgId: `org-${i}`, version: 7 }, scope);
    }
    const text = log.text() + JSON.stringify([...store.items.values()].map((i) => i.lastError));
    for (const secret of [SECRET, OLD_RT, OLD_AT, 'new-refresh-token', 'new-access-token', 'rotated-rt-2']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("Class: OrgRefresher — the org's own client, refresh-token expiry, refused clients", () => {
  const OWN_SECRET = 'own-client-secret-in-the-record';
  const own = { clientSecretId: undefined, clientId: 'own-client', clientSecret: OWN_SECRET };
  const DAY = 86_400_000;
  const refresh = (orgId = 'org-1') => refresher.refresh({ orgId, version: 7 }, scope);

  it("sends the org's own client from its record and never asks Secrets Manager", async () => {
    seed('org-1', own);
    credentials.error = new RefreshError(ErrorCode.SecretNotFound, FailureClass.ClientMisconfigured, 'must not read');
    expect(await refresh()).toMatchObject({ result: 'refreshed' });
    expect(credentials.reads).toBe(0);
    expect(endpoint.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`own-client:${OWN_SECRET}`).toString('base64')}`,
    );
  });

  it("never lets the org's own secret into a log line or lastError, even when the provider echoes it", async () => {
    seed('org-1', own);
    endpoint.script = [() => status(401, { error: 'invalid_client', error_description: `secret ${OWN_SECRET} bad` })];
    await refresh();
    const text = log.text() + JSON.stringify(record().lastError) + JSON.stringify(notifier.details);
    expect(text).not.toContain(OWN_SECRET);
    expect(record().lastError).toMatchObject({ code: 'INVALID_CLIENT' });
  });

  it("stores the refresh token's expiry and refreshes before it runs out, whatever the access token's lifetime", async () => {
    seed();
    endpoint.script = [() => ok('rt-2', 'at-2', { expires_in: 30 * 86_400, refresh_token_expires_in: 7 * 86_400 })];
    await refresh();
    expect(record().refreshTokenExpiresAt).toBe(T0 + 7 * DAY);
    expect(record().refreshAt).toBe(T0 + 6 * DAY);
    expect(record().attention).toBeUndefined();
  });

  it('an unextendable refresh token inside the warning period: REFRESH_TOKEN_EXPIRING, one event, no Recovered', async () => {
    // The last refresh told us the refresh token dies in 3 days; this one rotates it with the same absolute expiry.
    seed('org-1', { refreshTokenExpiresAt: T0 + 3 * DAY });
    endpoint.script = [() => ok('rt-2', 'at-2', { refresh_token_expires_in: 3 * 86_400 })];
    await refresh();
    expect(record()).toMatchObject({ attention: 'REFRESH_TOKEN_EXPIRING', refreshTokenExpiresAt: T0 + 3 * DAY });
    expect(notifier.details).toEqual([
      expect.objectContaining({
        type: 'RefreshTokenExpiring',
        orgId: 'org-1',
        reason: 'REFRESH_TOKEN_EXPIRING',
        refreshTokenExpiresAt: T0 + 3 * DAY,
        message: expect.stringMatching(/re-authorise/),
      }),
    ]);
    // The next refresh keeps the mark, announces nothing, and is no "recovery".
    clock.t = record().refreshAt as number;
    endpoint.script = [() => ok('rt-3', 'at-3', { refresh_token_expires_in: 3 * 86_400 - (clock.t - T0) / 1000 })];
    await refresher.refresh({ orgId: 'org-1', version: record().version as number }, scope);
    expect(record().attention).toBe('REFRESH_TOKEN_EXPIRING');
    expect(notifier.events.map((e) => e.type)).toEqual(['RefreshTokenExpiring']);
  });

  it('a transient failure keeps the REFRESH_TOKEN_EXPIRING mark (only a commit may clear it)', async () => {
    seed('org-1', { attention: 'REFRESH_TOKEN_EXPIRING', refreshTokenExpiresAt: T0 + 3 * DAY });
    endpoint.script = [() => status(503)];
    await refresh();
    expect(record().attention).toBe('REFRESH_TOKEN_EXPIRING');
  });

  it('a rotation to a new full lifetime clears the mark (the grant lives on)', async () => {
    seed('org-1', { attention: 'REFRESH_TOKEN_EXPIRING', refreshTokenExpiresAt: T0 + 3 * DAY });
    endpoint.script = [() => ok('rt-2', 'at-2', { refresh_token_expires_in: 30 * 86_400 })];
    await refresh();
    expect(record().attention).toBeUndefined();
    expect(record().refreshTokenExpiresAt).toBe(T0 + 30 * DAY);
  });

  it('a client_credentials org whose client is refused: lastError and one ClientRejected event say it may be gone', async () => {
    seed('org-1', { ...own, grantType: 'client_credentials', refreshToken: undefined });
    endpoint.script = [() => status(401, { error: 'invalid_client' })];
    await refresh();
    expect((record().lastError as { message: string }).message).toMatch(
      /may have been deleted \(app uninstalled\) or disabled/,
    );
    expect(record().attention).toBe('MISCONFIGURED');
    expect(notifier.details).toEqual([
      expect.objectContaining({
        type: 'ClientRejected',
        reason: 'INVALID_CLIENT',
        message: "the org's OAuth client may have been deleted (app uninstalled) or disabled",
      }),
    ]);
    // The retry ~30 minutes later meets the same refusal: no second event.
    clock.t = (record().refreshAt as number) + 1;
    await refresher.refresh({ orgId: 'org-1', version: record().version as number }, scope);
    expect(notifier.events).toHaveLength(1);
  });
});
