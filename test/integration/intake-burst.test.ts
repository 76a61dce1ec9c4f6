// An onboarding burst: a hosted app hands 200 grants over at once, against one token host with HOST_MAX_IN_FLIGHT and
// HOST_MAX_PER_SECOND set, while a sweep refreshes that host's due orgs. The intake runs at its reserved concurrency
// (INTAKE_CONCURRENCY instances behind the Lambda stand-in, each its own handler with its own host gate; calls past
// it are throttled and retried by the app), and every instance takes one share of the host's budget beside the sweeps
// (core/host-limits.ts fleetHostShare). Counted at the loopback OAuth server: the host never sees more requests in
// flight, or more in any second, than its limits.
import { LambdaClient } from '@aws-sdk/client-lambda';
import pLimit from 'p-limit';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { fleetHostShare, tokenHostOf } from '../../lambdas/core/host-limits.js';
import { runRefreshEvent } from '../../lambdas/refresher/run-event.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { captureOutput } from '../../local/handler-output.js';
import { LOCAL_INTAKE_FUNCTION, startIntakeStandIn } from '../../local/intake-stand-in.js';
import type { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import { Busy, createGrantIntake, GrantPending } from '../../reader/index.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});

/** Hand-overs the app makes at once: eight times the intake's concurrency, so most of each wave is throttled. */
const APP_WORKERS = 32;

interface BurstCase {
  grants: number;
  sweptOrgs: number;
  /** The provider's documented limits, as an operator sets them (0: none). */
  limits: { hostMaxInFlight: number; hostMaxPerSecond: number };
  /** MAX_SWEEPS and SHARD_COUNT (the sweeps' shares), INTAKE_CONCURRENCY and ON_DEMAND_CONCURRENCY (theirs). */
  fleet: { maxSweeps: number; shardCount: number; intakeConcurrency: number; onDemandConcurrency: number };
  providerLatencyMs: number;
}

interface World {
  h: Harness;
  standIn: LambdaInvokeStandIn;
  lambda: LambdaClient;
}
const worlds: World[] = [];

async function world(c: BurstCase): Promise<World> {
  const h = await createHarness(inject('dynamoDbEndpoint'), {
    settings: { ...c.fleet, ...c.limits },
    oauth: { latencyMs: c.providerLatencyMs },
  });
  const standIn = await startIntakeStandIn(
    h.env,
    { documentClient: h.doc, secretsClient: h.secretsClient },
    { reservedConcurrency: c.fleet.intakeConcurrency },
  );
  const lambda = new LambdaClient({
    endpoint: standIn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    // The SDK's default: a throttled call is retried (with backoff) before the app sees Busy (THROTTLED) and retries
    // it itself below; a connection the stand-in's keep-alive closed under load is retried too.
    maxAttempts: 3,
  });
  const w = { h, standIn, lambda };
  worlds.push(w);
  return w;
}
afterAll(async () => {
  for (const { h, standIn, lambda } of worlds) {
    await standIn.stop();
    lambda.destroy();
    await h.close();
  }
});

/** The most arrivals within any `windowMs` (half-open windows starting at each arrival). */
function peakPerWindow(arrivals: readonly number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && (sorted[j] as number) < (sorted[i] as number) + windowMs) j++;
    peak = Math.max(peak, j - i);
  }
  return peak;
}

/** A new org on the harness's token host, with the shared client. */
function grantOrg(h: Harness, orgId: string) {
  return {
    orgId,
    provider: 'generic' as const,
    grantType: 'refresh_token' as const,
    tokenUrl: h.oauth.tokenUrl,
    clientAuth: 'basic' as const,
    clientSecretId: secretIdFor(CLIENTS.basic.clientId),
  };
}

/**
 * Hands `grants` new orgs' grants over at once (throttled calls retried as the app is told), while one sweep
 * refreshes `sweptOrgs` due orgs of the same token host; returns what the host saw.
 */
async function burst(c: BurstCase) {
  const { h, standIn, lambda } = await world(c);
  const grants = await Promise.all(
    Array.from({ length: c.grants }, (_, i) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, `burst-${i}`)),
  );
  for (let i = 0; i < c.sweptOrgs; i++) await h.seedOrg(`swept-${i}`);
  const issuedAt = Date.now();
  const intake = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION, client: lambda });
  const org = (orgId: string) => ({
    orgId,
    provider: 'generic' as const,
    grantType: 'refresh_token' as const,
    tokenUrl: h.oauth.tokenUrl,
    clientAuth: 'basic' as const,
    clientSecretId: secretIdFor(CLIENTS.basic.clientId),
  });
  let throttled = 0;
  // The app's own worker pool: many hand-overs at once, more than the intake's concurrency.
  const pool = pLimit(APP_WORKERS);
  const handOver = async (i: number) => {
    for (;;) {
      try {
        return await intake.submitGrant(org(`burst-${i}`), { refreshToken: grants[i] as string, issuedAt });
      } catch (err) {
        if (!(err instanceof Busy)) throw err;
        // The app's side of a burst: wait (a fraction of what it is told, jittered: the test's app is impatient, so the
        // intake's instances are never idle), then hand the same grant over again.
        throttled++;
        await new Promise((r) => setTimeout(r, (err.retryAfterSeconds ?? 1) * 1000 * (0.2 + Math.random() * 0.4)));
      }
    }
  };
  const arrivalsBefore = h.oauth.tokenRequestArrivals.length;
  const started = Date.now();
  const { result } = await captureOutput(() =>
    Promise.all([
      Promise.all(Array.from({ length: c.grants }, (_, i) => pool(() => handOver(i)))),
      runRefreshEvent(h.runtime(), { kind: 'sweep' }, h.scope(120_000)),
    ]),
  );
  const [answers, sweep] = result;
  const arrivals = h.oauth.tokenRequestArrivals.slice(arrivalsBefore);
  const seen = {
    durationMs: Date.now() - started,
    active: answers.filter((a) => a.status === 'ACTIVE').length,
    swept: sweep.refreshed,
    requests: arrivals.length,
    peakInFlight: h.oauth.stats.maxInFlight,
    peakPerSecond: peakPerWindow(arrivals, 1000),
    throttled,
    instances: standIn.instances.get(LOCAL_INTAKE_FUNCTION) ?? 0,
  };
  console.info(`intake burst ${JSON.stringify({ ...c.limits, ...c.fleet })}: ${JSON.stringify(seen)}`);
  return seen;
}

describe('Onboarding burst against one token host with its limits set', () => {
  it('200 grants and a sweep: the host never sees more than HOST_MAX_IN_FLIGHT at once or HOST_MAX_PER_SECOND in a second', async () => {
    // Four sweeps and four intake instances: eight shares; each paced at one request per 167 ms.
    const c: BurstCase = {
      grants: 200,
      sweptOrgs: 20,
      limits: { hostMaxInFlight: 8, hostMaxPerSecond: 48 },
      fleet: { maxSweeps: 3, shardCount: 3, intakeConcurrency: 4, onDemandConcurrency: 1 },
      providerLatencyMs: 0,
    };
    expect(fleetHostShare(c.fleet)).toBe(8);

    const seen = await burst(c);

    expect(seen).toMatchObject({ active: c.grants, swept: c.sweptOrgs, requests: c.grants + c.sweptOrgs });
    expect(seen.peakInFlight).toBeLessThanOrEqual(c.limits.hostMaxInFlight);
    expect(seen.peakPerSecond).toBeLessThanOrEqual(c.limits.hostMaxPerSecond);
    // The intake never ran more instances than its reserved concurrency; the rest of the burst waited its turn.
    expect(seen.instances).toBeLessThanOrEqual(c.fleet.intakeConcurrency);
    expect(seen.throttled).toBeGreaterThan(0);
  }, 240_000);

  it('a slow provider: the intake’s instances count in the in-flight budget beside the sweep’s share', async () => {
    // One sweep share, four intake instances and one on-demand instance: six shares of six requests in flight, one
    // each. Were the intake not counted, the sweep would take three (6 / 2) beside the intake's four.
    const c: BurstCase = {
      grants: 24,
      sweptOrgs: 24,
      limits: { hostMaxInFlight: 6, hostMaxPerSecond: 0 },
      fleet: { maxSweeps: 1, shardCount: 1, intakeConcurrency: 4, onDemandConcurrency: 1 },
      providerLatencyMs: 200,
    };

    const seen = await burst(c);

    expect(seen).toMatchObject({ active: c.grants, swept: c.sweptOrgs });
    expect(seen.peakInFlight).toBeLessThanOrEqual(c.limits.hostMaxInFlight);
    expect(seen.peakInFlight).toBeGreaterThanOrEqual(4);
  }, 240_000);

  it('one intake instance paces its refreshes to its share of the host’s rate, across invocations', async () => {
    // One sweep share, three intake instances and one on-demand instance: five shares of 5 requests a second, one
    // each: one per second.
    const c: BurstCase = {
      grants: 0,
      sweptOrgs: 0,
      limits: { hostMaxInFlight: 0, hostMaxPerSecond: 5 },
      fleet: { maxSweeps: 1, shardCount: 1, intakeConcurrency: 3, onDemandConcurrency: 1 },
      providerLatencyMs: 0,
    };
    const { h, lambda } = await world(c);
    const intake = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION, client: lambda });
    const before = h.oauth.tokenRequestArrivals.length;

    // Act: three hand-overs one after another (the same instance serves them all)
    for (let i = 0; i < 3; i++) {
      const orgId = `paced-${i}`;
      const refreshToken = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
      await captureOutput(() => intake.submitGrant(grantOrg(h, orgId), { refreshToken, issuedAt: Date.now() }));
    }

    // Assess: the host saw them a share's interval apart (1 s), not as fast as the intake could send
    const arrivals = h.oauth.tokenRequestArrivals.slice(before);
    expect(arrivals).toHaveLength(3);
    const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
  }, 60_000);

  it('a host backed off (a 429 seen by a sweep): the intake sends nothing and answers PENDING, HOST_DEGRADED', async () => {
    const c: BurstCase = {
      grants: 0,
      sweptOrgs: 0,
      limits: { hostMaxInFlight: 0, hostMaxPerSecond: 0 },
      fleet: { maxSweeps: 4, shardCount: 4, intakeConcurrency: 4, onDemandConcurrency: 1 },
      providerLatencyMs: 0,
    };
    const { h, lambda } = await world(c);
    const host = tokenHostOf(h.oauth.tokenUrl);
    await h.runtime().fleet.markHostDegraded({ host, until: Date.now() + 60_000, reason: 'RATE_LIMITED' }, Date.now());
    const intake = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION, client: lambda });
    const refreshToken = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'backed-off');
    const before = h.oauth.stats.tokenRequests;

    const { result: err } = await captureOutput(() =>
      intake.submitGrant(grantOrg(h, 'backed-off'), { refreshToken, issuedAt: Date.now() }).catch((e: unknown) => e),
    );

    expect(err).toBeInstanceOf(GrantPending);
    expect(err).toMatchObject({ stored: true, reason: 'HOST_DEGRADED' });
    expect(h.oauth.stats.tokenRequests).toBe(before);
    // Due again when the backoff ends, like any org the sweeps deferred.
    expect((await h.getRecord('backed-off'))?.refreshAt).toBeGreaterThan(Date.now() + 50_000);
  }, 60_000);
});
