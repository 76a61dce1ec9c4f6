// Issue 16, path 5: a 500/502/504 after a refresh-token request was sent, against the real oidc-provider with rotation
// and reuse detection. A gateway may have lost the answer to a refresh the provider processed, so the rotation is at
// risk and the invalid_grant that follows is ROTATION_LOST (our loss), never INVALID_GRANT (the customer's revocation).
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Fault } from '../../local/oauth-server.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.oauth.faultHook = undefined;
});

/** The fault on the first token request only; every later request reaches the provider untouched. */
function once(fault: Fault): () => Fault | undefined {
  let calls = 0;
  return () => (calls++ === 0 ? fault : undefined);
}

describe('A 5xx after the provider processed the refresh (the gateway lost its answer)', () => {
  it('502: the one quick retry meets reuse detection → ROTATION_LOST (before: INVALID_GRANT, a "revocation")', async () => {
    const id = 'amb-502-after';
    const seeded = await h.seedOrg(id);
    h.oauth.faultHook = once({ kind: 'status-after', status: 502 });
    const requestsBefore = h.oauth.stats.tokenRequests;

    const summary = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(summary.outcomes?.[0]).toMatchObject({ result: 'failed', code: 'ROTATION_LOST', rotationLost: true });
    // The 502 and exactly one quick retry: never the transient retries up to MAX_ATTEMPTS.
    expect(h.oauth.stats.tokenRequests - requestsBefore).toBe(2);
    expect(await h.getRecord(id)).toMatchObject({
      status: 'REAUTH_REQUIRED',
      statusReason: 'ROTATION_LOST',
      lastError: { code: 'ROTATION_LOST' },
    });
    // The provider did rotate: the seeded refresh token is spent (and reuse detection revoked the grant).
    expect(await h.oauth.refreshTokenUsable(seeded.refreshToken as string)).toBe(false);
  });

  it('504: no retry in the run (the provider may still hold it); released at risk; the next run → ROTATION_LOST', async () => {
    const id = 'amb-504-after';
    await h.seedOrg(id);
    h.oauth.faultHook = once({ kind: 'status-after', status: 504, body: '' });
    const requestsBefore = h.oauth.stats.tokenRequests;

    const first = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(first.outcomes?.[0]).toMatchObject({
      result: 'failed',
      code: 'PROVIDER_UNAVAILABLE',
      failureClass: 'ambiguous',
    });
    expect(h.oauth.stats.tokenRequests - requestsBefore).toBe(1);
    expect(await h.getRecord(id)).toMatchObject({ status: 'ACTIVE', rotationAtRisk: true });

    const second = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(second.outcomes?.[0]).toMatchObject({ result: 'failed', code: 'ROTATION_LOST', rotationLost: true });
    expect(await h.getRecord(id)).toMatchObject({ status: 'REAUTH_REQUIRED', statusReason: 'ROTATION_LOST' });
  });
});

describe('A 5xx before the provider saw the request', () => {
  it('502 once: the quick retry refreshes at once, and the rotation is no longer at risk', async () => {
    const id = 'amb-502-before';
    await h.seedOrg(id);
    h.oauth.faultHook = once({ kind: 'status', status: 502, contentType: 'text/html', body: '<html>502</html>' });

    const summary = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(summary.outcomes?.[0]).toMatchObject({ result: 'refreshed' });
    const rec = await h.getRecord(id);
    expect(rec).toMatchObject({ status: 'ACTIVE', consecutiveFailures: 0 });
    expect(rec?.rotationAtRisk).toBeUndefined();
    expect(await h.oauth.refreshTokenUsable(rec?.refreshToken as string)).toBe(true);
  });

  it('503 every time: plainly transient (the server refused the work), retried, the refresh token untouched', async () => {
    const id = 'amb-503';
    const seeded = await h.seedOrg(id);
    h.oauth.faultHook = () => ({ kind: 'status', status: 503, body: '{"error":"temporarily_unavailable"}' });

    const summary = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(summary.outcomes?.[0]).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', failureClass: 'transient' });
    const rec = await h.getRecord(id);
    expect(rec?.rotationAtRisk).toBeUndefined();
    expect(rec?.refreshToken).toBe(seeded.refreshToken);
    expect(await h.oauth.refreshTokenUsable(seeded.refreshToken as string)).toBe(true);
  });
});
