// The hosted app's TypeScript client end to end: the AWS SDK's InvokeCommand, the Lambda Invoke stand-in running the
// REAL intake handler, DynamoDB Local and oidc-provider; the default client finds the stand-in through
// AWS_ENDPOINT_URL_LAMBDA, as an app's would find Lambda.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LOCAL_INTAKE_FUNCTION, startIntakeStandIn } from '../../local/intake-stand-in.js';
import type { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import { createGrantIntake, createTokenReader, InvalidGrant, OrgExists, RecordInvalid } from '../../reader/index.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});

let h: Harness;
let standIn: LambdaInvokeStandIn;
const savedEnv = { ...process.env };

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  standIn = await startIntakeStandIn(h.env, { documentClient: h.doc, secretsClient: h.secretsClient });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: standIn.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await standIn.stop();
  await h.close();
});

const org = (orgId: string) => ({
  orgId,
  provider: 'generic' as const,
  grantType: 'refresh_token' as const,
  tokenUrl: h.oauth.tokenUrl,
  clientAuth: 'basic' as const,
  clientSecretId: secretIdFor(CLIENTS.basic.clientId),
});
const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);

describe('Function: createGrantIntake (through the Lambda stand-in)', () => {
  it('authorise → hand over → read → revoked → re-authorise: the app-side lifecycle', async () => {
    const intake = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION }); // the default client: env endpoint
    const reader = createTokenReader({ tableName: h.table, client: h.ddb });

    const first = await intake.submitGrant(org('cl-life'), {
      refreshToken: await mint('cl-life'),
      issuedAt: Date.now(),
    });
    expect(first).toMatchObject({ orgId: 'cl-life', status: 'ACTIVE', repeated: false });
    expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await reader.getAccessToken('cl-life')).toBe((await h.getRecord('cl-life'))?.accessToken);

    // The customer disconnects the app; the next refresh finds the grant dead.
    await h.oauth.revokeGrant((await h.getRecord('cl-life'))?.refreshToken as string);
    await h.runtime().run.refreshOrgs(['cl-life'], h.scope());
    expect(await reader.getStatus('cl-life')).toMatchObject({ needsReauthorisation: true, reason: 'INVALID_GRANT' });

    const again = await intake.reauthorise('cl-life', { refreshToken: await mint('cl-life'), issuedAt: new Date() });
    expect(again).toMatchObject({ status: 'ACTIVE' });
    expect(await reader.getStatus('cl-life')).toMatchObject({ status: 'ACTIVE', needsReauthorisation: false });
    expect(standIn.invocations.map((i) => [i.functionName, i.type, i.outcome])).toEqual([
      [LOCAL_INTAKE_FUNCTION, 'RequestResponse', 'ok'],
      [LOCAL_INTAKE_FUNCTION, 'RequestResponse', 'ok'],
    ]);
  });

  it('answers become typed errors: OrgExists, StaleGrant, InvalidGrant (stored), RecordInvalid', async () => {
    const intake = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION });
    const issuedAt = Date.now() - 10_000;
    await intake.submitGrant(org('cl-errors'), { refreshToken: await mint('cl-errors'), issuedAt });

    await expect(
      intake.submitGrant(org('cl-errors'), { refreshToken: await mint('cl-errors'), issuedAt: Date.now() }),
    ).rejects.toBeInstanceOf(OrgExists);
    await expect(
      intake.reauthorise('cl-errors', { refreshToken: await mint('cl-errors'), issuedAt: issuedAt - 1 }),
    ).rejects.toMatchObject({ name: 'StaleGrant', stored: false });
    const revoked = await mint('cl-errors');
    await h.oauth.revokeGrant(revoked);
    const dead = await intake
      .reauthorise('cl-errors', { refreshToken: revoked, issuedAt: Date.now() })
      .catch((e: unknown) => e);
    expect(dead).toBeInstanceOf(InvalidGrant);
    expect(dead).toMatchObject({ stored: true, status: 'REAUTH_REQUIRED', reason: 'INVALID_GRANT' });
    await expect(
      intake.submitGrant(
        { ...org('cl-bad'), region: 'eu-west-1' },
        { refreshToken: await mint('cl-bad'), issuedAt: Date.now() },
      ),
    ).rejects.toBeInstanceOf(RecordInvalid);
  });
});
