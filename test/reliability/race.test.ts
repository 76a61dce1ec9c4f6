// Invariant 1 under real concurrency: eight refresher processes sweep the same 1 000 orgs at the same moment, cycle
// after cycle, against an OAuth server that revokes the whole grant when a refresh token is used twice. Then the
// stalled refresher: a holder that outlives its lease can neither share the refresh token nor overwrite the record.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import type { CredentialsSource, TokenEndpoint } from '../../lambdas/core/ports.js';
import type { RefresherSettings } from '../../lambdas/refresher-settings.js';
import { scheduledEvent } from '../../local/scheduled-event.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';
import { recordFigure } from './support/figures.js';
import { fileLedger } from './support/file-ledger.js';
import { deferred, orgIds, RefreshTokenWatch, scanRecords, seedOrgs, sleep } from './support/fleet.js';
import { RefresherProcess, refresherEnv } from './support/refresher-process.js';

const PROCESSES = 8;
const ORGS = 1000;
const CYCLES = 3;
const HOUR_MS = 3_600_000;

// A generous HTTP timeout: eight processes × 8 requests in flight share two cores with the OAuth server, and a
// timeout after sending is an ambiguous outcome, which would muddle what this test measures (double use).
const RACE_SETTINGS: Partial<RefresherSettings> = {
  httpTimeoutMs: 10000,
  maxAttempts: 3,
  leaseSeconds: 40,
  lambdaTimeoutSeconds: 120,
  schedulePeriodSeconds: 60,
  refreshWindowSeconds: 600,
  jitterSeconds: 60,
  concurrency: 8,
  shardCount: 4,
  allowedTokenHosts: ['127.0.0.1'],
};

/** A real token endpoint that, once the provider has answered, holds the answer until `wake` resolves. */
function stallAfterAnswer() {
  const answered = deferred();
  const wake = deferred();
  const real = new HttpTokenEndpoint();
  const endpoint: TokenEndpoint = {
    async send(request, timeoutMs) {
      const outcome = await real.send(request, timeoutMs);
      answered.resolve();
      await wake.promise;
      return outcome;
    },
  };
  return { endpoint, answered, wake };
}

describe('Races: 8 refresher processes sweeping the same 1 000 orgs at once', () => {
  let h: Harness;
  let processes: RefresherProcess[] = [];

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), {
      settings: RACE_SETTINGS,
      oauth: { accessTokenTtlSeconds: 3600 },
    });
    await seedOrgs(h, orgIds('race', ORGS));
    const env = refresherEnv({
      tableName: h.table,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      secretsEndpoint: h.secrets.endpoint,
      settings: RACE_SETTINGS,
      // Sweep leases would hand all four shards to one process: this test is about the org leases underneath.
      sweepLeases: false,
    });
    processes = await Promise.all(Array.from({ length: PROCESSES }, () => RefresherProcess.start(env)));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const p of processes) {
      fileLedger.addText(`race process ${p.pid} stdout`, p.stdout);
      fileLedger.addText(`race process ${p.pid} stderr`, p.stderr);
    }
    await h.close();
  });

  it('rotates every org exactly once per cycle, with 0 invalid_grant, over several cycles', async () => {
    const watch = new RefreshTokenWatch(h.oauth);
    const invalidGrantBefore = h.oauth.stats.invalidGrant;
    let rotations = 0;
    let violations = 0;
    let raceInvalidGrantReported = 0;
    let claimConflicts = 0;
    let ambiguous = 0;

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const before = await scanRecords(h);
      expect(before.size).toBe(ORGS);
      watch.reset();
      const successesBefore = h.oauth.stats.successes;

      // Each cycle runs "one hour later" than the last, when every token refreshed in the previous cycle is due again.
      const cycleStarted = Date.now();
      const outcomes = await Promise.all(
        processes.map((p) => p.invoke(scheduledEvent(), { budgetMs: 120_000, clockOffsetMs: cycle * HOUR_MS })),
      );

      const summaries = outcomes.map((o) => {
        expect(o.kind, JSON.stringify(o)).toBe('result');
        return (o as { result: Record<string, unknown> }).result as {
          refreshed: number;
          failedTotal: number;
          raceInvalidGrant: number;
          ambiguous: number;
          skipped: Record<string, number>;
        };
      });
      const refreshed = summaries.reduce((n, s) => n + s.refreshed, 0);
      console.log(
        `race cycle ${cycle + 1}: ${Date.now() - cycleStarted} ms, refreshed per process ${summaries.map((s) => s.refreshed).join(' ')}`,
      );
      raceInvalidGrantReported += summaries.reduce((n, s) => n + s.raceInvalidGrant, 0);
      claimConflicts += summaries.reduce((n, s) => n + (s.skipped.LEASED ?? 0) + (s.skipped.NOT_DUE ?? 0), 0);
      expect(summaries.reduce((n, s) => n + s.failedTotal, 0)).toBe(0);
      // A stale keep-alive socket can reset a request before the server saw it: retried once, safely. Counted, not
      // forbidden — what is forbidden is a second use of a refresh token, which the checks below catch.
      ambiguous += summaries.reduce((n, s) => n + s.ambiguous, 0);
      // The work was shared: more than one process refreshed something (otherwise this raced nothing).
      expect(summaries.filter((s) => s.refreshed > 0).length).toBeGreaterThan(1);

      const after = await scanRecords(h);
      for (const [orgId, old] of before) {
        const now = after.get(orgId);
        const exactlyOnce =
          watch.count(old.refreshToken) === 1 &&
          now?.refreshToken !== old.refreshToken &&
          now?.version === (old.version as number) + 1 &&
          now?.leaseOwner === undefined &&
          now?.status === 'ACTIVE';
        if (!exactlyOnce) violations++;
      }
      // No refresh token other than the cycle's starting ones was sent, and each reached the server once.
      expect(watch.sent.size).toBe(ORGS);
      expect(h.oauth.stats.successes - successesBefore).toBe(ORGS);
      expect(refreshed).toBe(ORGS);
      rotations += refreshed;
    }

    const final = await scanRecords(h);
    let unusable = 0;
    for (const rec of final.values()) if (!(await h.oauth.refreshTokenUsable(rec.refreshToken as string))) unusable++;
    const invalidGrant = h.oauth.stats.invalidGrant - invalidGrantBefore;

    recordFigure('race processes', PROCESSES);
    recordFigure('race orgs', ORGS);
    recordFigure('race cycles', CYCLES);
    recordFigure(
      'race rotations',
      rotations,
      `(expected ${ORGS * CYCLES}; ${claimConflicts} claims lost to another process)`,
    );
    recordFigure('race exactly-once violations', violations, `(${ambiguous} ambiguous outcomes retried safely)`);
    recordFigure('race invalid_grant', invalidGrant);
    recordFigure('lost tokens', unusable);

    expect(violations).toBe(0);
    expect(invalidGrant).toBe(0);
    expect(raceInvalidGrantReported).toBe(0);
    expect(unusable).toBe(0);
    expect(rotations).toBe(ORGS * CYCLES);
  });
});

// A short real lease, so the test can wait it out: 2 s HTTP timeout, one attempt, 8 s lease.
const STALL_SETTINGS: Partial<RefresherSettings> = {
  httpTimeoutMs: 2000,
  maxAttempts: 1,
  leaseSeconds: 8,
  lambdaTimeoutSeconds: 30,
};

describe('A refresher that stalls past its lease', () => {
  let h: Harness;
  let watch: RefreshTokenWatch;
  let fenced = 0;
  let sendsWhileLeased = 0;

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), {
      settings: STALL_SETTINGS,
      oauth: { accessTokenTtlSeconds: 3600 },
    });
    watch = new RefreshTokenWatch(h.oauth);
  });
  afterAll(async () => {
    recordFigure('stalled refresher sends while leased', sendsWhileLeased);
    recordFigure('stalled refresher late commits fenced', fenced, '(LEASE_LOST, TokenNotCommitted)');
    await h.close();
  });

  async function leaseExpired(orgId: string): Promise<void> {
    const rec = await h.getRecord(orgId);
    const until = rec?.leaseUntil as number;
    await sleep(Math.max(0, until - Date.now()) + 100);
  }

  it('a stall after the provider answered: nobody else sends while the lease lasts, and the late commit is fenced off', async () => {
    const id = 'stall-after-response';
    const seeded = await h.seedOrg(id);
    const rt1 = seeded.refreshToken as string;
    // The holder gets its answer (RT1 is spent, RT2 exists only in its memory), then freezes — a GC pause, a stuck
    // event loop — for longer than its lease.
    const { endpoint: stallingEndpoint, answered, wake } = stallAfterAnswer();
    const holder = h.runtime({ endpoint: stallingEndpoint }).run.refreshOrgs([id], h.scope(120_000));
    await answered.promise;

    const whileLeased = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(whileLeased.skipped).toEqual({ LEASED: 1 });
    sendsWhileLeased += watch.count(rt1) - 1;
    expect(watch.count(rt1)).toBe(1);

    await leaseExpired(id);
    // The lease ran out: a second refresher takes the abandoned lease. Its careful attempt with RT1 meets the
    // provider's reuse detection — the rotation the frozen holder received is lost, and said so.
    const takeover = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(takeover.failed).toEqual({ ROTATION_LOST: 1 });
    const afterTakeover = await h.getRecord(id);

    wake.resolve();
    const late = await holder;
    expect(late.failed).toEqual({ LEASE_LOST: 1 });
    expect(late.notCommitted).toBe(1);
    expect(late.rotationLost).toBe(1);
    // The fence held: the record is exactly what the second refresher left, not the frozen holder's tokens.
    const final = await h.getRecord(id);
    expect(final).toEqual(afterTakeover);
    expect(final).toMatchObject({ status: 'REAUTH_REQUIRED', lastError: { code: 'ROTATION_LOST' } });
    fenced++;
  });

  it('a stall before sending: the holder does not send once its lease is too short, and the taker refreshes cleanly', async () => {
    const id = 'stall-before-send';
    const seeded = await h.seedOrg(id);
    const rt1 = seeded.refreshToken as string;
    const claimed = deferred();
    const wake = deferred();
    const invalidGrantBefore = h.oauth.stats.invalidGrant;
    // Secrets Manager answers slowly: the holder has claimed but not yet built its request.
    const slowCredentials: CredentialsSource = {
      async get(secretId) {
        claimed.resolve();
        await wake.promise;
        if (secretId !== secretIdFor(CLIENTS.basic.clientId)) throw new Error('unexpected secret');
        return { clientId: CLIENTS.basic.clientId, clientSecret: CLIENTS.basic.clientSecret };
      },
    };
    const holder = h.runtime({ credentials: slowCredentials }).run.refreshOrgs([id], h.scope(120_000));
    await claimed.promise;
    expect((await h.runtime().run.refreshOrgs([id], h.scope())).skipped).toEqual({ LEASED: 1 });
    expect(watch.count(rt1)).toBe(0);

    await leaseExpired(id);
    const takeover = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(takeover.refreshed).toBe(1);
    const afterTakeover = await h.getRecord(id);

    wake.resolve();
    const late = await holder;
    expect(late.failed).toEqual({ LEASE_TOO_SHORT: 1 });
    // RT1 went out exactly once (the taker's); the holder never sent it after losing the lease.
    expect(watch.count(rt1)).toBe(1);
    expect(h.oauth.stats.invalidGrant - invalidGrantBefore).toBe(0);
    expect(await h.getRecord(id)).toEqual(afterTakeover);
    expect(await h.oauth.refreshTokenUsable(afterTakeover?.refreshToken as string)).toBe(true);
  });

  it('a stall nobody else noticed: the late commit still lands (the fence is the version, not the clock)', async () => {
    const id = 'stall-alone';
    await h.seedOrg(id);
    const { endpoint: stallingEndpoint, answered, wake } = stallAfterAnswer();
    const holder = h.runtime({ endpoint: stallingEndpoint }).run.refreshOrgs([id], h.scope(120_000));
    await answered.promise;
    await leaseExpired(id);
    wake.resolve();
    expect((await holder).refreshed).toBe(1);
    const rec = await h.getRecord(id);
    expect(rec).toMatchObject({ status: 'ACTIVE' });
    expect(await h.oauth.refreshTokenUsable(rec?.refreshToken as string)).toBe(true);
  });
});
