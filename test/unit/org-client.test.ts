import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lambdas/core/errors.js';
import type { CredentialsSource } from '../../lambdas/core/ports.js';
import { orgClient } from '../../lambdas/refresher/org-client.js';

const shared = { clientId: 'shared-client', clientSecret: 'shared-secret' };
const secretsManager = (): CredentialsSource & { reads: string[] } => {
  const reads: string[] = [];
  return {
    reads,
    get: async (id) => {
      reads.push(id);
      return shared;
    },
  };
};

describe('Function: orgClient', () => {
  it("takes the org's own client from its record, without a Secrets Manager call", async () => {
    const sm = secretsManager();
    const client = await orgClient({ clientId: 'own', clientSecret: 'own-secret', clientSecretId: undefined }, sm);
    expect(client).toEqual({ clientId: 'own', clientSecret: 'own-secret' });
    expect(sm.reads).toEqual([]);
  });

  it('reads a shared client from Secrets Manager by its id', async () => {
    const sm = secretsManager();
    expect(await orgClient({ clientSecretId: 'tenant-tokens/app' }, sm)).toEqual(shared);
    expect(sm.reads).toEqual(['tenant-tokens/app']);
  });

  it('refuses a record with neither (RECORD_INVALID), instead of sending a request without a client', async () => {
    await expect(orgClient({}, secretsManager())).rejects.toMatchObject({ code: ErrorCode.RecordInvalid });
  });
});
