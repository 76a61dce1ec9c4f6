// Invariant 5 through the real Lambda handler: middy, Powertools logger and EMF metrics writing to stdout/stderr as in
// Lambda. Providers that echo secrets back in error pages and error descriptions, unusable responses that carry
// fresh tokens, dead grants, broken secrets and bad records — and not one issued token or client secret in any log
// line, metric line, record error or handler result.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildHandler, createHandlerParts } from '../../lambdas/refresher/handler.js';
import { captureOutput } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { Fault, TokenRequestInfo } from '../../local/oauth-server.js';
import { scheduledEvent } from '../../local/scheduled-event.js';
import { CLIENTS, createHarness, type Harness } from '../support/harness.js';
import { fileLedger } from './support/file-ledger.js';
import { orgIds, scanRecords, seedOrgs } from './support/fleet.js';
import { LeakLedger } from './support/leak-ledger.js';

/** The secret of the client that sent this request: all a provider could echo back. */
const secretOf = (info: TokenRequestInfo) =>
  Object.values(CLIENTS).find((c) => c.clientId === info.clientId)?.clientSecret ?? '';
/** What a careless provider prints: the request it received, secrets and all. */
const echo = (info: TokenRequestInfo) => `request was: ${info.params.toString()}&client_secret=${secretOf(info)}`;

const HOSTILE: Record<string, (info: TokenRequestInfo) => Fault | undefined> = {
  'echoing-invalid-grant': (info) => ({
    kind: 'status',
    status: 400,
    body: JSON.stringify({
      error: 'invalid_grant',
      error_description: `bad refresh_token ${info.params.get('refresh_token')} (${echo(info)})`,
    }),
  }),
  'echoing-invalid-client': (info) => ({
    kind: 'status',
    status: 401,
    body: JSON.stringify({
      error: 'invalid_client',
      error_description: `client_secret ${secretOf(info)} rejected; ${echo(info)}`,
    }),
  }),
  'echoing-500-page': (info) => ({
    kind: 'status',
    status: 500,
    contentType: 'text/html',
    body: `<html><pre>Traceback: ${echo(info)} Authorization: Basic ${Buffer.from(`x:${secretOf(info)}`).toString('base64')}</pre></html>`,
  }),
  'echoing-400-text': (info) => ({ kind: 'status', status: 400, contentType: 'text/plain', body: echo(info) }),
  'salvage-no-access-token': () => ({ kind: 'mutate', mutate: (b) => ({ ...b, access_token: undefined }) }),
  'salvage-bad-expiry': () => ({ kind: 'mutate', mutate: (b) => ({ ...b, expires_in: 'soon' }) }),
  'salvage-huge-token': () => ({
    kind: 'mutate',
    mutate: (b) => ({ ...b, access_token: `${b.access_token}`.repeat(500) }),
  }),
  'truncated-after-rotation': () => ({ kind: 'truncate' }),
  'timeout-after-rotation': () => ({ kind: 'hang-after' }),
  'tokens-in-error-with-200': (info) => ({
    kind: 'status',
    status: 200,
    contentType: 'text/html',
    body: `<html>refresh_token=${info.params.get('refresh_token')}</html>`,
  }),
};

describe('Secrets never leak through the real handler', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), {
      settings: { httpTimeoutMs: 2000, leaseSeconds: 12 },
      oauth: { accessTokenTtlSeconds: 3600 },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('scheduled and direct invocations over hostile providers leave no token or client secret in any output', async () => {
    const healthy = orgIds('leak-healthy', 10);
    const hostile = Object.keys(HOSTILE).map((name) => `leak-${name}`);
    // The same hostile providers for orgs whose own client (and its secret) lives in the record.
    const ownHostile = Object.keys(HOSTILE).map((name) => `leak-own-${name}`);
    await seedOrgs(h, [...healthy, ...hostile], () => ({ clientKey: 'orgParam' }));
    await seedOrgs(h, ownHostile, () => ({ clientKey: 'own', ownClient: true }));
    const revoked = await h.seedOrg('leak-revoked', { clientKey: 'orgParam' });
    await h.oauth.revokeGrant(revoked.refreshToken as string);
    await h.seedOrg('leak-missing-secret', { extra: { clientSecretId: 'tenant-tokens/missing' } });
    await h.seedOrg('leak-bad-record', { extra: { provider: 'genesys', region: 'atlantis-1' } });
    h.oauth.faultHook = (info) =>
      HOSTILE[(info.params.get('organization_id') ?? '').replace(/^leak-(own-)?/, '')]?.(info);

    const handler = buildHandler(createHandlerParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }));
    const { result: results, lines } = await captureOutput(async () => [
      await handler(scheduledEvent(), lambdaContext(60_000)),
      await handler({ orgIds: [...hostile, 'leak-revoked', 'leak-missing-secret'] }, lambdaContext(60_000)),
      await handler({ orgIds: ownHostile }, lambdaContext(60_000)),
      await handler({ sweep: true }, lambdaContext(60_000)),
    ]);

    const ledger = new LeakLedger();
    ledger.addOAuthServer(h.oauth, Object.values(CLIENTS));
    ledger.addText('handler output', lines.join('\n'));
    ledger.addText('handler results', results);
    for (const rec of (await scanRecords(h)).values()) ledger.addText('lastError', rec.lastError ?? '');
    fileLedger.addText('handler output', lines.join('\n'));
    fileLedger.addText('handler results', results);

    // The run really went through the hostile cases, and the metrics were captured with the logs.
    expect(lines.some((l) => l.includes('"_aws"') && l.includes('RefreshSucceeded'))).toBe(true);
    expect(lines.some((l) => l.includes('INVALID_GRANT'))).toBe(true);
    expect(lines.some((l) => l.includes('BAD_RESPONSE'))).toBe(true);
    // The orgs with their own client were refreshed with it, and the hostile ones echoed it back at us.
    expect((await scanRecords(h)).get('leak-own-echoing-400-text')?.lastError).toBeDefined();
    expect(h.oauth.issuedTokens.size).toBeGreaterThan(20);
    const scan = ledger.scan();
    expect(scan.leaks).toEqual([]);
  });

  it('the scanner finds a planted secret anywhere in a text (so a clean scan means something)', () => {
    const ledger = new LeakLedger();
    const token = 'tok_3f9c1aa6b0d94d2e8a7c55e1f0b2c4d6';
    ledger.addSecret(token, 'token');
    ledger.addOAuthServer(h.oauth, [CLIENTS.basic]);
    ledger.addText('clean', 'nothing to see here, not even tok_3f9c1aa6');
    ledger.addText('json', JSON.stringify({ nested: { value: `prefix${token}suffix` } }));
    ledger.addText(
      'basic header',
      `Authorization: Basic ${Buffer.from(`${CLIENTS.basic.clientId}:${CLIENTS.basic.clientSecret}`).toString('base64')}`,
    );
    const scan = ledger.scan();
    expect(scan.leaks.map((l) => `${l.source}/${l.secretKind}`)).toEqual(['json/token', 'basic header/client secret']);
  });
});
