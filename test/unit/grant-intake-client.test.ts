// The hosted app's grant intake client (reader/grant-intake.ts) over a fake Lambda client: the payload it sends (one
// RequestResponse invocation, the issue time the app gives: there is no default), and every answer code as its typed
// error, throttling included.
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  AppUnknown,
  Busy,
  ClientMisconfigured,
  ClientNotGranted,
  createGrantIntake,
  GrantIntakeError,
  GrantPending,
  IntakeUnavailable,
  InvalidGrant,
  InvalidPayload,
  OrgDisabled,
  OrgExists,
  OrgNotFound,
  OrgNotInNamespace,
  ProviderUnavailable,
  RecordInvalid,
  StaleGrant,
  TokenHostNotGranted,
} from '../../reader/index.js';

const NOW = 1_750_000_000_000;
const RT = 'rt-SECRET-0123456789abcdef';
const org = {
  orgId: 'acme',
  provider: 'genesys' as const,
  region: 'eu-west-1',
  grantType: 'refresh_token' as const,
  clientSecretId: 'tenant-tokens/genesys-app',
};

function fakeLambda(answer: unknown, functionError?: string, thrown?: Error) {
  const inputs: InvokeCommand['input'][] = [];
  const send = vi.fn(async (command: InvokeCommand) => {
    inputs.push(command.input);
    if (thrown) throw thrown;
    return {
      StatusCode: 200,
      FunctionError: functionError,
      Payload: new TextEncoder().encode(JSON.stringify(answer)),
    };
  });
  const intake = createGrantIntake({
    functionName: 'grant-intake',
    client: { send } as unknown as LambdaClient,
  });
  const payload = (i = 0) => JSON.parse(new TextDecoder().decode(inputs[i]?.Payload as Uint8Array));
  return { intake, inputs, payload };
}

const failing = (code: string, extra: Record<string, unknown> = {}) => ({
  ok: false,
  orgId: 'acme',
  stored: false,
  error: { code, message: `message for ${code}`, ...extra },
});

describe('Function: createGrantIntake', () => {
  it('submitGrant sends one RequestResponse invocation with the org, the grant and its issue time', async () => {
    const expiresAt = new Date(NOW + 3_600_000).toISOString();
    const { intake, inputs, payload } = fakeLambda({
      ok: true,
      orgId: 'acme',
      stored: true,
      status: 'ACTIVE',
      expiresAt,
    });

    const result = await intake.submitGrant(org, { refreshToken: RT, issuedAt: NOW });

    expect(result).toEqual({ orgId: 'acme', status: 'ACTIVE', expiresAt: new Date(expiresAt), repeated: false });
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({ FunctionName: 'grant-intake', InvocationType: 'RequestResponse' });
    expect(payload()).toEqual({ action: 'submitGrant', org, grant: { refreshToken: RT, issuedAt: NOW } });
  });

  it('reauthorise sends the org id and the grant; a Date or ISO issue time is passed through as given', async () => {
    const { intake, payload } = fakeLambda({ ok: true, orgId: 'acme', stored: true, status: 'ACTIVE', expiresAt: '' });
    await intake.reauthorise('acme', { refreshToken: RT, issuedAt: new Date(NOW - 5) });
    await intake.reauthorise('acme', { refreshToken: RT, issuedAt: '2025-06-01T12:00:00Z' });
    expect(payload(0)).toEqual({
      action: 'reauthorise',
      orgId: 'acme',
      grant: { refreshToken: RT, issuedAt: NOW - 5 },
    });
    expect(payload(1).grant.issuedAt).toBe('2025-06-01T12:00:00Z');
  });

  it("hands an org's own client over beside the grant, never among the org's settings", async () => {
    const { intake, payload } = fakeLambda({ ok: true, orgId: 'acme', stored: true, status: 'ACTIVE', expiresAt: '' });
    const { clientSecretId: _shared, ...ownClientOrg } = org;
    const client = { clientId: 'app-1', clientSecret: 'client-SECRET-0123' };
    await intake.submitGrant({ ...ownClientOrg, grantType: 'client_credentials' }, { client, issuedAt: NOW });
    await intake.reauthorise('acme', { client, issuedAt: NOW });
    expect(payload(0)).toEqual({
      action: 'submitGrant',
      org: { ...ownClientOrg, grantType: 'client_credentials' },
      client,
      grant: { issuedAt: NOW },
    });
    expect(payload(1)).toEqual({ action: 'reauthorise', orgId: 'acme', client, grant: { issuedAt: NOW } });
  });

  it('refuses a grant without an issue time before invoking anything: the library cannot know it (no "now")', async () => {
    const { intake, inputs } = fakeLambda({ ok: true });
    const noTime = { refreshToken: RT } as unknown as Parameters<typeof intake.submitGrant>[1];
    await expect(intake.submitGrant(org, noTime)).rejects.toThrow(/grant.issuedAt is required/);
    await expect(intake.reauthorise('acme', noTime)).rejects.toThrow(TypeError);
    expect(inputs).toEqual([]);
  });

  it('a throttled invocation (the intake at its reserved concurrency) is Busy: THROTTLED, retry after 1 s', async () => {
    const throttled = Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException' });
    const { intake } = fakeLambda(undefined, undefined, throttled);
    const err = await intake.submitGrant(org, { refreshToken: RT, issuedAt: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Busy);
    expect(err).toMatchObject({ code: 'BUSY', stored: false, reason: 'THROTTLED', retryAfterSeconds: 1 });
    const other = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(
      fakeLambda(undefined, undefined, other).intake.submitGrant(org, { refreshToken: RT, issuedAt: NOW }),
    ).rejects.toBe(other);
  });

  it.each([
    ['APP_UNKNOWN', AppUnknown],
    ['ORG_NOT_IN_NAMESPACE', OrgNotInNamespace],
    ['CLIENT_NOT_GRANTED', ClientNotGranted],
    ['TOKEN_HOST_NOT_GRANTED', TokenHostNotGranted],
    ['INVALID_PAYLOAD', InvalidPayload],
    ['RECORD_INVALID', RecordInvalid],
    ['ORG_EXISTS', OrgExists],
    ['ORG_NOT_FOUND', OrgNotFound],
    ['ORG_DISABLED', OrgDisabled],
    ['STALE_GRANT', StaleGrant],
    ['BUSY', Busy],
    ['INVALID_GRANT', InvalidGrant],
    ['CLIENT_MISCONFIGURED', ClientMisconfigured],
    ['PROVIDER_UNAVAILABLE', ProviderUnavailable],
    ['PENDING', GrantPending],
  ])('%s becomes %o with the answer’s details', async (code, type) => {
    const { intake } = fakeLambda({
      ...failing(code, { reason: 'WHY', retryAfterSeconds: 3 }),
      stored: true,
      status: 'REAUTH_REQUIRED',
    });
    const err = await intake.reauthorise('acme', { refreshToken: RT, issuedAt: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect(err).toBeInstanceOf(GrantIntakeError);
    expect(err).toMatchObject({
      code,
      orgId: 'acme',
      stored: true,
      status: 'REAUTH_REQUIRED',
      reason: 'WHY',
      retryAfterSeconds: 3,
      message: `message for ${code}`,
    });
  });

  it('an answer code this library does not know yet is still a GrantIntakeError with its code', async () => {
    const { intake } = fakeLambda(failing('SOMETHING_NEW'));
    await expect(intake.reauthorise('acme', { refreshToken: RT, issuedAt: NOW })).rejects.toMatchObject({
      name: 'GrantIntakeError',
      code: 'SOMETHING_NEW',
    });
  });

  it('a function error (crash, timeout) is IntakeUnavailable, naming only the error type, never the payload', async () => {
    const { intake } = fakeLambda(
      { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out; payload had ${RT}` },
      'Unhandled',
    );
    const err = (await intake.submitGrant(org, { refreshToken: RT, issuedAt: NOW }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(IntakeUnavailable);
    expect(err.message).toContain('Sandbox.Timedout');
    expect(`${err.message} ${JSON.stringify(err)}`).not.toContain(RT);
  });

  it('refuses to be created without a function name', () => {
    expect(() => createGrantIntake({ functionName: '' })).toThrow(/functionName is required/);
  });
});
