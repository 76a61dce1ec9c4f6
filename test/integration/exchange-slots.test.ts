// CONCURRENCY bounds the token exchanges in flight, not the orgs in progress: claims run ahead and commits run behind
// (the pipelining that lets the refresher reach concurrency / latency; bench/ measures it). These tests protect the
// two properties that must survive the pipelining: the provider never sees more than CONCURRENCY requests at once,
// and waiting for a slot can never lead to sending with too little lease left.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.js';
import { LogNotifier } from '../../lambdas/adapters/eventbridge-notifier.js';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import { SecretsManagerCredentials } from '../../lambdas/adapters/secrets-credentials.js';
import type { HttpOutcome, TokenEndpoint, TokenRequest } from '../../lambdas/core/ports.js';
import { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import { createHarness, type Harness } from '../support/harness.js';

/** The real HTTP endpoint, counting requests in flight. */
class CountingEndpoint implements TokenEndpoint {
  readonly inner = new HttpTokenEndpoint();
  inFlight = 0;
  maxInFlight = 0;
  sends = 0;
  async send(request: TokenRequest, timeoutMs: number): Promise<HttpOutcome> {
    this.sends++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.inner.send(request, timeoutMs);
    } finally {
      this.inFlight--;
    }
  }
}

let h: Harness;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), {
    settings: { concurrency: 4 },
    // Long enough that requests overlap whatever DynamoDB Local's speed on a busy machine.
    oauth: { accessTokenTtlSeconds: 3600, latencyMs: 150 },
  });
});
afterAll(async () => {
  await h.close();
});

describe('Exchange slots', () => {
  it('a sweep never has more than CONCURRENCY token requests in flight, and still refreshes every org once', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => `slots-${String(i).padStart(3, '0')}`);
    for (const id of ids) await h.seedOrg(id);
    const endpoint = new CountingEndpoint();
    const invalidGrantBefore = h.oauth.stats.invalidGrant;

    const summary = await h.runtime({ endpoint }).run.sweep(h.scope());

    expect(summary).toMatchObject({ due: 24, refreshed: 24, failedTotal: 0 });
    expect(endpoint.sends).toBe(24);
    expect(endpoint.maxInFlight).toBeLessThanOrEqual(4);
    expect(h.oauth.stats.invalidGrant - invalidGrantBefore).toBe(0);
  });

  it('checks the lease after waiting for a slot: a wait that ate the lease ends in LEASE_TOO_SHORT, nothing sent', async () => {
    const id = 'slots-late';
    const seeded = await h.seedOrg(id);
    const endpoint = new CountingEndpoint();
    let offset = 0;
    const clock = { now: () => Date.now() + offset, sleep: async () => {} };
    const refresher = new OrgRefresher({
      store: new DynamoDbTokenStore({ tableName: h.table, client: h.doc }),
      credentials: new SecretsManagerCredentials({ maxAgeSeconds: 300, client: h.secretsClient }),
      endpoint,
      notifier: new LogNotifier(h.log),
      clock,
      random: () => 0.5,
      log: h.log,
      settings: h.config,
      // The slot is granted only after (simulated) most of the lease has gone by.
      exchangeSlots: async (task) => {
        offset += h.config.leaseMs - h.config.httpTimeoutMs + 1;
        return task();
      },
    });

    const outcome = await refresher.refresh(
      { orgId: id, version: 0 },
      { owner: 'slots-test', remainingMs: () => 60_000 },
    );

    expect(outcome).toMatchObject({ result: 'failed', code: 'LEASE_TOO_SHORT' });
    expect(endpoint.sends).toBe(0);
    expect(await h.oauth.refreshTokenUsable(seeded.refreshToken as string)).toBe(true);
  });
});
