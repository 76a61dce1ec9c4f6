// The grant intake's real Lambda entry point (middy, Powertools logger and EMF metrics writing to stdout/stderr as in
// Lambda) over good and hostile hand-overs: the answers, the log lines and the metrics carry codes and org ids, and not
// one refresh token, access token or client secret, even with event logging switched on by the environment and a
// provider that echoes what it was sent (invariant 5).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { METRIC_NAMESPACE, MetricName } from '../../lambdas/metrics.js';
import { captureOutput, emfMetrics } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { TokenRequestInfo } from '../../local/oauth-server.js';
import { LeakLedger } from '../reliability/support/leak-ledger.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';
import { APPS_INTAKE_FUNCTION, twoAppsEnv } from '../support/two-apps.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});
const { buildIntakeHandler, createIntakeParts, GrantIntakeFailure } = await import('../../lambdas/intake/handler.js');

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let h: Harness;
let handler: Handler;
const savedEnv = { ...process.env };
/** Secrets planted in hostile payloads (never issued by the server, so the ledger must be told about them). */
const PLANTED = {
  wrongPlaceToken: 'rt-planted-in-a-field-name-0123456789abcdef',
  clientSecret: 'client-secret-handed-over-0123456789abcdef',
  spacedToken: 'rt-with a space-0123456789abcdef',
};

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  // What an operator might switch on while debugging: the handler must still never print the event.
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  handler = buildIntakeHandler(createIntakeParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }));
});
afterAll(async () => {
  process.env = savedEnv;
  await h.close();
});

const org = (orgId: string, clientKey: keyof typeof CLIENTS = 'basic') => ({
  orgId,
  provider: 'generic',
  grantType: 'refresh_token',
  tokenUrl: h.oauth.tokenUrl,
  clientAuth: CLIENTS[clientKey].auth,
  clientSecretId: secretIdFor(CLIENTS[clientKey].clientId),
});
const context = () => lambdaContext(h.config.lambdaTimeoutMs, { functionName: 'grant-intake' });

describe('Lambda handler (lambdas/intake/handler.ts)', () => {
  it('good and hostile hand-overs leave no token or client secret in any answer, log line or metric', async () => {
    // Prepare: a provider that echoes the request (refresh token, client secret) in its error pages
    const echo = (info: TokenRequestInfo) =>
      `request was ${info.params.toString()} secret ${CLIENTS.post.clientSecret}`;
    h.oauth.faultHook = (info) => {
      const org = info.params.get('refresh_token') ?? '';
      if (echoing.has(org)) {
        return {
          kind: 'status',
          status: 400,
          body: JSON.stringify({ error: 'invalid_grant', error_description: echo(info) }),
        };
      }
      return undefined;
    };
    const echoing = new Set<string>();
    const good = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'ih-good');
    const echoed = await h.oauth.mintRefreshToken(CLIENTS.post.clientId, 'ih-echoed');
    echoing.add(echoed);
    const revoked = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'ih-revoked');
    await h.oauth.revokeGrant(revoked);
    const now = Date.now();
    const events: unknown[] = [
      { action: 'submitGrant', org: org('ih-good'), grant: { refreshToken: good, issuedAt: now } },
      { action: 'submitGrant', org: org('ih-good'), grant: { refreshToken: good, issuedAt: now } },
      { action: 'submitGrant', org: org('ih-echoed', 'post'), grant: { refreshToken: echoed, issuedAt: now } },
      { action: 'submitGrant', org: org('ih-revoked'), grant: { refreshToken: revoked, issuedAt: now } },
      { action: 'reauthorise', orgId: 'ih-good', grant: { refreshToken: revoked, issuedAt: now - 60_000 } },
      { action: 'submitGrant', org: org('ih-bad-1'), grant: { refreshToken: PLANTED.spacedToken, issuedAt: now } },
      { action: 'submitGrant', org: org('ih-bad-2'), grant: { [PLANTED.wrongPlaceToken]: true, issuedAt: now } },
      { action: 'submitGrant', org: org('ih-bad-3'), grant: { refreshToken: good, issuedAt: PLANTED.wrongPlaceToken } },
      {
        action: 'submitGrant',
        org: org('ih-bad-4'),
        client: { clientId: 'app', clientSecret: PLANTED.clientSecret },
        grant: { refreshToken: good, issuedAt: now },
      },
      {
        action: 'submitGrant',
        org: { ...org('ih-bad-5'), tokenUrl: `https://app:${PLANTED.clientSecret}@idp.example.com/token` },
        grant: { refreshToken: good, issuedAt: now },
      },
      { action: 'submitGrant', org: { ...org('ih-bad-6'), notes: PLANTED.clientSecret }, grant: { issuedAt: now } },
      { action: 'reauthorise', orgId: 'ih-good', refreshToken: good, grant: { issuedAt: now } },
      { grant: { refreshToken: good } },
      `refresh_token=${good}`,
    ];

    // Act
    const { result: answers, lines } = await captureOutput(async () => {
      const out: unknown[] = [];
      for (const event of events) out.push(await handler(event, context()));
      return out;
    });

    // Assess: the hand-overs really went through these cases
    const codes = answers.map((a) => (a as { ok: boolean; error?: { code: string } }).error?.code ?? 'OK');
    expect(codes).toEqual([
      'OK',
      'OK',
      'INVALID_GRANT',
      'INVALID_GRANT',
      'STALE_GRANT',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      // An own client beside a shared client (clientSecretId): the org's settings name two clients.
      'RECORD_INVALID',
      'RECORD_INVALID',
      'RECORD_INVALID',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
    ]);
    expect((answers[1] as { repeated?: boolean }).repeated).toBe(true);
    const metrics = lines.map(emfMetrics).filter((m) => Object.keys(m).length > 0);
    const sum = (name: string) => metrics.reduce((s, m) => s + (m[name] ?? 0), 0);
    expect(sum(MetricName.GrantIntakeSucceeded)).toBe(2);
    expect(sum(MetricName.GrantIntakeFailed)).toBe(2);
    expect(sum(MetricName.GrantIntakeRejected)).toBe(10);
    expect(sum(MetricName.RefreshSucceeded)).toBe(1);
    expect(sum(MetricName.ReauthRequired)).toBe(2);
    expect(lines.some((l) => l.includes(METRIC_NAMESPACE))).toBe(true);
    expect(lines.filter((l) => l.includes('"message":"grant intake"'))).toHaveLength(events.length);

    const ledger = new LeakLedger();
    ledger.addOAuthServer(h.oauth, Object.values(CLIENTS));
    for (const secret of Object.values(PLANTED)) ledger.addSecret(secret, 'planted secret');
    ledger.addText('intake output', lines.join('\n'));
    ledger.addText('intake answers', answers);
    expect(h.oauth.issuedTokens.size).toBeGreaterThan(4);
    expect(ledger.scan().leaks).toEqual([]);
  });

  it('two hosted apps: cross-app hand-overs leave no token or client secret in any answer, log line or metric', async () => {
    // Prepare: the intake with two apps declared; contexts as Lambda gives them, by the alias invoked
    const apps = buildIntakeHandler(
      createIntakeParts(twoAppsEnv(h.env), { documentClient: h.doc, secretsClient: h.secretsClient }),
    );
    const as = (qualifier?: string) =>
      lambdaContext(h.config.lambdaTimeoutMs, {
        functionName: APPS_INTAKE_FUNCTION,
        ...(qualifier ? { qualifier } : {}),
      });
    const own = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'alpha-ih');
    const stolen = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'alpha-ih');
    const now = Date.now();
    const calls: [string | undefined, unknown][] = [
      [
        'app-alpha',
        { action: 'submitGrant', org: org('alpha-ih'), grant: { refreshToken: own, issuedAt: now - 5000 } },
      ],
      ['app-beta', { action: 'reauthorise', orgId: 'alpha-ih', grant: { refreshToken: stolen, issuedAt: now } }],
      [
        'app-beta',
        {
          action: 'reauthorise',
          orgId: 'alpha-ih',
          client: { clientId: 'x', clientSecret: PLANTED.clientSecret },
          grant: { refreshToken: stolen, issuedAt: now },
        },
      ],
      ['app-beta', { action: 'submitGrant', org: org('alpha-ih-2'), grant: { refreshToken: stolen, issuedAt: now } }],
      [
        'app-alpha',
        { action: 'submitGrant', org: org('alpha-cc', 'cc'), grant: { refreshToken: stolen, issuedAt: now } },
      ],
      [
        'app-alpha',
        {
          action: 'submitGrant',
          org: { ...org('alpha-host'), tokenUrl: h.oauth.tokenUrl.replace('127.0.0.1', 'localhost') },
          grant: { refreshToken: stolen, issuedAt: now },
        },
      ],
      [undefined, { action: 'reauthorise', orgId: 'alpha-ih', grant: { refreshToken: stolen, issuedAt: now } }],
      ['app-alpha', { action: 'reauthorise', orgId: 'alpha-ih', grant: { refreshToken: own, issuedAt: now + 60_000 } }],
    ];

    // Act
    const { result: answers, lines } = await captureOutput(async () => {
      const out: unknown[] = [];
      for (const [qualifier, event] of calls) out.push(await apps(event, as(qualifier)));
      return out;
    });

    // Assess
    const codes = answers.map((a) => (a as { error?: { code: string } }).error?.code ?? 'OK');
    expect(codes).toEqual([
      'OK',
      'ORG_NOT_FOUND',
      'ORG_NOT_FOUND',
      'ORG_NOT_IN_NAMESPACE',
      'CLIENT_NOT_GRANTED',
      'TOKEN_HOST_NOT_GRANTED',
      'APP_UNKNOWN',
      'INVALID_PAYLOAD',
    ]);
    const metrics = lines.map(emfMetrics).filter((m) => Object.keys(m).length > 0);
    expect(metrics.reduce((n, m) => n + (m[MetricName.GrantIntakeRejected] ?? 0), 0)).toBe(7);
    const ledger = new LeakLedger();
    ledger.addOAuthServer(h.oauth, Object.values(CLIENTS));
    for (const secret of [...Object.values(PLANTED), own, stolen]) ledger.addSecret(secret, 'handed-over secret');
    ledger.addText('intake output', lines.join('\n'));
    ledger.addText('intake answers', answers);
    expect(ledger.scan().leaks).toEqual([]);
  });

  it('a store failure quoting the payload becomes a clean function error and a scrubbed log line', async () => {
    // Prepare: a document client whose error repeats what it was asked to write, refresh token included
    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'ih-store-down');
    const leaky = {
      send: async (command: { input: unknown }) => {
        throw new Error(`cannot write ${JSON.stringify(command.input)}`);
      },
    } as unknown as DynamoDBDocumentClient;
    const broken = buildIntakeHandler(
      createIntakeParts(h.env, { documentClient: leaky, secretsClient: h.secretsClient }),
    );

    // Act
    const { result, lines } = await captureOutput(() =>
      broken(
        { action: 'submitGrant', org: org('ih-store-down'), grant: { refreshToken: rt, issuedAt: Date.now() } },
        context(),
      ).catch((err: unknown) => err),
    );

    // Assess
    expect(result).toBeInstanceOf(GrantIntakeFailure);
    expect((result as Error).message).toMatch(/grant intake failed \(Error\)/);
    expect(lines.some((l) => l.includes('grant intake failed') && l.includes('[redacted]'))).toBe(true);
    const ledger = new LeakLedger();
    ledger.addSecret(rt, 'refresh token');
    ledger.addText('error', (result as Error).message);
    ledger.addText('output', lines.join('\n'));
    expect(ledger.scan().leaks).toEqual([]);
  });
});
