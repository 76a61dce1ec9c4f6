import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerCredentials } from '../../lambdas/adapters/secrets-credentials.js';

const sm = mockClient(SecretsManagerClient);
const awsError = (name: string) => Object.assign(new Error(`${name} happened`), { name, $metadata: {} });

beforeEach(() => sm.reset());

function source(now = () => 0) {
  return new SecretsManagerCredentials({
    maxAgeSeconds: 300,
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    now,
  });
}

describe('Class: SecretsManagerCredentials', () => {
  it('reads {"clientId","clientSecret"} and caches it per secret id', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'tenant-tokens/a' }).resolves({
      SecretString: '{"clientId":"id-a","clientSecret":"s-a"}',
    });
    const creds = source();
    expect(await creds.get('tenant-tokens/a')).toEqual({ clientId: 'id-a', clientSecret: 's-a' });
    expect(await creds.get('tenant-tokens/a')).toEqual({ clientId: 'id-a', clientSecret: 's-a' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('shares one fetch between concurrent callers of the same secret (orgs often share a client)', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"clientId":"id","clientSecret":"s"}' });
    const creds = source();
    await Promise.all(Array.from({ length: 20 }, () => creds.get('tenant-tokens/shared')));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it.each([
    [new ResourceNotFoundException({ message: 'nope', $metadata: {} }), 'SECRET_NOT_FOUND', 'client_misconfigured'],
    [awsError('AccessDeniedException'), 'SECRET_ACCESS_DENIED', 'client_misconfigured'],
    [awsError('DecryptionFailure'), 'SECRET_ACCESS_DENIED', 'client_misconfigured'],
    [awsError('InvalidRequestException'), 'SECRET_NOT_FOUND', 'client_misconfigured'],
    [awsError('ThrottlingException'), 'SECRET_UNAVAILABLE', 'transient'],
    [awsError('InternalServiceError'), 'SECRET_UNAVAILABLE', 'transient'],
  ])('%s → %s (%s)', async (error, code, failureClass) => {
    sm.on(GetSecretValueCommand).rejects(error);
    await expect(source().get('tenant-tokens/x')).rejects.toMatchObject({ code, failureClass });
  });

  it.each([
    ['not json', 'plain text secret'],
    ['wrong shape', '{"id":"x","secret":"y"}'],
    ['empty secret', '{"clientId":"x","clientSecret":""}'],
    ['a JSON string', '"just-a-string"'],
  ])('a garbled secret (%s) → SECRET_MALFORMED whose message never contains the secret text', async (_, value) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: value });
    const err = await source()
      .get('tenant-tokens/g')
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'SECRET_MALFORMED' });
    expect(err.message).not.toContain(value);
    expect(err.message).toContain('tenant-tokens/g');
  });

  it('remembers a permanent failure for 30 s, so a broken secret shared by many orgs costs one call', async () => {
    let t = 0;
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    const creds = source(() => t);
    for (let i = 0; i < 5; i++) await creds.get('tenant-tokens/m').catch(() => {});
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    t = 31_000;
    await creds.get('tenant-tokens/m').catch(() => {});
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not remember transient failures', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .resolves({ SecretString: '{"clientId":"i","clientSecret":"s"}' });
    const creds = source();
    await expect(creds.get('tenant-tokens/t')).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE' });
    expect(await creds.get('tenant-tokens/t')).toEqual({ clientId: 'i', clientSecret: 's' });
  });
});
