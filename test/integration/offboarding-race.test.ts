// Offboarding racing a sweep, with the real oidc-provider (rotation, RFC 7009 revocation) and DynamoDB Local: round
// after round, a sweep claims and refreshes a batch of due orgs while a removal of each lands at a random moment.
// Whichever wins, once the removal is acknowledged: every token request for the org came before the tombstone, none
// comes after (another sweep sends nothing), no commit lands on the tombstone, the record holds no token, and nothing
// the provider ever issued for the org still works — the token a racing commit stored is the one the removal revokes
// (its write's ALL_OLD). And a refresher stalled past its lease, whose commit the tombstone fences, revokes what it
// received instead of reporting a lost rotation.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbOrgRemoval } from '../../lambdas/adapters/dynamodb-org-removal.js';
import { leaseHoldMs } from '../../lambdas/core/commit-window.js';
import type { Notifier, OrgEventType, TokenStore } from '../../lambdas/core/ports.js';
import { RemovedBy } from '../../lambdas/core/removal.js';
import { OrgRemoval } from '../../lambdas/offboarding/org-removal.js';
import { LeakLedger } from '../reliability/support/leak-ledger.js';
import { CLIENTS, createHarness, type Harness } from '../support/harness.js';

let h: Harness;
/** Every token request the provider received: for which org (the client sends organization_id), and when. */
const tokenRequests: { orgId: string; at: number }[] = [];
const events: { type: OrgEventType; orgId: string }[] = [];
const notifier: Notifier = {
  orgEvent: async (type, detail) => {
    events.push({ type, orgId: detail.orgId });
  },
};

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  h.oauth.faultHook = (info) => {
    const orgId = info.params.get('organization_id');
    if (orgId) tokenRequests.push({ orgId, at: Date.now() });
    // Token requests of 0-40 ms, so removals land before, during and after them.
    return { kind: 'delay', ms: Math.floor(Math.random() * 40) };
  };
});
afterAll(async () => h.close());

function removal(clock = h.runtime().clock) {
  const runtime = h.runtime();
  return new OrgRemoval({
    store: new DynamoDbOrgRemoval({ tableName: h.table, client: h.doc }),
    credentials: runtime.credentials,
    endpoint: runtime.endpoint,
    notifier,
    clock,
    log: h.log,
    settings: h.config,
  });
}
const removalScope = () => {
  const deadline = Date.now() + 30_000;
  return { remainingMs: () => deadline - Date.now(), waitForLease: true };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seed = (orgId: string) =>
  h.seedOrg(orgId, { clientKey: 'orgParam', extra: { revocationUrl: h.oauth.revocationUrl } });

const ROUNDS = 30;
const ORGS_PER_ROUND = 6;

describe('Offboarding racing a sweep (oidc-provider, DynamoDB Local)', () => {
  it(`${ROUNDS} rounds of ${ORGS_PER_ROUND}: no token request after the tombstone, nothing left readable or usable`, async () => {
    const won = { sweepFirst: 0, removalFirst: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const orgIds = Array.from({ length: ORGS_PER_ROUND }, (_, i) => `race-${round}-${i}`);
      for (const orgId of orgIds) await seed(orgId);

      // Act: the sweep and the removals, each removal after its own random pause.
      const sweep = h.runtime({ notifier }).run.sweep(h.scope());
      const removals = orgIds.map(async (orgId) => {
        await sleep(Math.floor(Math.random() * 60));
        const result = await removal().remove(orgId, RemovedBy.App, removalScope());
        return { orgId, result, acknowledgedAt: Date.now() };
      });
      const [summary, removed] = await Promise.all([sweep, Promise.all(removals)]);

      // Assess, per org
      const live = await h.oauth.liveTokensByAccount();
      for (const { orgId, result, acknowledgedAt } of removed) {
        expect(result, orgId).toMatchObject({
          outcome: 'removed',
          revocation: { refreshToken: { result: 'REVOKED' } },
        });
        const removedAt = result.outcome === 'removed' ? result.removedAt : Number.NaN;
        const requests = tokenRequests.filter((r) => r.orgId === orgId);
        for (const r of requests) expect(r.at, `${orgId}: a token request after its tombstone`).toBeLessThan(removedAt);
        expect(removedAt).toBeLessThanOrEqual(acknowledgedAt);
        // The sweep either refreshed it before the tombstone (one request, whose answer the removal revoked), or
        // met the tombstone first (in the due index no more, or its claim refused) and sent nothing.
        expect(requests.length, orgId).toBeLessThanOrEqual(1);
        if (requests.length === 1) won.sweepFirst++;
        else won.removalFirst++;
        const record = await h.getRecord(orgId);
        expect(record, orgId).toMatchObject({ status: 'REMOVED', removedAt });
        for (const secret of ['accessToken', 'refreshToken', 'clientSecret', 'leaseOwner', 'dueShard']) {
          expect(record, `${orgId} ${secret}`).not.toHaveProperty(secret);
        }
        expect(live.get(orgId), `${orgId}: tokens still usable at the provider`).toBeUndefined();
      }
      // Nothing failed, nothing received went unstored: a racing commit either landed first or never started.
      expect(summary.failedTotal, JSON.stringify(summary.failed)).toBe(0);
      expect(summary.notCommitted).toBe(0);
      expect(summary.refreshed).toBe(removed.filter((r) => tokenRequests.some((t) => t.orgId === r.orgId)).length);
    }

    // After every acknowledgement: another sweep sends nothing for a removed org, and no record changes.
    const requestsBefore = tokenRequests.length;
    const tombstones = await Promise.all(Array.from({ length: ROUNDS }, (_, round) => h.getRecord(`race-${round}-0`)));
    const after = await h.runtime({ notifier }).run.sweep(h.scope());
    expect(after.refreshed + after.failedTotal).toBe(0);
    expect(tokenRequests.length).toBe(requestsBefore);
    expect(await Promise.all(Array.from({ length: ROUNDS }, (_, round) => h.getRecord(`race-${round}-0`)))).toEqual(
      tombstones,
    );
    // No lost rotation was reported to an app that removed its org.
    expect(events.filter((e) => e.type === 'RotationLost')).toEqual([]);
    // Both orders happened, or the race proved nothing.
    expect(won.sweepFirst).toBeGreaterThan(0);
    expect(won.removalFirst).toBeGreaterThan(0);
    console.info(`offboarding race: ${JSON.stringify(won)} over ${ROUNDS * ORGS_PER_ROUND} removals`);
  }, 240_000);

  it('a refresher stalled past its lease: the tombstone fences its commit, and it revokes what it received', async () => {
    await seed('race-stalled');
    const runtime = h.runtime({ notifier });
    let resumeCommit: () => void = () => {};
    const commitHeld = new Promise<void>((resolve) => {
      resumeCommit = resolve;
    });
    let received: { refreshToken?: string; accessToken: string } | undefined;
    const store = runtime.store;
    const stalling: TokenStore = {
      queryDue: (...a) => store.queryDue(...a),
      get: (orgId) => store.get(orgId),
      claim: (req) => store.claim(req),
      async commit(req) {
        received = { refreshToken: req.refreshToken, accessToken: req.accessToken };
        await commitHeld; // the invocation stalls here, after the provider answered, past its lease
        return store.commit(req);
      },
      salvage: (req) => store.salvage(req),
      release: (req) => store.release(req),
      markReauth: (req) => store.markReauth(req),
      attentionCounts: () => store.attentionCounts(),
    };
    const stalled = h.runtime({ notifier, store: stalling }).run.refreshOrgs(['race-stalled'], h.scope());
    while (received === undefined) await sleep(10);

    // The removal runs when the lease hold has run out (its clock is past the hold): it does not wait, and writes.
    const late = {
      now: () => Date.now() + leaseHoldMs(h.config.leaseMs) + 1_000,
      sleep: async (ms: number) => void (await sleep(ms)),
    };
    const result = await removal(late).remove('race-stalled', RemovedBy.App, removalScope());
    expect(result).toMatchObject({ outcome: 'removed' });
    resumeCommit();
    const summary = await stalled;

    expect(summary.outcomes?.[0]).toEqual({ orgId: 'race-stalled', result: 'skipped', reason: 'NOT_ACTIVE' });
    expect([summary.failedTotal, summary.notCommitted, summary.rotationLost]).toEqual([0, 0, 0]);
    expect(events.filter((e) => e.orgId === 'race-stalled').map((e) => e.type)).toEqual(['Removed']);
    expect(h.oauth.revocations.some((r) => r.token === received?.refreshToken)).toBe(true);
    expect(await h.oauth.refreshTokenUsable(received?.refreshToken as string)).toBe(false);
    expect(await h.oauth.liveTokensOf('race-stalled')).toBe(0);
    expect(await h.getRecord('race-stalled')).not.toHaveProperty('refreshToken');
  });

  it('left no token or client secret in any log line or event of the runs above', () => {
    const ledger = new LeakLedger();
    ledger.addOAuthServer(h.oauth, Object.values(CLIENTS));
    ledger.addText('refresher and removal log', h.log.text());
    ledger.addText('org events', events);
    const scan = ledger.scan();
    expect(scan.secrets).toBeGreaterThan(ROUNDS * ORGS_PER_ROUND);
    expect(scan.leaks).toEqual([]);
  });
});
