// The refresher's Lambda entry point over a stand-in runtime: which work each event starts, what the answer and the
// log say, the invocation failures that must page (and so are rethrown), the owner every lease is taken under, and
// WORKER_FUNCTION_NAME's check. The runtime's own work is tested elsewhere; only integration tests reached these lines
// before (docs/reliability.md, "Mutation testing").
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../lambdas/config.js';
import { RegionCutOffError, ShardCountShrunkError } from '../../lambdas/core/fleet-ports.js';
import { buildHandler, workerFunctionNameOf } from '../../lambdas/refresher/handler.js';
import type { PlanSummary } from '../../lambdas/refresher/planner.js';
import type { RunScope } from '../../lambdas/refresher/refresh-deps.js';
import { emptySummary } from '../../lambdas/refresher/run-refresh.js';
import type { RefresherRuntime } from '../../lambdas/refresher/runtime.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'unit-test-table';
});

const plan = (over: Partial<PlanSummary> = {}): PlanSummary =>
  ({
    mode: 'plan',
    tick: 't1',
    due: 0,
    expired: 0,
    backlog: 0,
    orgsNeedingReauth: 0,
    orgsMisconfigured: 0,
    orgsRefreshTokenExpiring: 0,
    shardsBusy: [],
    runningSweeps: 0,
    sweeps: [],
    hostShare: 1,
    invokeFailures: 0,
    durationMs: 12,
    ...over,
  }) as PlanSummary;

function world(
  over: { planner?: { plan: () => Promise<PlanSummary> } | undefined; fail?: Error; announced?: string[] } = {},
) {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const l of String(chunk).split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const scopes: RunScope[] = [];
  const removals: string[] = [];
  const runtime = {
    config: { shardCount: 4, leaseMs: 40_000, schedulePeriodMs: 60_000 },
    defaultHostShare: 3,
    hostGate: () => ({ announced: (over.announced ?? []).map((host) => ({ host, until: 0, reason: 'RATE_LIMITED' })) }),
    run: {
      refreshOrgs: async (orgIds: string[], scope: RunScope) => {
        scopes.push(scope);
        if (over.fail) throw over.fail;
        return { ...emptySummary('direct', scope.owner), due: orgIds.length, refreshed: orgIds.length };
      },
    },
    planner: 'planner' in over ? over.planner : { plan: async () => plan() },
    removal: () => ({
      remove: async (orgId: string) => {
        removals.push(orgId);
        return orgId === 'gone'
          ? { orgId, outcome: 'not_found' }
          : { orgId, outcome: 'already_removed', removedAt: Date.UTC(2026, 0, 1) };
      },
    }),
  } as unknown as RefresherRuntime;
  const handler = buildHandler({
    logger: new Logger({ serviceName: 'test' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    runtime,
  });
  return { handler, lines, scopes, removals };
}
const context = (awsRequestId = 'req-1') =>
  ({ awsRequestId, functionName: 'f', getRemainingTimeInMillis: () => 90_000 }) as never;

afterEach(() => vi.restoreAllMocks());

describe('Function: the refresher handler', () => {
  it('a direct invocation: the run summary without its owner, logged, with metrics flushed', async () => {
    const w = world();
    const result = await w.handler({ orgIds: ['acme', 'globex'] }, context());
    expect(result).toMatchObject({ mode: 'direct', due: 2, refreshed: 2 });
    expect(result).not.toHaveProperty('owner');
    expect(w.lines.some((l) => l.message === 'run summary')).toBe(true);
    expect(w.lines.some((l) => '_aws' in l)).toBe(true);
  });

  it('runs every lease under an owner made of the request id and a random part, and its remaining time', async () => {
    const w = world();
    await w.handler({ orgIds: ['acme'] }, context('req-42'));
    await w.handler({ orgIds: ['acme'] }, context(''));
    expect(w.scopes[0]?.owner).toMatch(/^req-42:[0-9a-f]{8}$/);
    expect(w.scopes[1]?.owner).toMatch(/^local:[0-9a-f]{8}$/);
    expect(w.scopes[0]?.remainingMs()).toBe(90_000);
  });

  it('names the token hosts a run backed off', async () => {
    const w = world({ announced: ['login.mypurecloud.com'] });
    expect(await w.handler({ orgIds: ['acme'] }, context())).toMatchObject({
      hostsDegraded: ['login.mypurecloud.com'],
    });
  });

  it('a bad event is answered and logged with why, nothing run', async () => {
    const w = world();
    expect(await w.handler({ orgIds: 'acme' }, context())).toMatchObject({ error: { code: 'INVALID_EVENT' } });
    expect(w.scopes).toEqual([]);
    expect(w.lines.find((l) => l.message === 'rejected invocation')).toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('a plan event on a sweep worker (no planner) is refused as CONFIG_INVALID, saying why', async () => {
    const w = world({ planner: undefined });
    const result = await w.handler({ plan: {} }, context());
    expect(result).toMatchObject({
      error: { code: 'CONFIG_INVALID', message: expect.stringMatching(/WORKER_FUNCTION_NAME/) },
    });
    expect(w.lines.find((l) => l.message === 'rejected invocation')).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('a plan: its summary, logged; workers that could not be started fail the invocation (it pages)', async () => {
    const ok = world();
    expect(await ok.handler({ plan: {} }, context())).toMatchObject({ mode: 'plan', tick: 't1' });
    expect(ok.lines.some((l) => l.message === 'plan summary')).toBe(true);

    const failing = world({
      planner: { plan: async () => plan({ invokeFailures: 1, sweeps: [{} as never, {} as never] }) },
    });
    await expect(failing.handler({ plan: {} }, context())).rejects.toThrow(/1 of 2 sweep workers could not be started/);
    expect(failing.lines.find((l) => l.message === 'invocation failed')).toMatchObject({ code: 'SWEEP_INVOKE_FAILED' });
  });

  it.each<[string, Error, string]>([
    ['a shrunk SHARD_COUNT', new ShardCountShrunkError(2, 4), 'CONFIG_INVALID'],
    ['a Region cut off from the table', new RegionCutOffError('us-west-2', new Error('x')), 'STORE_UNAVAILABLE'],
  ])('%s fails the invocation, logged with its code', async (_what, error, code) => {
    const w = world({ fail: error });
    await expect(w.handler({ orgIds: ['acme'] }, context())).rejects.toBe(error);
    expect(w.lines.find((l) => l.message === 'invocation failed')).toMatchObject({ code });
  });

  it('any other error fails the invocation without that line (Lambda logs it)', async () => {
    const w = world({ fail: new Error('boom') });
    await expect(w.handler({ orgIds: ['acme'] }, context())).rejects.toThrow('boom');
    expect(w.lines.some((l) => l.message === 'invocation failed')).toBe(false);
  });

  it('an operator’s removal: the removal answer, logged; an unknown org answered ORG_NOT_FOUND', async () => {
    const w = world();
    const done = await w.handler({ remove: { orgId: 'acme' } }, context());
    expect(done).toMatchObject({ mode: 'remove', answer: { ok: true, orgId: 'acme', alreadyRemoved: true } });
    expect(w.lines.find((l) => l.message === 'org removal')).toMatchObject({ action: 'remove', orgId: 'acme' });
    const missing = await w.handler({ remove: { orgId: 'gone' } }, context());
    expect(missing).toMatchObject({ mode: 'remove', answer: { ok: false, error: { code: 'ORG_NOT_FOUND' } } });
    expect(w.lines.filter((l) => l.message === 'org removal').at(-1)).toMatchObject({ code: 'ORG_NOT_FOUND' });
    expect(w.removals).toEqual(['acme', 'gone']);
  });
});

describe('Function: workerFunctionNameOf', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['TenantTokenRefresher-Worker_1', 'TenantTokenRefresher-Worker_1'],
    ['Worker:live', 'Worker:live'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:Worker', 'arn:aws:lambda:eu-west-1:123456789012:function:Worker'],
    [
      'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:W:1',
      'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:W:1',
    ],
  ])('%j → %j', (value, expected) => {
    expect(workerFunctionNameOf({ WORKER_FUNCTION_NAME: value })).toBe(expected);
  });

  it.each([
    'worker name',
    'x'.repeat(141),
    'arn:aws:lambda:eu-west-1:12345:function:Worker',
    'prefix arn:aws:lambda:eu-west-1:123456789012:function:Worker',
    'Worker:live:extra',
    'arn:aws:s3:::bucket',
  ])('refuses %j (CONFIG_INVALID at cold start)', (value) => {
    expect(() => workerFunctionNameOf({ WORKER_FUNCTION_NAME: value })).toThrow(ConfigError);
  });
});
