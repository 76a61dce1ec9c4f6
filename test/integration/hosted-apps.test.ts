// Two hosted apps in one table (test/support/two-apps.ts), end to end: the TypeScript client through the Lambda
// stand-in, each app invoking its own alias (the identity AWS gives it), the REAL intake handler, DynamoDB Local and
// oidc-provider. Every cross-app act is refused with its stable code, stores nothing and sends nothing to the
// provider; another app's org is answered exactly as a missing org. Grant order: stale, replayed and future grants.
// Reading another app's tokens is refused by IAM, which DynamoDB Local does not evaluate: test/cdk/hosted-apps.test.ts
// proves it on the template. Every output of these paths goes through the leak scan.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { captureOutput } from '../../local/handler-output.js';
import type { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import {
  AppUnknown,
  ClientNotGranted,
  createGrantIntake,
  type GrantIntakeClient,
  type GrantIntakeError,
  InvalidPayload,
  OrgNotFound,
  OrgNotInNamespace,
  StaleGrant,
  TokenHostNotGranted,
} from '../../reader/index.js';
import { LeakLedger } from '../reliability/support/leak-ledger.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';
import { APP_FUNCTION, APPS_INTAKE_FUNCTION, startTwoAppsIntake } from '../support/two-apps.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});

let h: Harness;
let standIn: LambdaInvokeStandIn;
let lambda: LambdaClient;
let alpha: GrantIntakeClient;
let beta: GrantIntakeClient;
let unqualified: GrantIntakeClient;
/** Every answer and error text of this file, for the leak scan at the end. */
const outputs: unknown[] = [];
const lines: string[] = [];

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  standIn = await startTwoAppsIntake(h.env, { documentClient: h.doc, secretsClient: h.secretsClient });
  lambda = new LambdaClient({
    endpoint: standIn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  alpha = createGrantIntake({ functionName: APP_FUNCTION.alpha, client: lambda });
  beta = createGrantIntake({ functionName: APP_FUNCTION.beta, client: lambda });
  unqualified = createGrantIntake({ functionName: APPS_INTAKE_FUNCTION, client: lambda });
});
afterAll(async () => {
  await standIn.stop();
  lambda.destroy();
  await h.close();
});

const settings = (orgId: string, over: Record<string, unknown> = {}) => ({
  orgId,
  provider: 'generic' as const,
  grantType: 'refresh_token' as const,
  tokenUrl: h.oauth.tokenUrl,
  clientAuth: 'basic' as const,
  clientSecretId: secretIdFor(CLIENTS.basic.clientId),
  ...over,
});
const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);

/** Runs a hand-over that must fail, with the handler's output captured: the error, and what it printed. */
async function refused(call: () => Promise<unknown>): Promise<GrantIntakeError> {
  const { result } = await captureOutput(async () => {
    const out = await call().then(
      (ok) => ({ ok }),
      (err: unknown) => ({ err }),
    );
    return out;
  }).then((c) => {
    lines.push(...c.lines);
    return c;
  });
  if (!('err' in result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.ok)}`);
  outputs.push(result.err, { ...(result.err as object) });
  return result.err as GrantIntakeError;
}

describe('Two hosted apps in one table: every cross-app act refused (TypeScript client)', () => {
  it('each act outside the caller’s own orgs, clients and hosts is refused by code, storing and sending nothing', async () => {
    // Prepare: alpha onboards its org; beta has one of its own
    const t0 = Date.now() - 60_000;
    const alphaGrant = await mint('alpha-1');
    expect(await alpha.submitGrant(settings('alpha-1'), { refreshToken: alphaGrant, issuedAt: t0 })).toMatchObject({
      status: 'ACTIVE',
    });
    const alphaRecord = await h.getRecord('alpha-1');
    expect(alphaRecord?.app).toBe('alpha');
    const betaOrg = settings('beta-1', { grantType: 'client_credentials', clientSecretId: secretIdFor('cc-client') });
    expect(await beta.submitGrant(betaOrg, { issuedAt: t0 })).toMatchObject({ status: 'ACTIVE' });
    const requestsBefore = h.oauth.stats.tokenRequests;
    const stolen = await mint('alpha-1');
    const now = Date.now();

    // Act and assess: one row per cross-app act
    const acts: [string, () => Promise<unknown>, new (...a: never[]) => GrantIntakeError, string][] = [
      [
        'beta re-authorises alpha’s org (replacing its grant)',
        () => beta.reauthorise('alpha-1', { refreshToken: stolen, issuedAt: now }),
        OrgNotFound,
        'ORG_NOT_FOUND',
      ],
      [
        'beta hands alpha’s org its own OAuth client',
        () =>
          beta.reauthorise('alpha-1', {
            issuedAt: now,
            refreshToken: stolen,
            client: { clientId: CLIENTS.own.clientId, clientSecret: CLIENTS.own.clientSecret },
          }),
        OrgNotFound,
        'ORG_NOT_FOUND',
      ],
      [
        'beta onboards an org in alpha’s namespace',
        () =>
          beta.submitGrant(settings('alpha-2', { clientSecretId: secretIdFor('cc-client') }), {
            refreshToken: stolen,
            issuedAt: now,
          }),
        OrgNotInNamespace,
        'ORG_NOT_IN_NAMESPACE',
      ],
      [
        'beta re-submits alpha’s existing org',
        () => beta.submitGrant(settings('alpha-1'), { refreshToken: stolen, issuedAt: now }),
        OrgNotInNamespace,
        'ORG_NOT_IN_NAMESPACE',
      ],
      [
        'alpha binds beta’s shared client',
        () =>
          alpha.submitGrant(
            settings('alpha-cc', { grantType: 'client_credentials', clientSecretId: secretIdFor('cc-client') }),
            { issuedAt: now },
          ),
        ClientNotGranted,
        'CLIENT_NOT_GRANTED',
      ],
      [
        'alpha binds a client under the prefix that no app was granted',
        () =>
          alpha.submitGrant(
            settings('alpha-zd', { clientSecretId: secretIdFor(CLIENTS.post.clientId), clientAuth: 'post' }),
            { refreshToken: stolen, issuedAt: now },
          ),
        ClientNotGranted,
        'CLIENT_NOT_GRANTED',
      ],
      [
        'alpha sends its client to a token host granted to beta only',
        () =>
          alpha.submitGrant(settings('alpha-host', { tokenUrl: h.oauth.tokenUrl.replace('127.0.0.1', 'localhost') }), {
            refreshToken: stolen,
            issuedAt: now,
          }),
        TokenHostNotGranted,
        'TOKEN_HOST_NOT_GRANTED',
      ],
      [
        'beta removes alpha’s org (stopping its refreshes, revoking its tokens)',
        () => beta.removeOrg('alpha-1'),
        OrgNotFound,
        'ORG_NOT_FOUND',
      ],
      [
        'a caller without an app’s alias (the unqualified function)',
        () => unqualified.reauthorise('alpha-1', { refreshToken: stolen, issuedAt: now }),
        AppUnknown,
        'APP_UNKNOWN',
      ],
    ];
    const codes: string[] = [];
    for (const [, act, type, code] of acts) {
      const err = await refused(act);
      expect(err).toBeInstanceOf(type);
      expect(err).toMatchObject({ code, stored: false });
      codes.push(err.code);
    }
    expect(codes).toEqual(acts.map((a) => a[3]));

    // Nothing stored anywhere, nothing sent to the provider, alpha's org untouched and still alpha's
    expect(await h.getRecord('alpha-1')).toEqual(alphaRecord);
    for (const orgId of ['alpha-2', 'alpha-cc', 'alpha-zd', 'alpha-host'])
      expect(await h.getRecord(orgId)).toBeUndefined();
    expect(h.oauth.stats.tokenRequests).toBe(requestsBefore);
    expect(h.oauth.revocations).toHaveLength(0);
    // An alias no app owns does not exist at all (Lambda: 404), so it never reaches the handler.
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: `${APPS_INTAKE_FUNCTION}:app-gamma`, Payload: new Uint8Array() })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers another app’s org exactly as an org that does not exist (it tells nothing)', async () => {
    await alpha.submitGrant(settings('alpha-exists'), {
      refreshToken: await mint('alpha-exists'),
      issuedAt: Date.now(),
    });
    const grant = { refreshToken: await mint('x'), issuedAt: Date.now() };
    const existing = await refused(() => beta.reauthorise('alpha-exists', grant));
    const missing = await refused(() => beta.reauthorise('alpha-ghost', grant));
    const shape = (e: GrantIntakeError, orgId: string) =>
      JSON.stringify({ ...e, name: e.name, message: e.message }).replaceAll(orgId, 'ORG');
    expect(shape(existing, 'alpha-exists')).toBe(shape(missing, 'alpha-ghost'));
    // And as alpha's own missing org is answered to alpha.
    const own = await refused(() => alpha.reauthorise('alpha-ghost', grant));
    expect(shape(own, 'alpha-ghost')).toBe(shape(missing, 'alpha-ghost'));
    // A removal the same: another app's org and a missing one give one answer, and nothing is removed.
    const removeExisting = await refused(() => beta.removeOrg('alpha-exists'));
    const removeMissing = await refused(() => beta.removeOrg('alpha-ghost'));
    expect(shape(removeExisting, 'alpha-exists')).toBe(shape(removeMissing, 'alpha-ghost'));
    expect((await h.getRecord('alpha-exists'))?.status).toBe('ACTIVE');
  });

  it('a record in the caller’s namespace that names another app is not the caller’s; one naming none is', async () => {
    // An operator's record from before apps existed (no app attribute), and one recorded as alpha's under beta-
    await h.seedOrg('beta-legacy', { extra: { grantIssuedAt: 1 } });
    await h.seedOrg('beta-odd', { extra: { app: 'alpha', grantIssuedAt: 1 } });
    const before = await h.getRecord('beta-odd');

    const odd = await refused(async () =>
      beta.reauthorise('beta-odd', { refreshToken: await mint('beta-odd'), issuedAt: Date.now() }),
    );
    const oddForAlpha = await refused(async () =>
      alpha.reauthorise('beta-odd', { refreshToken: await mint('beta-odd'), issuedAt: Date.now() }),
    );
    const legacy = await beta.reauthorise('beta-legacy', {
      refreshToken: await mint('beta-legacy'),
      issuedAt: Date.now(),
    });

    const oddSubmitted = await refused(async () =>
      beta.submitGrant(settings('beta-odd', { clientSecretId: secretIdFor(CLIENTS.cc.clientId) }), {
        refreshToken: await mint('beta-odd'),
        issuedAt: Date.now(),
      }),
    );

    expect(odd).toBeInstanceOf(OrgNotFound);
    expect(oddForAlpha).toBeInstanceOf(OrgNotFound);
    // Its id is in beta's namespace, so that it exists is no secret from beta; whose it is and its state are.
    expect(oddSubmitted).toMatchObject({ code: 'ORG_EXISTS', stored: false, status: undefined });
    expect(await h.getRecord('beta-odd')).toEqual(before);
    expect(legacy).toMatchObject({ status: 'ACTIVE' });
    // A legacy record keeps naming no app: its namespace says whose it is.
    expect((await h.getRecord('beta-legacy'))?.app).toBeUndefined();
  });
});

describe('Grant order: stale, replayed and future grants (TypeScript client)', () => {
  it('a re-delivered older grant and a replay of a replaced one are STALE_GRANT; the same grant is a repeat', async () => {
    // Prepare: grant A at t0, then the customer re-authorises: grant B at t1
    const t0 = Date.now() - 120_000;
    const t1 = Date.now() - 60_000;
    const a = await mint('alpha-order');
    const b = await mint('alpha-order');
    await alpha.submitGrant(settings('alpha-order'), { refreshToken: a, issuedAt: t0 });
    await alpha.reauthorise('alpha-order', { refreshToken: b, issuedAt: t1 });
    const stored = await h.getRecord('alpha-order');

    // Act
    const requests = h.oauth.stats.tokenRequests;
    const redelivered = await refused(() => alpha.reauthorise('alpha-order', { refreshToken: a, issuedAt: t0 }));
    const replayed = await refused(() => alpha.reauthorise('alpha-order', { refreshToken: a, issuedAt: Date.now() }));
    const c = await mint('alpha-order');
    const future = await refused(() =>
      alpha.reauthorise('alpha-order', { refreshToken: c, issuedAt: Date.now() + 60_000 }),
    );
    const repeat = await alpha.reauthorise('alpha-order', { refreshToken: b, issuedAt: t1 });

    // Assess: the newer grant B stays, nothing of A reaches the provider again
    expect(redelivered).toBeInstanceOf(StaleGrant);
    expect(replayed).toBeInstanceOf(StaleGrant);
    expect(replayed.message).toMatch(/held this grant before/);
    expect(future).toBeInstanceOf(InvalidPayload);
    expect(future.message).toMatch(/grant\.issuedAt is in the future \(more than 30 s ahead/);
    expect(repeat).toMatchObject({ status: 'ACTIVE', repeated: true });
    const after = await h.getRecord('alpha-order');
    expect(after).toMatchObject({ version: stored?.version, grantIssuedAt: t1, refreshToken: stored?.refreshToken });
    expect(after?.replacedGrants).toHaveLength(1);
    expect(h.oauth.stats.tokenRequests).toBe(requests);
  });
});

describe('Leak scan over the hosted-app paths', () => {
  it('no answer, error or log line of the refusals above holds a token or a client secret', () => {
    const ledger = new LeakLedger();
    ledger.addOAuthServer(h.oauth, Object.values(CLIENTS));
    ledger.addText('intake output', lines.join('\n'));
    ledger.addText(
      'errors',
      outputs.map((o) => (o instanceof Error ? `${o.message} ${JSON.stringify(o)}` : o)),
    );
    expect(lines.length).toBeGreaterThan(10);
    expect(h.oauth.issuedTokens.size).toBeGreaterThan(5);
    expect(ledger.scan().leaks).toEqual([]);
  });
});
