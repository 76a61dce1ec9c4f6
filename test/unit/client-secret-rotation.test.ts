// Issue 16, path 3: rotating a shared client's secret under a warm refresher. The decision (core/client-rejection.ts),
// the re-read past the cache (SecretsManagerCredentials.afterRejection, against a mocked Secrets Manager) and one
// org's refresh end to end over in-memory ports: a refused client with a cached secret is re-read once and retried,
// and nothing else is.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { REREAD_INTERVAL_MS, SecretsManagerCredentials } from '../../lambdas/adapters/secrets-credentials.js';
import { rejectedClientStep } from '../../lambdas/core/client-rejection.js';
import { ErrorCode } from '../../lambdas/core/errors.js';
import type { ClientCredentials, CredentialsSource, TokenRequest } from '../../lambdas/core/ports.js';
import { Attention } from '../../lambdas/core/record.js';
import { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import { ok, refresherWorld, scope, settings, status, T0 } from '../support/refresher-world.js';

const OLD = { clientId: 'shared-client', clientSecret: 'old-client-secret-0123456789' };
const NEW = { clientId: 'shared-client', clientSecret: 'new-client-secret-9876543210' };
const SECRET_ID = 'tenant-tokens/client';
const json = (c: ClientCredentials) => JSON.stringify(c);

describe('Function: rejectedClientStep', () => {
  it.each<[string, Parameters<typeof rejectedClientStep>[0], string, string]>([
    [
      'invalid_client, shared client',
      { code: ErrorCode.InvalidClient, sharedClient: true },
      'reread',
      'SECRET_MAY_HAVE_ROTATED',
    ],
    [
      'unauthorized_client, shared client',
      { code: ErrorCode.UnauthorizedClient, sharedClient: true },
      'reread',
      'SECRET_MAY_HAVE_ROTATED',
    ],
    [
      "invalid_client, the org's own client (no cache)",
      { code: ErrorCode.InvalidClient, sharedClient: false },
      'keep',
      'OWN_CLIENT',
    ],
    ['invalid_grant', { code: ErrorCode.InvalidGrant, sharedClient: true }, 'keep', 'NOT_A_CLIENT_REJECTION'],
    ['another 4xx', { code: ErrorCode.ProviderRejected, sharedClient: true }, 'keep', 'NOT_A_CLIENT_REJECTION'],
    ['a 5xx', { code: ErrorCode.ProviderUnavailable, sharedClient: true }, 'keep', 'NOT_A_CLIENT_REJECTION'],
  ])('%s → %s (%s)', (_, facts, decision, reason) => {
    expect(rejectedClientStep(facts)).toEqual({ decision, reason });
  });
});

describe('Method: SecretsManagerCredentials.afterRejection', () => {
  const sm = mockClient(SecretsManagerClient);
  let t = T0;
  const source = () =>
    new SecretsManagerCredentials({
      maxAgeSeconds: 300,
      client: new SecretsManagerClient({ region: 'us-east-1' }),
      now: () => t,
    });
  const reads = () => sm.commandCalls(GetSecretValueCommand).length;
  beforeEach(() => {
    sm.reset();
    t = T0;
  });

  it('reads the rotated secret past the warm cache, once for every org refused meanwhile, and caches it', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: json(OLD) })
      .resolves({ SecretString: json(NEW) });
    const creds = source();
    expect(await creds.get(SECRET_ID)).toEqual(OLD);
    t += REREAD_INTERVAL_MS;

    const fresh = await Promise.all(Array.from({ length: 20 }, () => creds.afterRejection(SECRET_ID, OLD)));

    expect(fresh.every((c) => c?.clientSecret === NEW.clientSecret)).toBe(true);
    expect(reads()).toBe(2);
    // Orgs refused later (their request had gone out with the old secret) get the new one without a read…
    expect(await creds.afterRejection(SECRET_ID, OLD)).toEqual(NEW);
    // …and every org that reads the client from now on gets the new one from the cache.
    expect(await creds.get(SECRET_ID)).toEqual(NEW);
    expect(reads()).toBe(2);
  });

  it('an unchanged secret: undefined (the client itself is refused), and at most one read per interval', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: json(OLD) });
    const creds = source();
    await creds.get(SECRET_ID);
    expect(await creds.afterRejection(SECRET_ID, OLD)).toBeUndefined();
    expect(reads()).toBe(2);
    // A client the provider keeps refusing: a thousand refusals in the next 10 s cost no read.
    for (let i = 0; i < 1000; i++) {
      t += 9;
      expect(await creds.afterRejection(SECRET_ID, OLD)).toBeUndefined();
    }
    expect(reads()).toBe(2);
    t += REREAD_INTERVAL_MS - 9_000;
    await creds.afterRejection(SECRET_ID, OLD);
    expect(reads()).toBe(3);
  });

  it('a secret rotated moments after the cache read it is re-read too (the interval counts from the last re-read)', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: json(OLD) })
      .resolves({ SecretString: json(NEW) });
    const creds = source();
    await creds.get(SECRET_ID);
    t += 1;
    expect(await creds.afterRejection(SECRET_ID, OLD)).toEqual(NEW);
  });

  it('a failed re-read is not an error of its own: undefined, never a throw', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: json(OLD) })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));
    const creds = source();
    await creds.get(SECRET_ID);
    t += REREAD_INTERVAL_MS;
    expect(await creds.afterRejection(SECRET_ID, OLD)).toBeUndefined();
  });
});

/** Credentials with a warm cache holding the old secret; Secrets Manager already holds `current`. */
class RotatingCredentials implements CredentialsSource {
  rereads = 0;
  constructor(public current: ClientCredentials | undefined) {}
  async get() {
    return OLD;
  }
  async afterRejection(_id: string, rejected: ClientCredentials) {
    this.rereads++;
    return this.current && this.current.clientSecret !== rejected.clientSecret ? this.current : undefined;
  }
}

function world(current: ClientCredentials | undefined, extra: Record<string, unknown> = {}) {
  const w = refresherWorld();
  const credentials = new RotatingCredentials(current);
  const refresher = new OrgRefresher({
    store: w.store,
    credentials,
    endpoint: w.endpoint,
    notifier: w.notifier,
    clock: w.clock,
    random: () => 0.5,
    log: w.log,
    settings,
  });
  w.seed('org-1', extra);
  return { ...w, credentials, refresher };
}
const presentedSecret = (req: TokenRequest | undefined) => {
  const basic = /^Basic (.+)$/.exec(req?.headers.authorization ?? '')?.[1] ?? '';
  return decodeURIComponent(Buffer.from(basic, 'base64').toString('utf8').split(':')[1] ?? '');
};
/** A provider that accepts only the new secret. */
const provider = (req: TokenRequest) =>
  presentedSecret(req) === NEW.clientSecret ? ok() : status(401, { error: 'invalid_client' });

describe('Class: OrgRefresher — a shared client refused with a cached secret', () => {
  it('re-reads the secret, retries once with the new one and commits: no failure, no MISCONFIGURED', async () => {
    const w = world(NEW);
    w.endpoint.script = [provider];

    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

    expect(outcome).toMatchObject({ result: 'refreshed' });
    expect(w.endpoint.requests.map(presentedSecret)).toEqual([OLD.clientSecret, NEW.clientSecret]);
    expect(w.record()).toMatchObject({ version: 8, consecutiveFailures: 0 });
    expect(w.record().attention).toBeUndefined();
    expect(w.notifier.events).toEqual([]);
    expect(w.log.text()).not.toContain(NEW.clientSecret);
  });

  it('a secret Secrets Manager still holds unchanged: MISCONFIGURED, one request, retried before the token expires', async () => {
    const w = world(undefined);
    w.endpoint.script = [provider];

    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'INVALID_CLIENT' });
    expect(w.endpoint.requests).toHaveLength(1);
    expect(w.credentials.rereads).toBe(1);
    expect(w.record()).toMatchObject({ attention: Attention.Misconfigured });
    // The first misconfiguration in a row: halfway to the token's expiry (T0 + 5 min), not ~30 minutes.
    expect(w.record().refreshAt).toBe(T0 + 150_000);
  });

  it('the new secret refused too: the client itself is wrong; no second re-read, no third request', async () => {
    const w = world({ clientId: 'shared-client', clientSecret: 'also-wrong-secret-000000' });
    w.endpoint.script = [provider];

    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'INVALID_CLIENT' });
    expect(w.endpoint.requests).toHaveLength(2);
    expect(w.credentials.rereads).toBe(1);
    expect(w.log.text()).not.toContain('also-wrong-secret-000000');
  });

  it("an org's own client (in its record) is never re-read: there is no cache to be stale", async () => {
    const w = world(NEW, { clientSecretId: undefined, clientId: 'own-client', clientSecret: OLD.clientSecret });
    w.endpoint.script = [provider];

    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'INVALID_CLIENT' });
    expect(w.credentials.rereads).toBe(0);
  });

  it.each([
    ['invalid_grant', () => status(400, { error: 'invalid_grant' })],
    ['a 503', () => status(503)],
    ['invalid_scope', () => status(400, { error: 'invalid_scope' })],
  ])('%s is not a refused client: no re-read', async (_, answer) => {
    const w = world(NEW);
    w.endpoint.script = [answer];
    await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(w.credentials.rereads).toBe(0);
  });

  it('an ambiguous attempt before the refusal still counts when the retry succeeds: reported ambiguous', async () => {
    const w = world(NEW);
    w.endpoint.script = [
      () => ({ kind: 'no-response', reason: 'network', sent: true, detail: 'ECONNRESET' }),
      provider,
      provider,
    ];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({
      result: 'refreshed',
      ambiguous: true,
    });
  });

  it('an ambiguous attempt before the refusal still counts: invalid_grant after the retry is ROTATION_LOST', async () => {
    const w = world(NEW);
    w.endpoint.script = [
      () => ({ kind: 'no-response', reason: 'network', sent: true, detail: 'ECONNRESET' }),
      provider,
      () => status(400, { error: 'invalid_grant' }),
    ];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'ROTATION_LOST' });
  });

  it('a 502 before the refusal (rotation at risk, not a lost answer) still counts: invalid_grant after the retry is ROTATION_LOST', async () => {
    const w = world(NEW);
    w.endpoint.script = [() => status(502), provider, () => status(400, { error: 'invalid_grant' })];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'ROTATION_LOST' });
  });

  it('a clean refusal and retry is not reported ambiguous (nothing was at risk)', async () => {
    const w = world(NEW);
    w.endpoint.script = [provider];
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'refreshed' });
    expect((outcome as { ambiguous?: boolean }).ambiguous).not.toBe(true);
  });

  it('a reset before the refusal still counts when the retry fails transiently: released at risk, reported ambiguous', async () => {
    const w = world(NEW);
    w.endpoint.script = [
      () => ({ kind: 'no-response', reason: 'network', sent: true, detail: 'ECONNRESET' }),
      provider,
      () => status(503),
    ];
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'failed', ambiguous: true });
    expect(w.record()).toMatchObject({ rotationAtRisk: true, status: 'ACTIVE' });
  });
});
