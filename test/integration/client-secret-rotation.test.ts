// Issue 16, path 3, end to end: an operator rotates the client secret 100 orgs share, at the provider (the loopback
// oidc-provider refuses the old secret at once) and in Secrets Manager (the stand-in), while a warm refresher's cache
// still holds the old secret. The next sweep refreshes all 100: 0 failed, 0 MISCONFIGURED, one extra secret read.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness, secretIdFor } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
});
afterAll(async () => {
  await h.close();
});

const ids = Array.from({ length: 100 }, (_, i) => `rot-${String(i).padStart(3, '0')}`);

describe('Rotating a shared client secret under a warm refresher', () => {
  it('100 orgs due → 0 failed refreshes, 0 MISCONFIGURED (before: every org refused and MISCONFIGURED)', async () => {
    const client = { clientId: 'basic-client', clientSecretId: secretIdFor('basic-client') };
    // A warm refresher: one refresh has put the shared client's (old) secret into its cache.
    const runtime = h.runtime();
    await h.seedOrg('rot-warm-up');
    expect((await runtime.run.refreshOrgs(['rot-warm-up'], h.scope())).refreshed).toBe(1);
    for (const id of ids) await h.seedOrg(id);
    // The rotation: the provider takes the new secret only, then Secrets Manager holds it.
    const rotated = 'rotated-client-secret-2026-0123456789';
    h.oauth.rotateClientSecret(client.clientId, rotated);
    h.secrets.put(client.clientSecretId, { clientId: client.clientId, clientSecret: rotated });
    const readsBefore = h.secrets.calls;
    const refusedBefore = h.oauth.stats.byStatus['401'] ?? 0;

    const summary = await runtime.run.sweep(h.scope());

    expect(summary).toMatchObject({ due: ids.length, refreshed: ids.length, failedTotal: 0 });
    for (const id of ids) {
      const rec = await h.getRecord(id);
      expect(rec?.attention, id).toBeUndefined();
      expect(rec, id).toMatchObject({ status: 'ACTIVE', version: 1, consecutiveFailures: 0 });
    }
    // One read past the cache served every org refused meanwhile; the rest read the new secret from the cache.
    expect(h.secrets.calls - readsBefore).toBe(1);
    // Refused: only the orgs already in progress with the old secret when the first refusal came back (a run keeps
    // 2 × CONCURRENCY orgs in progress); every org that read the client after the re-read got the new one.
    const refused = (h.oauth.stats.byStatus['401'] ?? 0) - refusedBefore;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(2 * h.config.concurrency);
    expect(h.log.text()).not.toContain(rotated);
  });
});
