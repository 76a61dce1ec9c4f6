// The fan-out on DynamoDB Local and a real OAuth server: the real handler as planner and as sweep workers, started
// through the SDK's Lambda Invoke against the loopback stand-in. Parallel and overlapping sweeps rotate every org
// exactly once; SHARD_COUNT grows on a live table without losing an org (and never shrinks); a host answering 429 is
// backed off as a whole and recovers; a bad fan-out event is refused with a code naming the field.
// (The 2 000-org version of the first test is test/reliability/fleet.test.ts.)
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Clock } from '../../lambdas/core/ports.js';
import type { HandlerResult } from '../../lambdas/refresher/handler.js';
import type { PlanSummary } from '../../lambdas/refresher/planner.js';
import type { RunSummary } from '../../lambdas/refresher/run-refresh.js';
import type { RefresherSettings } from '../../lambdas/refresher-settings.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { captureOutput, emfMetrics } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { LocalFleet } from '../../local/local-fleet.js';
import { localRefresherEnvironment } from '../../local/refresher-environment.js';
import { scheduledEvent } from '../../local/scheduled-event.js';
import { orgIds, RefreshTokenWatch, scanRecords, seedOrgs } from '../reliability/support/fleet.js';
import { createHarness, type Harness, TEST_SETTINGS } from '../support/harness.js';

const FLEET_SETTINGS: Partial<RefresherSettings> = {
  shardCount: 8,
  maxSweeps: 4,
  orgsPerSweep: 40,
  concurrency: 8,
};

let harnesses: Harness[] = [];
let fleets: LocalFleet[] = [];
afterEach(async () => {
  for (const f of fleets) await f.stop();
  for (const h of harnesses) await h.close();
  fleets = [];
  harnesses = [];
});

async function harness(settings: Partial<RefresherSettings> = {}, oauth = {}) {
  const h = await createHarness(inject('dynamoDbEndpoint'), { settings: { ...FLEET_SETTINGS, ...settings }, oauth });
  harnesses.push(h);
  return h;
}

/** A movable clock: "one hour later" without waiting an hour (both functions share it). */
function offsetClock() {
  const clock = {
    offsetMs: 0,
    now: () => Date.now() + clock.offsetMs,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
  return clock as Clock & { offsetMs: number };
}

async function fleetFor(h: Harness, settings: Partial<RefresherSettings> = {}, clock?: Clock) {
  const env = localRefresherEnvironment({
    tableName: h.table,
    settings: { ...TEST_SETTINGS, ...FLEET_SETTINGS, ...settings },
  });
  const fleet = await LocalFleet.start({
    env,
    overrides: { documentClient: h.doc, secretsClient: h.secretsClient, ...(clock ? { clock } : {}) },
  });
  fleets.push(fleet);
  return fleet;
}

const sweeps = (results: HandlerResult[]) =>
  results.filter((r): r is Omit<RunSummary, 'owner'> => 'mode' in r && r.mode === 'sweep');
const sum = (results: HandlerResult[], f: (s: Omit<RunSummary, 'owner'>) => number) =>
  sweeps(results).reduce((a, s) => a + f(s), 0);
const conflicts = (s: Omit<RunSummary, 'owner'>) => (s.skipped.LEASED ?? 0) + (s.skipped.NOT_DUE ?? 0);

describe('Fan-out: parallel and overlapping sweeps', () => {
  it('a planner tick, a second tick and a full sweep at once rotate every org exactly once, 0 invalid_grant, ~0 wasted claims', async () => {
    const h = await harness({}, { latencyMs: 20 });
    const ids = orgIds('fan', 240);
    await seedOrgs(h, ids);
    const before = await scanRecords(h);
    const watch = new RefreshTokenWatch(h.oauth);
    const invalidBefore = h.oauth.stats.invalidGrant;
    const fleet = await fleetFor(h);

    const { result } = await captureOutput(async () => {
      const tickA = fleet.plan();
      const full = fleet.worker(scheduledEvent(), lambdaContext(fleet.timeoutMs));
      const tickB = fleet.plan();
      const settled = await Promise.all([tickA, full, tickB]);
      await fleet.idle();
      return settled;
    });
    const [planA, fullSweep, planB] = result as [PlanSummary, Omit<RunSummary, 'owner'>, PlanSummary];

    const all = [fullSweep, ...fleet.workerResults];
    expect(planA.sweeps.length + planB.sweeps.length).toBeGreaterThan(1);
    expect(sum(all, (s) => s.refreshed)).toBe(ids.length);
    expect(sum(all, (s) => s.failedTotal)).toBe(0);
    expect(h.oauth.stats.invalidGrant - invalidBefore).toBe(0);
    const after = await scanRecords(h);
    for (const id of ids) {
      const old = before.get(id);
      expect(watch.count(old?.refreshToken)).toBe(1);
      expect(after.get(id)?.refreshToken).not.toBe(old?.refreshToken);
    }
    expect(watch.sent.size).toBe(ids.length);
    // Two sweeps never walked one shard at once, so (almost) no claim was lost to another sweep.
    const wasted = sum(all, conflicts) / ids.length;
    console.log(`fan-out: ${fleet.workerResults.length} workers + 1 full sweep, wasted claims per refresh ${wasted}`);
    expect(wasted).toBeLessThanOrEqual(0.05);
    // Every sweep lease was given back.
    expect(
      (
        await h.doc.send(
          new (
            await import('@aws-sdk/lib-dynamodb')
          ).GetCommand({ TableName: h.table, Key: { orgId: '#sweep' } }),
        )
      ).Item,
    ).not.toHaveProperty('shard0');
  });
});

describe('Fan-out: growing SHARD_COUNT on a live table', () => {
  it('loses no org when sweeps with the old and the new count run at once, and refuses to shrink afterwards', async () => {
    const h = await harness({ shardCount: 2 }, { latencyMs: 10 });
    const ids = orgIds('grow', 120);
    await seedOrgs(h, ids);
    const clock = offsetClock();
    const oldFleet = await fleetFor(h, { shardCount: 2, maxSweeps: 2 }, clock);
    const newFleet = await fleetFor(h, { shardCount: 8 }, clock);
    const watch = new RefreshTokenWatch(h.oauth);

    // The deployment rolls out mid-tick: the old planner's workers and the new planner's run at once.
    await captureOutput(() => Promise.all([oldFleet.tick(), newFleet.tick()]));
    const refreshedFirst = sum([...oldFleet.workerResults, ...newFleet.workerResults], (s) => s.refreshed);
    expect(refreshedFirst).toBe(ids.length);
    expect(watch.sent.size).toBe(ids.length);
    for (const rt of watch.sent.values()) expect(rt).toBe(1);

    // An hour later every org is due again, in its old shard or its new one: the new count sweeps them all.
    clock.offsetMs = 3_600_000;
    watch.reset();
    const second = await captureOutput(() => newFleet.tick());
    expect(sum(second.result.workers, (s) => s.refreshed)).toBe(ids.length);
    expect(watch.sent.size).toBe(ids.length);
    const records = await scanRecords(h);
    for (const id of ids) {
      const r = records.get(id);
      expect(r?.status).toBe('ACTIVE');
      expect(r?.dueShard as number).toBeLessThan(8);
      expect(r?.refreshAt as number).toBeGreaterThan(clock.now());
    }
    // Some orgs moved into the new shards: the growth really happened.
    expect([...records.values()].some((r) => (r.dueShard as number) >= 2)).toBe(true);

    // Going back to 2 shards would strand the orgs in shards 2-7: every sweep and plan refuses, naming the variable.
    const shrunk = captureOutput(() => oldFleet.worker(scheduledEvent(), lambdaContext(60_000)));
    await expect(shrunk).rejects.toThrow(/SHARD_COUNT \(2\) is below the 8 shards/);
    await expect(captureOutput(() => oldFleet.plan())).rejects.toThrow(/SHARD_COUNT \(2\)/);
  });
});

describe('Fan-out: per-host backoff', () => {
  it('a host answering 429 is backed off as a whole (one ProviderDegraded), its orgs deferred, and it recovers', async () => {
    const settings = { orgsPerSweep: 10, concurrency: 2 };
    const h = await harness(settings, { latencyMs: 20 });
    const ids = orgIds('rl', 40);
    await seedOrgs(h, ids);
    // The provider rate-limits everything for two seconds from the first request (Retry-After: 2), as a real one does
    // within its window.
    let limitedUntil: number | undefined;
    const watch = new RefreshTokenWatch(h.oauth, () => {
      limitedUntil ??= Date.now() + 2_000;
      return Date.now() < limitedUntil
        ? { kind: 'status', status: 429, body: '{"error":"rate_limited"}', headers: { 'retry-after': '2' } }
        : undefined;
    });
    const clock = offsetClock();
    const fleet = await fleetFor(h, settings, clock);

    const first = await captureOutput(() => fleet.tick());
    const workers = sweeps(first.result.workers);
    expect(workers.length).toBeGreaterThan(1);
    const degraded = workers.flatMap((s) => s.hostsDegraded ?? []);
    expect(degraded).toEqual([`127.0.0.1:${new URL(h.oauth.origin).port}`]);
    const emf = first.lines.map(emfMetrics).reduce((a, m) => a + (m.ProviderDegraded ?? 0), 0);
    expect(emf).toBe(1);
    expect(first.lines.filter((l) => l.includes('"host event"'))).toHaveLength(1);
    const deferred = sum(first.result.workers, (s) => s.skipped.HOST_DEGRADED ?? 0);
    const failed = sum(first.result.workers, (s) => s.failedTotal);
    // One request per slot at most, not one per org: the host was left alone after its 429s.
    expect(watch.sent.size).toBeLessThanOrEqual(workers.length * settings.concurrency);
    expect(deferred).toBeGreaterThanOrEqual(ids.length - workers.length * settings.concurrency);
    expect(failed).toBe(sum(first.result.workers, (s) => s.failed.RATE_LIMITED ?? 0));
    const records = await scanRecords(h);
    const deferredRecords = [...records.values()].filter(
      (r) => r.orgId !== undefined && r.lastError === undefined && r.lastRefreshedAt === undefined,
    );
    for (const r of deferredRecords) expect(r.consecutiveFailures).toBe(0);

    // After the backoff (and its spread over a period) every org is due and the host takes requests again.
    await new Promise((r) => setTimeout(r, Math.max(0, (limitedUntil ?? 0) - Date.now())));
    clock.offsetMs = 3 * 60_000;
    const second = await captureOutput(() => fleet.tick());
    const refreshed = sum(first.result.workers, (s) => s.refreshed) + sum(second.result.workers, (s) => s.refreshed);
    expect(refreshed).toBe(ids.length);
    expect(sum(second.result.workers, (s) => s.skipped.HOST_DEGRADED ?? 0)).toBe(0);
    expect(h.oauth.stats.invalidGrant).toBe(0);
    for (const r of (await scanRecords(h)).values()) expect(r.lastError).toBeUndefined();
  });
});

describe('Fan-out: events and wiring', () => {
  it('a bad fan-out event is refused with INVALID_EVENT naming the field (through Lambda Invoke)', async () => {
    const h = await harness();
    const fleet = await fleetFor(h);
    const client = new LambdaClient({
      endpoint: fleet.standIn.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const invoke = async (payload: unknown) => {
      const out = await client.send(
        new InvokeCommand({
          FunctionName: 'tenant-token-refresher-worker',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      return JSON.parse(new TextDecoder().decode(out.Payload));
    };
    const { result } = await captureOutput(async () => [
      await invoke({ sweep: { shards: [3, 12], tick: 't', hostShare: 4 } }),
      await invoke({ sweep: { shards: [3], tick: 't' } }),
      await invoke({ plan: {} }),
    ]);
    client.destroy();
    expect(result[0]).toEqual({
      error: {
        code: 'INVALID_EVENT',
        message: expect.stringContaining('sweep.shards names 12, not below SHARD_COUNT (8)'),
      },
    });
    expect(result[1]).toEqual({
      error: { code: 'INVALID_EVENT', message: expect.stringContaining('sweep.hostShare') },
    });
    // The worker function is not the planner: it has no WORKER_FUNCTION_NAME.
    expect(result[2]).toEqual({
      error: { code: 'CONFIG_INVALID', message: expect.stringContaining('WORKER_FUNCTION_NAME is not set') },
    });
  });

  it('a planner whose workers Lambda refuses fails its invocation (so on-call hears of it)', async () => {
    const h = await harness();
    await seedOrgs(h, orgIds('refused', 5));
    const env = localRefresherEnvironment({ tableName: h.table, settings: { ...TEST_SETTINGS, ...FLEET_SETTINGS } });
    const fleet = await fleetFor(h);
    const { buildHandler, createHandlerParts } = await import('../../lambdas/refresher/handler.js');
    const lambdaClient = new LambdaClient({
      endpoint: fleet.standIn.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const planner = buildHandler(
      createHandlerParts(
        { ...env, WORKER_FUNCTION_NAME: 'no-such-function' },
        { documentClient: h.doc, secretsClient: h.secretsClient, lambdaClient },
      ),
    );
    const out = captureOutput(() => planner({ plan: {} }, lambdaContext(30_000)));
    await expect(out).rejects.toThrow(/1 of 1 sweep workers could not be started/);
    lambdaClient.destroy();
  });
});
