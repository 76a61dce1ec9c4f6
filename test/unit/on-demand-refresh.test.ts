// OnDemandRefresh over the in-memory store and a scripted provider: what each kind of call answers, what it sends
// (one request at most, never while a newer token is stored, never within the per-org limit), that it waits for the
// refresher holding the org instead of refreshing beside it, and that no answer or log line carries a refresh token
// or a client secret.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leaseHoldMs } from '../../lambdas/core/commit-window.js';
import { fingerprint } from '../../lambdas/core/redact.js';
import type { OnDemandAnswer } from '../../lambdas/on-demand/on-demand-answer.js';
import { OnDemandRefresh, type OnDemandSettings } from '../../lambdas/on-demand/on-demand-refresh.js';
import { allowEveryOrg, type OrgAccessCheck } from '../../lambdas/on-demand/org-access.js';
import { HostGate } from '../../lambdas/refresher/host-gate.js';
import type { RunScope } from '../../lambdas/refresher/refresh-deps.js';
import { CapturedLog } from '../support/harness.js';
import { MemoryFleetStore } from '../support/memory-fleet-store.js';
import {
  OLD_AT,
  OLD_RT,
  ok,
  type RefresherWorld,
  refresherWorld,
  SECRET,
  status,
  T0,
} from '../support/refresher-world.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:on-demand';
const SETTINGS: OnDemandSettings = { leaseMs: 60_000, minIntervalMs: 30_000 };

function onDemand(
  w: RefresherWorld,
  over: { orgAccess?: OrgAccessCheck; gate?: () => HostGate | undefined; settings?: Partial<OnDemandSettings> } = {},
) {
  return new OnDemandRefresh({
    store: w.store,
    clock: w.clock,
    log: w.log,
    refresher: w.refresher,
    hostGate: over.gate ?? (() => undefined),
    orgAccess: over.orgAccess ?? allowEveryOrg,
    settings: { ...SETTINGS, ...over.settings },
  });
}

let runs = 0;
const scope = (remainingMs = 150_000): RunScope => ({ owner: `od-${++runs}`, remainingMs: () => remainingMs });
const refreshNow = async (rejected: string, orgId = 'org-1') => ({
  action: 'refreshNow',
  orgId,
  rejected: await fingerprint(rejected),
});
const token = (a: OnDemandAnswer) => (a.ok ? a.accessToken : undefined);

describe('Class: OnDemandRefresh', () => {
  it('refreshNow with the stored token: one refresh through the claim and commit, the new token answered', async () => {
    // Prepare
    const w = refresherWorld();
    w.seed();
    // Act
    const result = await onDemand(w).handle(await refreshNow(OLD_AT), scope(), ARN);
    // Assess
    expect(result.answer).toEqual({
      ok: true,
      orgId: 'org-1',
      accessToken: 'new-access-token',
      tokenType: 'Bearer',
      expiresAt: expect.any(Number),
      source: 'refreshed',
    });
    expect(result.outcome).toBe('refreshed');
    expect(w.endpoint.requests).toHaveLength(1);
    expect(w.record()).toMatchObject({ accessToken: 'new-access-token', version: 8, forcedRefreshAt: T0 });
    expect(w.record().leaseOwner).toBeUndefined();
    expect(result.summary).toMatchObject({ mode: 'direct', refreshed: 1, failedTotal: 0 });
  });

  it('refreshNow with an older token: the stored (newer) one at once, nothing claimed or sent', async () => {
    const w = refresherWorld();
    w.seed();
    const result = await onDemand(w).handle(await refreshNow('a-token-from-before-0123'), scope(), ARN);
    expect(result.answer).toMatchObject({ ok: true, accessToken: OLD_AT, source: 'stored' });
    expect(result.outcome).toBe('served');
    expect(w.endpoint.requests).toHaveLength(0);
    expect(w.store.ops.filter((op) => op.startsWith('claim'))).toEqual([]);
  });

  it('refreshNow again with the fresh token within the interval: LIMITED with retryAfterSeconds, nothing sent', async () => {
    const w = refresherWorld();
    w.seed();
    const od = onDemand(w);
    await od.handle(await refreshNow(OLD_AT), scope(), ARN);
    w.clock.t += 10_000;
    const again = await od.handle(await refreshNow('new-access-token'), scope(), ARN);
    expect(again.answer).toEqual({
      ok: false,
      orgId: 'org-1',
      error: { code: 'LIMITED', message: expect.stringContaining('rejected too'), retryAfterSeconds: 20 },
    });
    expect(again.outcome).toBe('limited');
    expect(w.endpoint.requests).toHaveLength(1);
  });

  it('the limit is in the claim: a caller whose read predates another forced refresh loses the claim', async () => {
    // Prepare: this call reads the org; before it claims, another invocation force-claims it and crashes (its lease
    // lapses without a commit: same version, same token). Only the claim's condition can still refuse this one.
    const w = refresherWorld();
    w.seed();
    const get = w.store.get.bind(w.store);
    let reads = 0;
    w.store.get = async (orgId: string) => {
      const item = await get(orgId);
      if (++reads === 1) {
        Object.assign(w.store.items.get(orgId) as object, { forcedRefreshAt: w.clock.t, leaseOwner: 'crashed' });
        Object.assign(w.store.items.get(orgId) as object, { leaseUntil: w.clock.t - 1 });
      }
      return item;
    };
    // Act
    const result = await onDemand(w).handle(await refreshNow(OLD_AT), scope(), ARN);
    // Assess
    expect(result.answer).toMatchObject({ ok: false, error: { code: 'LIMITED' } });
    expect(w.endpoint.requests).toHaveLength(0);
  });

  it('waits for the sweep holding the org and answers its token (shared), sending nothing itself', async () => {
    // Prepare: a sweep holds the lease and commits 300 ms later (the fake clock moves with every pause).
    const w = refresherWorld();
    w.seed('org-1', { leaseOwner: 'sweep-1', leaseUntil: T0 + 60_000 });
    const sleep = w.clock.sleep;
    w.clock.sleep = async (ms) => {
      await sleep(ms);
      if (w.clock.t >= T0 + 300 && w.record().leaseOwner === 'sweep-1') {
        await w.store.commit({
          orgId: 'org-1',
          claimedVersion: 7,
          owner: 'sweep-1',
          accessToken: 'sweep-access-token',
          refreshToken: 'sweep-refresh-token',
          tokenType: 'Bearer',
          grantedScope: undefined,
          expiresAt: T0 + 3_600_000,
          refreshAt: T0 + 3_000_000,
          dueShard: 0,
          refreshedAt: w.clock.t,
        });
      }
    };
    // Act
    const result = await onDemand(w).handle(await refreshNow(OLD_AT), scope(), ARN);
    // Assess
    expect(result.answer).toMatchObject({ ok: true, accessToken: 'sweep-access-token', source: 'shared' });
    expect(w.endpoint.requests).toHaveLength(0);
  });

  it('answers BUSY when the holder keeps the org longer than the call may wait, and sends nothing', async () => {
    const w = refresherWorld();
    w.seed('org-1', { leaseOwner: 'stuck', leaseUntil: T0 + 60_000 });
    const deadline = T0 + 5_000;
    const running: RunScope = { owner: 'od-busy', remainingMs: () => deadline - w.clock.t };
    const result = await onDemand(w).handle(await refreshNow(OLD_AT), running, ARN);
    expect(result.answer).toMatchObject({ ok: false, error: { code: 'BUSY', retryAfterSeconds: 60 } });
    // It waited (re-reading) until only the reserve for its answer was left, not past it.
    expect(w.clock.t - T0).toBeGreaterThan(2_000);
    expect(w.clock.t - T0).toBeLessThanOrEqual(3_000);
    expect(w.endpoint.requests).toHaveLength(0);
  });

  it('does not claim without a whole lease hold of time left (BUSY): an abandoned lease would make the next claimer guess', async () => {
    // A hold: the send part and the commit part (core/commit-window.ts), and the answer's reserve (2 s).
    const needed = leaseHoldMs(SETTINGS.leaseMs) + 2_000;
    const short = refresherWorld();
    short.seed();
    const result = await onDemand(short).handle(await refreshNow(OLD_AT), scope(needed - 1), ARN);
    expect(result.answer).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    expect(short.store.ops).not.toContain('claim:org-1');
    const enough = refresherWorld();
    enough.seed();
    const held: number[] = [];
    const claim = enough.store.claim.bind(enough.store);
    enough.store.claim = async (req) => {
      held.push(req.leaseUntil - req.now);
      return claim(req);
    };
    await onDemand(enough).handle(await refreshNow(OLD_AT), scope(needed), ARN);
    // The claim holds the org for the whole hold, as a sweep's does.
    expect(held).toEqual([leaseHoldMs(SETTINGS.leaseMs)]);
  });

  it.each([
    ['20 min with 5 min left: refreshed', 20 * 60_000, 'refreshed', 1],
    ['2 min with 5 min left: the stored token', 2 * 60_000, 'stored', 0],
  ])('getAccessToken minValidityMs %s', async (_what, minValidityMs, source, requests) => {
    const w = refresherWorld();
    w.seed();
    const result = await onDemand(w).handle({ action: 'getAccessToken', orgId: 'org-1', minValidityMs }, scope(), ARN);
    expect(result.answer).toMatchObject({ ok: true, source });
    expect(w.endpoint.requests).toHaveLength(requests);
  });

  it('getAccessToken asking more than the provider gives: the fresh token, not a refresh on every call', async () => {
    const w = refresherWorld();
    w.seed();
    const od = onDemand(w);
    const ask = { action: 'getAccessToken', orgId: 'org-1', minValidityMs: 2 * 3_600_000 };
    const first = await od.handle(ask, scope(), ARN);
    w.clock.t += 60_000;
    const second = await od.handle(ask, scope(), ARN);
    expect([first.answer, second.answer]).toMatchObject([
      { ok: true, source: 'refreshed' },
      { ok: true, source: 'stored', accessToken: token(first.answer) },
    ]);
    expect(w.endpoint.requests).toHaveLength(1);
  });

  it.each([
    ['invalid_grant', status(400, { error: 'invalid_grant' }), 'REAUTH_REQUIRED', 'INVALID_GRANT'],
    ['invalid_client', status(401, { error: 'invalid_client' }), 'CLIENT_MISCONFIGURED', 'INVALID_CLIENT'],
    ['503 three times', status(503), 'PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE'],
  ])(
    'a refresh that fails (%s) answers %s with the refresher’s code as the reason',
    async (_w, answer, code, reason) => {
      const w = refresherWorld();
      w.seed();
      w.endpoint.script = [() => answer];
      const result = await onDemand(w).handle(await refreshNow(OLD_AT), scope(), ARN);
      expect(result.answer).toMatchObject({ ok: false, orgId: 'org-1', error: { code, reason } });
      expect(result.outcome).toBe('failed');
      expect(result.summary?.failedTotal).toBe(1);
    },
  );

  it('refuses an org the app may not refresh (the injected check), before reading it', async () => {
    const w = refresherWorld();
    w.seed();
    const orgAccess: OrgAccessCheck = (orgId, arn) =>
      arn.endsWith(':app-a') && orgId.startsWith('a-')
        ? { decision: 'allow', reason: 'OWN_ORG' }
        : { decision: 'deny', reason: 'NOT_THIS_APPS_ORG' };
    const result = await onDemand(w, { orgAccess }).handle(await refreshNow(OLD_AT), scope(), `${ARN}:app-a`);
    expect(result.answer).toMatchObject({ ok: false, error: { code: 'NOT_PERMITTED', reason: 'NOT_THIS_APPS_ORG' } });
    expect(w.store.ops).toEqual([]);
  });

  it.each([
    [{ action: 'refreshNow', orgId: 'org-1', rejected: OLD_AT }, /rejected must be the sha256: fingerprint/],
    [{ action: 'refresh', orgId: 'org-1' }, /action is not allowed/],
    [{ action: 'getAccessToken', orgId: 'org-1', minValidityMs: -1 }, /minValidityMs must not be negative/],
    [{ action: 'getAccessToken', orgId: 'org 1', minValidityMs: 1 }, /orgId must be 1-128/],
    [{ action: 'refreshNow', orgId: 'org-1', rejected: 'sha256:aaaaaaaaaaaa', [OLD_RT]: 1 }, /1 not shown/],
    ['not an object', /not a JSON object/],
  ])('refuses a malformed request as INVALID_REQUEST without echoing a value (%#)', async (payload, message) => {
    const w = refresherWorld();
    w.seed();
    const result = await onDemand(w).handle(payload, scope(), ARN);
    expect(result.answer).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message } });
    expect(JSON.stringify(result.answer)).not.toContain(OLD_AT);
    expect(JSON.stringify(result.answer)).not.toContain(OLD_RT);
  });

  it('a host backed off by the sweeps: PROVIDER_UNAVAILABLE (HOST_DEGRADED) with the backoff as retryAfter, nothing sent', async () => {
    const w = refresherWorld();
    w.seed('org-1', { expiresAt: T0 + 3_600_000 });
    const fleet = new MemoryFleetStore();
    await fleet.markHostDegraded({ host: 'idp.example.com', until: T0 + 120_000, reason: 'RATE_LIMITED' }, T0);
    const gate = () =>
      new HostGate({
        clock: w.clock,
        log: new CapturedLog(),
        budget: { maxInFlight: 0, maxPerSecond: 0 },
        share: 4,
        backoff: { failuresToDegrade: 5, backoffMs: 10_000 },
        fleet,
      });
    const result = await onDemand(w, { gate }).handle(await refreshNow(OLD_AT), scope(), ARN);
    expect(result.answer).toMatchObject({
      ok: false,
      error: { code: 'PROVIDER_UNAVAILABLE', reason: 'HOST_DEGRADED', retryAfterSeconds: expect.any(Number) },
    });
    expect(w.endpoint.requests).toHaveLength(0);
  });

  it('a second forced refresh within the loop window is marked repeated and logged with the org and its host', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => ok('rt-2', 'at-2'), () => ok('rt-3', 'at-3')];
    const od = onDemand(w);
    const first = await od.handle(await refreshNow(OLD_AT), scope(), ARN);
    w.clock.t += 31_000;
    const second = await od.handle(await refreshNow('at-2'), scope(), ARN);
    expect([first.repeated, second.repeated]).toEqual([false, true]);
    const line = w.log.lines.find((l) => l.message === 'on-demand refresh repeated');
    expect(line?.fields).toMatchObject({ orgId: 'org-1', tokenHost: 'idp.example.com', previousForcedRefreshAt: T0 });
  });

  it('property: an answer carries the access token only, and no log line carries a token or the secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('ok', 'invalid_grant', '503', 'garbage'),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        async (provider, rejectStored, calls) => {
          const w = refresherWorld();
          w.seed();
          w.endpoint.script = [
            () =>
              provider === 'ok'
                ? ok('rt-new-secret-0123', 'at-new-0123')
                : provider === 'invalid_grant'
                  ? status(400, { error: 'invalid_grant', error_description: `bad ${OLD_RT} ${SECRET}` })
                  : provider === '503'
                    ? status(503, { refresh_token: OLD_RT })
                    : { kind: 'response', status: 200, retryAfter: undefined, contentType: 'text/html', body: OLD_RT },
          ];
          const od = onDemand(w);
          const answers: OnDemandAnswer[] = [];
          for (let i = 0; i <= calls; i++) {
            const payload = await refreshNow(rejectStored ? String(w.record().accessToken) : 'some-older-token-01');
            answers.push((await od.handle(payload, scope(), ARN)).answer);
            w.clock.t += 10_000;
          }
          const text = `${JSON.stringify(answers)}\n${w.log.text()}`;
          for (const secret of [OLD_RT, 'rt-new-secret-0123', SECRET]) expect(text).not.toContain(secret);
          expect(w.log.text()).not.toContain(OLD_AT);
          expect(w.log.text()).not.toContain('at-new-0123');
          for (const a of answers) {
            if (a.ok)
              expect(Object.keys(a).sort()).toEqual(['accessToken', 'expiresAt', 'ok', 'orgId', 'source', 'tokenType']);
          }
          // At most one request per call (the scripted provider answers at once; retries are the refresher's own).
          expect(w.endpoint.requests.length).toBeLessThanOrEqual(3 * (calls + 1));
        },
      ),
      { numRuns: 40 },
    );
  });
});
