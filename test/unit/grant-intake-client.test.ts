// The hosted app's grant intake client (reader/grant-intake.ts) over a fake Lambda client: the payload it sends (one
// RequestResponse invocation, the issue time fixed once per call), and every answer code as its typed error.
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  Busy,
  ClientMisconfigured,
  createGrantIntake,
  GrantIntakeError,
  GrantPending,
  IntakeUnavailable,
  InvalidGrant,
  InvalidPayload,
  OrgDisabled,
  OrgExists,
  OrgNotFound,
  ProviderUnavailable,
  RecordInvalid,
  StaleGrant,
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

function fakeLambda(answer: unknown, functionError?: string) {
  const inputs: InvokeCommand['input'][] = [];
  const send = vi.fn(async (command: InvokeCommand) => {
    inputs.push(command.input);
    return {
      StatusCode: 200,
      FunctionError: functionError,
      Payload: new TextEncoder().encode(JSON.stringify(answer)),
    };
  });
  const intake = createGrantIntake({
    functionName: 'grant-intake',
    client: { send } as unknown as LambdaClient,
    now: () => NOW,
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
  it('submitGrant sends one RequestResponse invocation with the org, the grant and an issue time of now', async () => {
    const expiresAt = new Date(NOW + 3_600_000).toISOString();
    const { intake, inputs, payload } = fakeLambda({
      ok: true,
      orgId: 'acme',
      stored: true,
      status: 'ACTIVE',
      expiresAt,
    });

    const result = await intake.submitGrant(org, { refreshToken: RT });

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

  it.each([
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
    const err = await intake.reauthorise('acme', { refreshToken: RT }).catch((e: unknown) => e);
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
    await expect(intake.reauthorise('acme', { refreshToken: RT })).rejects.toMatchObject({
      name: 'GrantIntakeError',
      code: 'SOMETHING_NEW',
    });
  });

  it('a function error (crash, timeout) is IntakeUnavailable, naming only the error type, never the payload', async () => {
    const { intake } = fakeLambda(
      { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out; payload had ${RT}` },
      'Unhandled',
    );
    const err = (await intake.submitGrant(org, { refreshToken: RT }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(IntakeUnavailable);
    expect(err.message).toContain('Sandbox.Timedout');
    expect(`${err.message} ${JSON.stringify(err)}`).not.toContain(RT);
  });

  it('refuses to be created without a function name', () => {
    expect(() => createGrantIntake({ functionName: '' })).toThrow(/functionName is required/);
  });
});
