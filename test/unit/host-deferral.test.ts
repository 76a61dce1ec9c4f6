// An org of a backed-off token host, through OrgRefresher with a host gate: released without an attempt, due again
// when the backoff ends, and not counted as its own failure. An org that hit the 429 itself keeps its own failure.
import { beforeEach, describe, expect, it } from 'vitest';
import { HOST_STATE_CACHE_MS, HostGate } from '../../lambdas/refresher/host-gate.js';
import type { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import type { RunScope } from '../../lambdas/refresher/refresh-deps.js';
import { MemoryFleetStore } from '../support/memory-fleet-store.js';
import {
  type FakeClock,
  type RefresherWorld,
  refresherWorld,
  type ScriptedEndpoint,
  status,
  T0,
} from '../support/refresher-world.js';

let clock: FakeClock;
let endpoint: ScriptedEndpoint;
let refresher: OrgRefresher;
let seed: RefresherWorld['seed'];
let record: RefresherWorld['record'];
let fleet: MemoryFleetStore;
let scope: RunScope;

beforeEach(() => {
  ({ clock, endpoint, refresher, seed, record } = refresherWorld());
  fleet = new MemoryFleetStore();
  const hostGate = new HostGate({
    clock,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    budget: { maxInFlight: 64, maxPerSecond: 10_000 },
    share: 1,
    backoff: { failuresToDegrade: 5, backoffMs: 60_000 },
    fleet,
  });
  scope = { owner: 'run-A', remainingMs: () => 120_000, hostGate };
});

describe('Function: deferOrg (through OrgRefresher)', () => {
  it('an org of a backed-off host is released without a request, due when the backoff ends, no failure', async () => {
    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 120_000, reason: 'RATE_LIMITED' }, T0);
    seed('org-1', { consecutiveFailures: 2, expiresAt: T0 + 3_000_000 });

    const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

    expect(outcome).toEqual({ orgId: 'org-1', result: 'skipped', reason: 'HOST_DEGRADED' });
    expect(endpoint.requests).toHaveLength(0);
    const r = record();
    expect(r.refreshAt).toBe(T0 + 120_000 + 30_000); // the backoff's end, spread over a period (random 0.5)
    expect(r).toMatchObject({ consecutiveFailures: 2, version: 8 });
    expect(r.lastError).toBeUndefined();
    expect(r.leaseOwner).toBeUndefined();
    expect(r.attention).toBeUndefined();
  });

  // Local mode (and the alarm simulation) send every org's request to one loopback server; the backoff must still
  // hold back the org's own host only, as it does on AWS — not every org that shares the loopback origin.
  it('keys the backoff on the org’s configured host, not on the loopback origin local mode sends it to', async () => {
    const local = refresherWorld({ allowLoopbackHttp: true, tokenEndpointOverride: 'http://127.0.0.1:4000' });
    await fleet.markHostDegraded({ host: '127.0.0.1:4000', until: T0 + 120_000, reason: 'RATE_LIMITED' }, T0);
    local.seed('org-1', { expiresAt: T0 + 3_000_000 });
    const passes = await local.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(passes).toMatchObject({ orgId: 'org-1', result: 'refreshed' });

    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 120_000, reason: 'RATE_LIMITED' }, T0);
    clock.t += HOST_STATE_CACHE_MS; // the gate reads the shared backoffs again
    local.seed('org-2', { expiresAt: T0 + 3_000_000 });
    const held = await local.refresher.refresh({ orgId: 'org-2', version: 7 }, scope);
    expect(held).toEqual({ orgId: 'org-2', result: 'skipped', reason: 'HOST_DEGRADED' });
    expect(local.endpoint.requests.map((r) => new URL(r.url).host)).toEqual(['127.0.0.1:4000']);
  });

  it('lists the org as EXPIRED when the backoff outlasts its token, and keeps rotationAtRisk', async () => {
    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 600_000, reason: 'RATE_LIMITED' }, T0);
    seed('org-1', { expiresAt: T0 - 1, rotationAtRisk: true });
    await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(record()).toMatchObject({ attention: 'EXPIRED', rotationAtRisk: true });
  });

  it('keeps an org’s MISCONFIGURED mark (only a successful refresh clears it)', async () => {
    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 60_000, reason: 'RATE_LIMITED' }, T0);
    seed('org-1', { attention: 'MISCONFIGURED', expiresAt: T0 + 3_000_000 });
    await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(record().attention).toBe('MISCONFIGURED');
  });

  it('the org that met the 429 keeps it as its own failure, due no sooner than the host’s backoff', async () => {
    seed('org-1', { expiresAt: T0 + 3_000_000 });
    endpoint.script = [() => status(429, { error: 'slow_down' }, '90')];

    const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

    expect(outcome).toMatchObject({ result: 'failed', code: 'RATE_LIMITED' });
    // One request: the host was backed off by the answer itself, so no retry inside this lease.
    expect(endpoint.requests).toHaveLength(1);
    expect(record().refreshAt as number).toBeGreaterThanOrEqual(T0 + 90_000);
    expect(record()).toMatchObject({ consecutiveFailures: 1, lastError: { code: 'RATE_LIMITED' } });
    expect((await fleet.degradedHosts()).map((d) => d.host)).toEqual(['idp.example.com']);
  });

  it('an org whose token expires within two periods is still sent (its last chance), within the host’s limits', async () => {
    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 600_000, reason: 'RATE_LIMITED' }, T0);
    seed('org-1', { expiresAt: T0 + 90_000 });
    const outcome = await refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'refreshed' });
    expect(endpoint.requests).toHaveLength(1);
  });

  it('without a host gate (the operator CLI) nothing is deferred', async () => {
    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 120_000, reason: 'RATE_LIMITED' }, T0);
    seed();
    const outcome = await refresher.refresh(
      { orgId: 'org-1', version: 7 },
      { owner: 'cli', remainingMs: () => 60_000 },
    );
    expect(outcome).toMatchObject({ result: 'refreshed' });
  });
});
