// The leak scan over offboarding's paths, through the grant intake's real Lambda entry point (middy, Powertools logger
// and EMF metrics writing to stdout/stderr as in Lambda, event logging switched on by the environment): removals that
// revoke, removals whose provider echoes the revoked token and the client secret in its error pages, removals again,
// of unknown orgs, malformed ones carrying planted secrets, and re-onboarding after a removal. The answers, the log
// lines, the org events (logged: no bus here) and the metrics carry codes and org ids, never a token or a secret
// (invariant 5).
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { MetricName } from '../../lambdas/metrics.js';
import { captureOutput, emfMetrics } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { LeakLedger } from '../reliability/support/leak-ledger.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});
const { buildIntakeHandler, createIntakeParts } = await import('../../lambdas/intake/handler.js');

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let h: Harness;
let handler: Handler;
const savedEnv = { ...process.env };
const PLANTED = {
  asOrgId: 'rt-planted-as-an-org-id-0123456789abcdef',
  asValue: 'rt-planted-as-a-value-0123456789abcdef',
  asKey: 'rt-planted-as-a-key-0123456789abcdef',
};

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  handler = buildIntakeHandler(createIntakeParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }));
});
afterAll(async () => {
  process.env = savedEnv;
  await h.close();
});

const org = (orgId: string, clientKey: 'basic' | 'post' = 'basic') => ({
  orgId,
  provider: 'generic',
  grantType: 'refresh_token',
  tokenUrl: h.oauth.tokenUrl,
  revocationUrl: h.oauth.revocationUrl,
  clientAuth: CLIENTS[clientKey].auth,
  clientSecretId: secretIdFor(CLIENTS[clientKey].clientId),
});
const context = () => lambdaContext(h.config.lambdaTimeoutMs, { functionName: 'grant-intake' });

describe('Lambda handler (lambdas/intake/handler.ts): offboarding', () => {
  it('removals, echoing revocation endpoints, re-onboarding and hostile removals leave no token or secret anywhere', async () => {
    // Prepare: orgs to remove, one whose provider echoes every revocation request (token, client secret) in a 400,
    // one in a 503 (retried), and one with its own client in its record.
    const echoing = new Set<string>();
    h.oauth.revocationHook = (info) => {
      if (!info.token || !echoing.has(info.token)) return undefined;
      const echo = `you sent ${info.token} as ${info.clientId} with ${CLIENTS.basic.clientSecret}`;
      const status = info.tokenTypeHint === 'refresh_token' ? 400 : 503;
      return { kind: 'status', status, body: JSON.stringify({ error: 'invalid_request', error_description: echo }) };
    };
    const now = Date.now();
    const submit = (orgId: string, rt: string, extra: Record<string, unknown> = {}) => ({
      action: 'submitGrant',
      org: org(orgId),
      grant: { refreshToken: rt, issuedAt: now - 1000 },
      ...extra,
    });
    const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
    const setup = [submit('lk-good', await mint('lk-good')), submit('lk-echo', await mint('lk-echo'))];
    for (const event of setup) expect(await handler(event, context())).toMatchObject({ ok: true });
    for (const orgId of ['lk-echo']) {
      const record = await h.getRecord(orgId);
      echoing.add(record?.refreshToken as string);
      echoing.add(record?.accessToken as string);
    }
    const installGrant = await mint('lk-good');
    const events: unknown[] = [
      { action: 'removeOrg', orgId: 'lk-good' },
      { action: 'removeOrg', orgId: 'lk-echo' },
      { action: 'removeOrg', orgId: 'lk-good' },
      { action: 'removeOrg', orgId: 'lk-nobody' },
      { action: 'removeOrg', orgId: PLANTED.asOrgId.replace(/-/g, ' ') },
      { action: 'removeOrg', orgId: 'lk-x', token: PLANTED.asValue },
      { action: 'removeOrg', orgId: 'lk-x', [PLANTED.asKey]: true },
      { action: 'removeOrg', orgId: { refreshToken: PLANTED.asValue } },
      submit('lk-good', installGrant, { grant: { refreshToken: installGrant, issuedAt: now - 60_000 } }),
      // Issued after the removal above (the events are built before it runs; the intake allows 30 s ahead).
      submit('lk-good', installGrant, { grant: { refreshToken: await mint('lk-good'), issuedAt: now + 20_000 } }),
      { action: 'removeOrg', orgId: 'lk-good' },
    ];

    // Act
    const { result: answers, lines } = await captureOutput(async () => {
      const out: unknown[] = [];
      for (const event of events) out.push(await handler(event, context()));
      return out;
    });
    h.oauth.revocationHook = undefined;

    // Assess: the removals really went through these cases
    const summary = answers.map((a) => {
      const answer = a as { ok: boolean; alreadyRemoved?: boolean; error?: { code: string }; revocation?: unknown };
      if (!answer.ok) return answer.error?.code;
      return answer.alreadyRemoved ? 'ALREADY_REMOVED' : (answer.revocation ?? 'ACTIVE');
    });
    expect(summary).toEqual([
      { refreshToken: 'REVOKED', accessToken: 'REVOKED' },
      {
        refreshToken: 'NOT_REVOKED',
        refreshTokenReason: 'PROVIDER_REFUSED',
        accessToken: 'NOT_REVOKED',
        accessTokenReason: 'PROVIDER_UNAVAILABLE',
        accessTokenExpiresAt: expect.any(String),
      },
      'ALREADY_REMOVED',
      'ORG_NOT_FOUND',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      'STALE_GRANT',
      'ACTIVE',
      { refreshToken: 'REVOKED', accessToken: 'REVOKED' },
    ]);
    const metrics = lines.map(emfMetrics).filter((m) => Object.keys(m).length > 0);
    const sum = (name: string) => metrics.reduce((s, m) => s + (m[name] ?? 0), 0);
    expect(sum(MetricName.OrgsRemoved)).toBe(3);
    expect(sum(MetricName.TokensNotRevoked)).toBe(2);
    expect(lines.filter((l) => l.includes('"detailType":"Org Removed"'))).toHaveLength(3);

    const ledger = new LeakLedger();
    ledger.addOAuthServer(h.oauth, Object.values(CLIENTS));
    for (const secret of Object.values(PLANTED)) ledger.addSecret(secret, 'planted secret');
    ledger.addText('intake output', lines.join('\n'));
    ledger.addText('intake answers', answers);
    for (const orgId of ['lk-echo']) ledger.addText(`${orgId} tombstone`, await h.getRecord(orgId));
    expect(echoing.size).toBe(2);
    expect(ledger.scan().leaks).toEqual([]);
  });
});
