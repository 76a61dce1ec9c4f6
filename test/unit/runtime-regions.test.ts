// A multi-Region deployment as each function's runtime sees it (docs/regions.md): the first Region's planner alone
// publishes the deployment descriptor (one item, one writer: the Regions never take turns rewriting it), and every
// run's share of a token host's budget counts every Region's sweeps, intake and on-demand instances.
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lambdas/config.js';
import type { DeploymentDescriptor, DeploymentRegistry } from '../../lambdas/core/deployment-descriptor.js';
import { fleetHostShare } from '../../lambdas/core/host-limits.js';
import { createRuntime } from '../../lambdas/refresher/runtime.js';
import { publishesDeployment, type RegionSettings } from '../../lambdas/regions.js';
import { CapturedLog } from '../support/harness.js';
import { MemoryFleetCensus, MemoryFleetStore } from '../support/memory-fleet-store.js';
import { MemoryTokenStore } from '../support/memory-store.js';
import { FakeClock } from '../support/refresher-world.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-the-handlers-parts';
});
const { createIntakeParts } = await import('../../lambdas/intake/handler.js');
const { createOnDemandParts } = await import('../../lambdas/on-demand/handler.js');

const THREE = ['us-east-1', 'us-east-2', 'us-west-2'];
const config = loadConfig({ TABLE_NAME: 'tokens', ALLOWED_TOKEN_HOSTS: 'idp.example.com', SHARD_COUNT: '16' });

function runtimeIn(regions: RegionSettings) {
  const published: DeploymentDescriptor[] = [];
  const registry: DeploymentRegistry = {
    read: async () => ({ state: 'missing' }),
    publish: async (d) => {
      published.push(d);
      return 'written';
    },
  };
  const store = new MemoryTokenStore();
  const runtime = createRuntime(config, new CapturedLog(), {
    store,
    fleet: new MemoryFleetStore(store),
    census: new MemoryFleetCensus(),
    clock: new FakeClock(),
    invoker: { startSweep: async () => {} },
    workerFunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:worker',
    deployment: registry,
    regions,
  });
  return { runtime, published };
}
const scope = { owner: 'req:1', remainingMs: () => 60_000 };

describe('Function: publishesDeployment', () => {
  it.each([
    ['one Region', { regions: [], self: undefined }, true],
    ['the first of several', { regions: THREE, self: 'us-east-1' }, true],
    ['the second', { regions: THREE, self: 'us-east-2' }, false],
    ['the third', { regions: THREE, self: 'us-west-2' }, false],
  ])('%s: %s', (_name, regions, expected) => {
    expect(publishesDeployment(regions)).toBe(expected);
  });
});

describe('Function: createRuntime › several Regions', () => {
  it('the first Region’s planner publishes the descriptor; the others’ plan without touching it', async () => {
    for (const self of THREE) {
      const { runtime, published } = runtimeIn({ regions: THREE, self });
      const plan = await runtime.planner?.plan(scope);
      expect(plan?.deployment).toBe(self === 'us-east-1' ? 'written' : undefined);
      expect(published.map((d) => d.refresherFunctionName)).toEqual(
        self === 'us-east-1' ? ['arn:aws:lambda:us-east-1:123456789012:function:worker'] : [],
      );
    }
    const { runtime, published } = runtimeIn({ regions: [], self: undefined });
    expect((await runtime.planner?.plan(scope))?.deployment).toBe('written');
    expect(published).toHaveLength(1);
  });

  it('a run’s default host share counts every Region’s sweeps, intake and on-demand instances', () => {
    const one = runtimeIn({ regions: [], self: undefined }).runtime.defaultHostShare;
    const three = runtimeIn({ regions: THREE, self: 'us-east-2' }).runtime.defaultHostShare;
    expect(one).toBe(fleetHostShare(config));
    expect(three).toBe(fleetHostShare({ ...config, regions: 3 }));
    // The defaults: 4 sweeps a Region (16 shards), 4 intake and 10 on-demand instances a Region.
    expect([one, three]).toEqual([4 + 4 + 10, 12 + 3 * (4 + 10)]);
  });

  it('the planner gives its sweeps the same fleet-wide share', async () => {
    const { runtime } = runtimeIn({ regions: THREE, self: 'us-west-2' });
    const plan = await runtime.planner?.plan(scope);
    expect(plan?.hostShare).toBe(runtime.defaultHostShare);
  });
});

describe('Grant intake and on-demand refresh › several Regions', () => {
  const env = (regions: Record<string, string>) => ({
    TABLE_NAME: 'tokens',
    ALLOWED_TOKEN_HOSTS: 'idp.example.com',
    SHARD_COUNT: '16',
    AWS_REGION: 'us-east-2',
    ...regions,
  });
  /** The share its instance's host gate was built with (the gate outlives the invocation). */
  type WithGate = { deps: { share: number } };
  const intakeShare = (e: Record<string, string>) =>
    (createIntakeParts(e).intake as unknown as { deps: { hostGate: WithGate } }).deps.hostGate.deps.share;
  const onDemandShare = (e: Record<string, string>) =>
    (createOnDemandParts(e).onDemand as unknown as { d: { hostGate: () => WithGate } }).d.hostGate().deps.share;

  it('each instance takes one share of a budget split across every Region (REGIONS)', () => {
    const three = env({ REGIONS: THREE.join(',') });
    expect(intakeShare(three)).toBe(fleetHostShare({ ...config, regions: 3 }));
    expect(onDemandShare(three)).toBe(fleetHostShare({ ...config, regions: 3 }));
    expect(intakeShare(env({}))).toBe(fleetHostShare(config));
    expect(onDemandShare(env({}))).toBe(fleetHostShare(config));
  });
});
