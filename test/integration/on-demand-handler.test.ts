// The on-demand function's real Lambda entry point (middy, Powertools logger and EMF metrics on stdout as in Lambda)
// against DynamoDB Local and oidc-provider (rotation on): what each call answers, that a refreshed token is one the
// provider accepts, the metrics, and that no log line carries any token and no answer a refresh token or a client
// secret. And the DynamoDB claim's per-org limit itself (the condition, not the pre-check).

import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { onDemandTimeoutSeconds } from '../../cdk/constructs/on-demand-refresh-function.js';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.js';
import { ConditionFailedError } from '../../lambdas/core/errors.js';
import { fingerprint } from '../../lambdas/core/redact.js';
import { MetricName } from '../../lambdas/metrics.js';
import type { OnDemandAnswer } from '../../lambdas/on-demand/on-demand-answer.js';
import { captureOutput, emfMetrics } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { LeakLedger } from '../reliability/support/leak-ledger.js';
import { CLIENTS, createHarness, type Harness } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-on-demand-parts';
});
const { buildOnDemandHandler, createOnDemandParts } = await import('../../lambdas/on-demand/handler.js');

type Handler = (event: unknown, context: Context) => Promise<OnDemandAnswer>;
let h: Harness;
let handler: Handler;
const savedEnv = { ...process.env };
// The function's own timeout as the stack sets it: a lease hold and 20 s (cdk/constructs/on-demand-refresh-function.ts).
const context = () =>
  lambdaContext(
    onDemandTimeoutSeconds({
      leaseSeconds: h.config.leaseMs / 1000,
      lambdaTimeoutSeconds: h.config.lambdaTimeoutMs / 1000,
    }) * 1000,
    { functionName: 'on-demand' },
  );

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  // What an operator might switch on while debugging: the handler must still never print an event or an answer.
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  handler = buildOnDemandHandler(
    createOnDemandParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }),
  ) as Handler;
});
afterAll(async () => {
  process.env = savedEnv;
  await h.close();
});

/** Seeds orgs and gives each its first access token through the refresher itself. */
async function activeOrgs(...orgIds: string[]): Promise<void> {
  for (const orgId of orgIds) await h.seedOrg(orgId);
  const summary = await h.runtime().run.refreshOrgs(orgIds, h.scope());
  expect(summary.refreshed).toBe(orgIds.length);
}
const accessTokenOf = async (orgId: string) => String((await h.getRecord(orgId))?.accessToken);

describe('Lambda handler (lambdas/on-demand/handler.ts)', () => {
  it('answers each kind of call by code, refreshes once, and leaks nothing', async () => {
    // Prepare
    await activeOrgs('od-a', 'od-revoked');
    const firstToken = await accessTokenOf('od-a');
    await h.oauth.revokeGrant(String((await h.getRecord('od-revoked'))?.refreshToken));
    const requestsBefore = h.oauth.stats.tokenRequests;
    const rejected = async (token: string) => ({
      action: 'refreshNow',
      orgId: 'od-a',
      rejected: await fingerprint(token),
    });

    // Act
    const { result: answers, lines } = await captureOutput(async () => {
      const out: OnDemandAnswer[] = [];
      const call = async (event: unknown) => out.push(await handler(event, context()));
      await call(await rejected(firstToken)); // 0: refreshes
      await call(await rejected(firstToken)); // 1: an old token: the newer one at once
      const fresh = out[0]?.ok ? out[0].accessToken : '';
      await call(await rejected(fresh)); // 2: the fresh one rejected too, seconds later: LIMITED
      await call({ action: 'getAccessToken', orgId: 'od-a', minValidityMs: 2 * 3_600_000 }); // 3: as fresh as it gets
      await call({ action: 'getAccessToken', orgId: 'od-a', minValidityMs: 60_000 }); // 4: long enough
      await call({
        action: 'refreshNow',
        orgId: 'od-revoked',
        rejected: await fingerprint(await accessTokenOf('od-revoked')),
      });
      await call({ action: 'refreshNow', orgId: 'od-nobody', rejected: 'sha256:0123456789ab' }); // 6
      await call({ action: 'refreshNow', orgId: 'od-a', rejected: fresh }); // 7: the token itself: refused, not echoed
      return out;
    });

    // Assess: the answers
    const codes = answers.map((a) => (a.ok ? a.source : a.error.code));
    expect(codes).toEqual([
      'refreshed',
      'stored',
      'LIMITED',
      'stored',
      'stored',
      'REAUTH_REQUIRED',
      'ORG_NOT_FOUND',
      'INVALID_REQUEST',
    ]);
    const fresh = answers[0]?.ok ? answers[0].accessToken : '';
    expect(fresh).not.toBe(firstToken);
    expect(await h.oauth.accessTokenValid(fresh)).toBe(true);
    expect(answers[1]).toMatchObject({ ok: true, accessToken: fresh });
    expect(answers[2]).toMatchObject({ ok: false, error: { retryAfterSeconds: expect.any(Number) } });
    expect(answers[5]).toMatchObject({ ok: false, error: { reason: 'INVALID_GRANT' } });
    expect((await h.getRecord('od-revoked'))?.status).toBe('REAUTH_REQUIRED');
    // One request for od-a (rotation on: a second would have been reuse) and one for the revoked grant.
    expect(h.oauth.stats.tokenRequests - requestsBefore).toBe(2);
    expect(h.oauth.stats.invalidGrant).toBe(1);

    // Assess: one log line and one EMF line per call, the refreshes counted as the refresher counts them
    expect(lines.filter((l) => l.includes('"message":"on-demand refresh"'))).toHaveLength(answers.length);
    const metrics = lines.map(emfMetrics).filter((m) => Object.keys(m).length > 0);
    const sum = (name: string) => metrics.reduce((s, m) => s + (m[name] ?? 0), 0);
    expect(sum(MetricName.OnDemandRefreshed)).toBe(1);
    expect(sum(MetricName.OnDemandServed)).toBe(3);
    expect(sum(MetricName.OnDemandLimited)).toBe(1);
    expect(sum(MetricName.OnDemandFailed)).toBe(3);
    expect(sum(MetricName.OnDemandRepeated)).toBe(0);
    expect(sum(MetricName.RefreshSucceeded)).toBe(1);
    expect(sum(MetricName.ReauthRequired)).toBe(1);

    // Assess: no token of any kind in the output; no refresh token or client secret in an answer
    const logs = new LeakLedger();
    logs.addOAuthServer(h.oauth, Object.values(CLIENTS));
    logs.addText('on-demand output', lines.join('\n'));
    expect(logs.scan().leaks).toEqual([]);
    const answered = new Set(answers.flatMap((a) => (a.ok ? [a.accessToken] : [])));
    for (const token of answered) expect(await h.oauth.accessTokenValid(token)).toBe(true);
    const answersLedger = new LeakLedger();
    answersLedger.addSecrets(
      [...h.oauth.issuedTokens].filter((t) => !answered.has(t)),
      'refresh token or another access token',
    );
    for (const c of Object.values(CLIENTS)) answersLedger.addSecret(c.clientSecret, 'client secret');
    answersLedger.addText('answers', answers);
    expect(answersLedger.scan().leaks).toEqual([]);
  });
});

describe('DynamoDbTokenStore.claim with forced (the per-org limit in the condition)', () => {
  it('refuses a forced claim while the last forced refresh is too recent, stamps it otherwise', async () => {
    // Prepare
    const store = new DynamoDbTokenStore({ tableName: h.table, client: h.doc });
    const now = Date.now();
    await h.seedOrg('od-claim', { extra: { version: 3, forcedRefreshAt: now - 10_000 } });
    const claim = (owner: string, previousBefore: number | undefined) =>
      store.claim({
        orgId: 'od-claim',
        expectedVersion: 3,
        owner,
        leaseUntil: now + 30_000,
        now,
        ...(previousBefore === undefined ? {} : { forced: { previousBefore } }),
      });

    // Act + Assess: the last forced refresh (10 s ago) is not before now − 30 s: refused, the item returned
    const refused = await claim('od-1', now - 30_000).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConditionFailedError);
    expect((refused as ConditionFailedError).current).toMatchObject({ forcedRefreshAt: now - 10_000 });
    expect((await h.getRecord('od-claim'))?.leaseOwner).toBeUndefined();
    // A limit of 5 s lets it through and stamps this claim's time.
    await claim('od-2', now - 5_000);
    expect(await h.getRecord('od-claim')).toMatchObject({ leaseOwner: 'od-2', forcedRefreshAt: now });
  });

  it('leaves forcedRefreshAt alone on a sweep’s claim (no limit for scheduled refreshes)', async () => {
    const store = new DynamoDbTokenStore({ tableName: h.table, client: h.doc });
    const now = Date.now();
    await h.seedOrg('od-sweep', { extra: { version: 2, forcedRefreshAt: now - 1_000 } });
    await store.claim({ orgId: 'od-sweep', expectedVersion: 2, owner: 'sweep', leaseUntil: now + 30_000, now });
    expect(await h.getRecord('od-sweep')).toMatchObject({ leaseOwner: 'sweep', forcedRefreshAt: now - 1_000 });
  });
});
