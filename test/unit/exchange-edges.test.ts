// The exchange's edges, over in-memory ports: what it must never send again, and which retries it still owes. The
// second case is one a mutation of lambdas/refresher/exchange.ts survived before it was written (docs/reliability.md,
// "Mutation testing"); the first holds today through two checks (the salvage's return, and no retry of a bad answer)
// and fails if both go.
import { describe, expect, it } from 'vitest';
import { OLD_RT, ok, refresherWorld, scope, status } from '../support/refresher-world.js';

const sentRefreshTokens = (w: ReturnType<typeof refresherWorld>) =>
  w.endpoint.requests.map((r) => new URLSearchParams(r.body).get('refresh_token'));

describe('The exchange', () => {
  it('an unusable 200 carrying a rotated refresh token ends the exchange: the spent token is never sent again', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [
      () => status(200, { refresh_token: 'rotated-rt', token_type: 'Bearer', expires_in: 3600 }),
      () => ok(),
    ];
    await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(sentRefreshTokens(w)).toEqual([OLD_RT]);
    expect(w.record().refreshToken).toBe('rotated-rt');
  });

  it('a transient retry does not use up the quick retry a later reset is owed', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [
      () => status(503),
      () => ({ kind: 'no-response', reason: 'network', sent: true, detail: 'ECONNRESET' }),
      () => ok(),
    ];
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'refreshed', ambiguous: true });
    expect(w.endpoint.requests).toHaveLength(3);
  });
});
