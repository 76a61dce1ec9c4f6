// Offboarding in the hosted app's TypeScript library over fakes: removeOrg's payload (the org id and nothing else) and
// every answer it can get; the token reader's view of a removed org (TenantRemoved, status REMOVED and its reason).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it, vi } from 'vitest';
import { Busy, createGrantIntake, createTokenReader, OrgNotFound, TenantRemoved } from '../../reader/index.js';

function fakeLambda(answer: unknown) {
  const inputs: InvokeCommand['input'][] = [];
  const send = vi.fn(async (command: InvokeCommand) => {
    inputs.push(command.input);
    return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer)) };
  });
  const intake = createGrantIntake({ functionName: 'grant-intake', client: { send } as unknown as LambdaClient });
  const payload = () => JSON.parse(new TextDecoder().decode(inputs[0]?.Payload as Uint8Array));
  return { intake, inputs, payload };
}

describe('Function: createGrantIntake().removeOrg', () => {
  it('sends {action: removeOrg, orgId} in one RequestResponse invocation, and maps the answer', async () => {
    const { intake, inputs, payload } = fakeLambda({
      ok: true,
      orgId: 'acme',
      status: 'REMOVED',
      alreadyRemoved: false,
      removedAt: '2025-06-01T12:00:00.000Z',
      revocation: {
        refreshToken: 'NOT_REVOKED',
        refreshTokenReason: 'NO_REVOCATION_ENDPOINT',
        accessToken: 'LEFT_TO_EXPIRE',
        accessTokenReason: 'NO_REVOCATION_ENDPOINT',
        accessTokenExpiresAt: '2025-06-01T12:30:00.000Z',
      },
      secretsHeld: false,
    });

    const result = await intake.removeOrg('acme');

    expect(payload()).toEqual({ action: 'removeOrg', orgId: 'acme' });
    expect(inputs[0]?.InvocationType).toBe('RequestResponse');
    expect(result).toEqual({
      orgId: 'acme',
      status: 'REMOVED',
      alreadyRemoved: false,
      removedAt: new Date('2025-06-01T12:00:00.000Z'),
      refreshToken: { result: 'NOT_REVOKED', reason: 'NO_REVOCATION_ENDPOINT', expiresAt: undefined },
      accessToken: {
        result: 'LEFT_TO_EXPIRE',
        reason: 'NO_REVOCATION_ENDPOINT',
        expiresAt: new Date('2025-06-01T12:30:00.000Z'),
      },
      secretsHeld: false,
    });
  });

  it('already removed: no account of the tokens (the first removal gave it)', async () => {
    const { intake } = fakeLambda({ ok: true, orgId: 'acme', status: 'REMOVED', alreadyRemoved: true });
    expect(await intake.removeOrg('acme')).toMatchObject({
      alreadyRemoved: true,
      removedAt: undefined,
      refreshToken: undefined,
      accessToken: undefined,
    });
  });

  it.each([
    [{ code: 'ORG_NOT_FOUND', message: 'no org acme: nothing to remove', retryAfterSeconds: undefined }, OrgNotFound],
    [{ code: 'BUSY', message: 'a refresher holds org acme', retryAfterSeconds: 7 }, Busy],
  ])('a removal that wrote nothing throws by code: %j', async (error, type) => {
    const { intake } = fakeLambda({ ok: false, orgId: 'acme', stored: false, error });
    const thrown = await intake.removeOrg('acme').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(type);
    expect(thrown).toMatchObject({ orgId: 'acme', stored: false, retryAfterSeconds: error.retryAfterSeconds });
  });

  it('an ACTIVE answer to a removal is not understood (and the reverse), never mistaken for success', async () => {
    const active = fakeLambda({ ok: true, orgId: 'acme', status: 'ACTIVE', expiresAt: '2025-06-01T13:00:00.000Z' });
    await expect(active.intake.removeOrg('acme')).rejects.toMatchObject({ code: 'INTAKE_UNAVAILABLE' });
    const removed = fakeLambda({ ok: true, orgId: 'acme', status: 'REMOVED', alreadyRemoved: true });
    await expect(
      removed.intake.reauthorise('acme', { refreshToken: 'rt-0123456789', issuedAt: Date.now() }),
    ).rejects.toMatchObject({
      code: 'INTAKE_UNAVAILABLE',
    });
  });
});

describe('Class: token reader over a removed org', () => {
  const reader = (item: Record<string, unknown>) =>
    createTokenReader({
      tableName: 't',
      client: { send: async () => ({ Item: item }) } as unknown as DynamoDBClient,
    });
  const removed = {
    orgId: { S: 'acme' },
    status: { S: 'REMOVED' },
    statusSince: { N: '1750000000000' },
    statusReason: { S: 'REMOVED_BY_APP' },
  };

  it('getAccessToken throws TenantRemoved (TENANT_REMOVED), never a token', async () => {
    await expect(reader(removed).getAccessToken('acme')).rejects.toBeInstanceOf(TenantRemoved);
    await expect(reader(removed).getToken('acme')).rejects.toMatchObject({ code: 'TENANT_REMOVED', orgId: 'acme' });
  });

  it('getStatus answers REMOVED with its reason and since when; it is not a re-authorisation', async () => {
    expect(await reader(removed).getStatus('acme')).toEqual({
      orgId: 'acme',
      status: 'REMOVED',
      since: 1_750_000_000_000,
      reason: 'REMOVED_BY_APP',
      needsReauthorisation: false,
      accessTokenExpiresAt: undefined,
    });
  });
});
