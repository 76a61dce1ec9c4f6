// Refresh tokens that expire, on DynamoDB Local with a real oidc-provider issuing them (refresh_token_expires_in in
// the answer, as Zendesk sends it): the expiry is stored, the schedule refreshes before it whatever the access
// token's lifetime, and an org whose refresh token cannot be extended raises the gauge, the EMF metric and the event.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newOrgRecord } from '../../lambdas/core/new-org-record.js';
import { MetricName } from '../../lambdas/metrics.js';
import { captureOutput, emfMetrics } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

const DAY = 86_400_000;

/** An org event as LogNotifier logged it (no event bus in tests). */
const events = (h: Harness, orgId: string) =>
  h.log.lines.filter((l) => l.message === 'org event' && l.fields?.orgId === orgId).map((l) => l.fields);

/**
 * As if the last refresh had been ten minutes ago: refreshes moments apart cannot tell an absolute expiry from a
 * sliding one (core/refresh-token-outlook.ts), and the provider's clock cannot be moved.
 */
async function lastRefreshedLongAgo(h: Harness, orgId: string): Promise<void> {
  await h.doc.send(
    new UpdateCommand({
      TableName: h.table,
      Key: { orgId },
      UpdateExpression: 'SET lastRefreshedAt = lastRefreshedAt - :ten',
      ExpressionAttributeValues: { ':ten': 600_000 },
    }),
  );
}

describe('Refresh-token expiry: a provider whose refresh tokens die on a fixed date (absolute)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), {
      oauth: {
        accessTokenTtlSeconds: 3600,
        refreshTokenTtlSeconds: 3 * 86_400,
        refreshTokenExpiry: 'absolute',
        reportRefreshTokenExpiresIn: true,
      },
    });
  });
  afterAll(async () => h.close());

  it('stores the expiry, then marks the org REFRESH_TOKEN_EXPIRING with one event once refreshing does not move it', async () => {
    await h.seedOrg('rte-absolute');
    const run = h.runtime().run;

    // First refresh: the expiry is learnt (3 days away) — no warning yet: whether refreshing extends it is unknown.
    await run.refreshOrgs(['rte-absolute'], h.scope());
    const first = await h.getRecord('rte-absolute');
    expect(first?.refreshTokenExpiresAt as number).toBeGreaterThan(Date.now() + 3 * DAY - 120_000);
    expect(first?.attention).toBeUndefined();

    // Second refresh: rotated, same absolute expiry → heading for re-authorisation.
    await lastRefreshedLongAgo(h, 'rte-absolute');
    await run.refreshOrgs(['rte-absolute'], h.scope());
    const second = await h.getRecord('rte-absolute');
    expect(second).toMatchObject({ attention: 'REFRESH_TOKEN_EXPIRING', status: 'ACTIVE' });
    expect(Math.abs((second?.refreshTokenExpiresAt as number) - (first?.refreshTokenExpiresAt as number))).toBeLessThan(
      60_000,
    );
    expect(events(h, 'rte-absolute')).toEqual([
      expect.objectContaining({
        type: 'RefreshTokenExpiring',
        detailType: 'Org Refresh Token Expiring',
        reason: 'REFRESH_TOKEN_EXPIRING',
        refreshTokenExpiresAt: new Date(second?.refreshTokenExpiresAt as number).toISOString(),
      }),
    ]);

    // A third refresh keeps the mark and says nothing new.
    await lastRefreshedLongAgo(h, 'rte-absolute');
    await run.refreshOrgs(['rte-absolute'], h.scope());
    expect((await h.getRecord('rte-absolute'))?.attention).toBe('REFRESH_TOKEN_EXPIRING');
    expect(events(h, 'rte-absolute')).toHaveLength(1);
  });

  it('the sweep counts it from the attention index: OrgsRefreshTokenExpiring in the summary and in EMF', async () => {
    // handler.ts builds Lambda's own handler from process.env when loaded: give it this harness's environment.
    const saved = { ...process.env };
    Object.assign(process.env, h.env);
    const { buildHandler, createHandlerParts } = await import('../../lambdas/refresher/handler.js');
    process.env = saved;
    const handler = buildHandler(createHandlerParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }));
    const { result, lines } = await captureOutput(() =>
      handler({ sweep: true }, lambdaContext(h.config.lambdaTimeoutMs)),
    );
    expect(result).toMatchObject({ mode: 'sweep', orgsRefreshTokenExpiring: 1 });
    const emf = lines.map(emfMetrics).find((m) => MetricName.OrgsRefreshTokenExpiring in m);
    expect(emf?.[MetricName.OrgsRefreshTokenExpiring]).toBe(1);
  });

  it('a warning period shorter than what is left says nothing (REFRESH_TOKEN_WARNING_SECONDS)', async () => {
    await h.seedOrg('rte-short-warning');
    const run = h.runtime({}, { refreshTokenWarningMs: DAY }).run;
    await run.refreshOrgs(['rte-short-warning'], h.scope());
    await lastRefreshedLongAgo(h, 'rte-short-warning');
    await run.refreshOrgs(['rte-short-warning'], h.scope());
    expect((await h.getRecord('rte-short-warning'))?.attention).toBeUndefined();
  });
});

describe('Refresh-token expiry: a provider that rotates to a new full lifetime (sliding, Zendesk)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), {
      oauth: {
        // Access tokens outlive refresh tokens: only the refresh token's expiry can keep the grant alive.
        accessTokenTtlSeconds: 10 * 86_400,
        refreshTokenTtlSeconds: 3 * 86_400,
        refreshTokenExpiry: 'sliding',
        reportRefreshTokenExpiresIn: true,
        honourRequestedLifetimes: true,
      },
    });
  });
  afterAll(async () => h.close());

  it('refreshes a day before the refresh token runs out, not on the 10-day access token, and does not warn', async () => {
    await h.seedOrg('rte-sliding');
    const run = h.runtime().run;
    for (let i = 0; i < 2; i++) await run.refreshOrgs(['rte-sliding'], h.scope());
    const rec = await h.getRecord('rte-sliding');
    const rtExpiresAt = rec?.refreshTokenExpiresAt as number;
    expect(rtExpiresAt).toBeGreaterThan(Date.now() + 3 * DAY - 120_000);
    expect(rec?.expiresAt as number).toBeGreaterThan(Date.now() + 9 * DAY);
    expect(rec?.refreshAt as number).toBeLessThanOrEqual(rtExpiresAt - DAY);
    expect(rec?.attention).toBeUndefined();
    expect(events(h, 'rte-sliding')).toEqual([]);
  });

  it('a Zendesk org asks for its lifetimes and gets them (expires_in, refresh_token_expires_in)', async () => {
    const rt = await h.oauth.mintRefreshToken(CLIENTS.post.clientId, 'rte-zendesk');
    const item = newOrgRecord(
      {
        orgId: 'rte-zendesk',
        provider: 'zendesk',
        subdomain: 'acme',
        grantType: 'refresh_token',
        clientSecretId: secretIdFor(CLIENTS.post.clientId),
        requestedExpiresIn: 600,
        requestedRefreshTokenExpiresIn: 8 * 86_400,
      },
      { refreshToken: rt },
      { refreshAt: Date.now() - 1000, shardCount: h.config.shardCount },
    );
    await h.doc.send(new PutCommand({ TableName: h.table, Item: item }));
    const before = Date.now();
    // The record says acme.zendesk.com; local mode's override sends the same request to the loopback server.
    const summary = await h
      .runtime({}, { tokenEndpointOverride: h.oauth.origin })
      .run.refreshOrgs(['rte-zendesk'], h.scope());
    expect(summary).toMatchObject({ refreshed: 1, failedTotal: 0 });
    const rec = await h.getRecord('rte-zendesk');
    expect(rec?.expiresAt as number).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(rec?.expiresAt as number).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(rec?.refreshTokenExpiresAt as number).toBeGreaterThanOrEqual(before + 8 * DAY - 60_000);
    expect(rec?.refreshTokenExpiresAt as number).toBeLessThanOrEqual(Date.now() + 8 * DAY);
  });
});

describe('Refresh-token expiry: one grant the provider ends on a fixed date (LocalOAuthServer.endGrantAt)', () => {
  let h: Harness;
  beforeAll(async () => {
    // The server's defaults: sliding refresh tokens, no refresh_token_expires_in unless a grant is ended.
    h = await createHarness(inject('dynamoDbEndpoint'));
  });
  afterAll(async () => h.close());

  it('only that org learns the end and is marked REFRESH_TOKEN_EXPIRING; a new consent is not ended', async () => {
    await h.seedOrg('rte-ended');
    await h.seedOrg('rte-other');
    const run = h.runtime().run;
    const endsAt = Date.now() + 3 * DAY;
    await h.oauth.endGrantAt(String((await h.getRecord('rte-ended'))?.refreshToken), endsAt);

    await run.refreshOrgs(['rte-ended', 'rte-other'], h.scope());
    const first = await h.getRecord('rte-ended');
    expect(Math.abs((first?.refreshTokenExpiresAt as number) - endsAt)).toBeLessThan(5_000);
    expect((await h.getRecord('rte-other'))?.refreshTokenExpiresAt).toBeUndefined();

    for (const orgId of ['rte-ended', 'rte-other']) await lastRefreshedLongAgo(h, orgId);
    await run.refreshOrgs(['rte-ended', 'rte-other'], h.scope());
    const second = await h.getRecord('rte-ended');
    expect(second).toMatchObject({ attention: 'REFRESH_TOKEN_EXPIRING', status: 'ACTIVE' });
    expect(Math.abs((second?.refreshTokenExpiresAt as number) - endsAt)).toBeLessThan(5_000);
    expect((await h.getRecord('rte-other'))?.attention).toBeUndefined();

    // The customer consents again: a new grant, with the ordinary (sliding, 14-day) lifetime, still reported.
    const fresh = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'rte-ended');
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: 'rte-ended' },
        UpdateExpression: 'SET refreshToken = :rt REMOVE attention, refreshTokenExpiresAt',
        ExpressionAttributeValues: { ':rt': fresh },
      }),
    );
    await run.refreshOrgs(['rte-ended'], h.scope());
    const renewed = await h.getRecord('rte-ended');
    expect(renewed?.attention).toBeUndefined();
    expect(renewed?.refreshTokenExpiresAt as number).toBeGreaterThan(Date.now() + 13 * DAY);
  });
});
