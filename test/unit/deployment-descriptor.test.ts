// The deployment descriptor (core/deployment-descriptor.ts), the settings check the CLI makes against it
// (core/settings-agreement.ts) and the planner's publisher (refresher/deployment-publisher.ts), on memory stores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contentHash,
  contentOf,
  DEPLOYMENT_DESCRIPTOR_VERSION,
  type DeploymentDescriptor,
  type DeploymentRegistry,
  type DeploymentSettings,
  type DescriptorRead,
  normaliseHosts,
  parseDescriptor,
} from '../../lambdas/core/deployment-descriptor.js';
import { agreeWithDeployment, type OperatorSettings } from '../../lambdas/core/settings-agreement.js';
import { DeploymentPublisher, deploymentSettingsOf } from '../../lambdas/refresher/deployment-publisher.js';
import { CapturedLog } from '../support/harness.js';
import { FakeClock, T0 } from '../support/refresher-world.js';

const SETTINGS: DeploymentSettings = deploymentSettingsOf(
  {
    shardCount: 4,
    allowedTokenHosts: ['IdP.example.com', '*.corp.example'],
    allowLoopbackHttp: false,
    eventBusName: 'default',
  },
  { refresherFunctionName: 'TenantTokenRefresher-RefresherFunction-abc', serviceName: 'tenant-token-refresher' },
);

async function descriptor(settings: DeploymentSettings = SETTINGS, at = T0): Promise<DeploymentDescriptor> {
  return { ...settings, contentHash: await contentHash(settings), publishedAt: at };
}

describe('Function: parseDescriptor', () => {
  it('reads a published descriptor, keeping fields a newer deployment added (extensible)', async () => {
    const stored = { orgId: '#deployment', ...(await descriptor()), regions: [{ name: 'eu-west-1' }] };
    const read = parseDescriptor(stored);
    expect(read).toMatchObject({ state: 'found', descriptor: { shardCount: 4, regions: [{ name: 'eu-west-1' }] } });
  });

  it.each<[string, Record<string, unknown> | undefined, DescriptorRead['state'], RegExp | undefined]>([
    ['no item: a deployment that never planned', undefined, 'missing', undefined],
    ['a newer schema', { schemaVersion: 2 }, 'invalid', /newer version \(schemaVersion 2/],
    ['a shard count that is no number', { shardCount: 'four' }, 'invalid', /shardCount/],
    ['a function name that is none', { refresherFunctionName: 'a b' }, 'invalid', /refresherFunctionName/],
    ['no content hash', { contentHash: undefined }, 'invalid', /contentHash/],
  ])('%s', async (_name, change, state, message) => {
    const item = change === undefined ? undefined : { ...(await descriptor()), ...change };
    const read = parseDescriptor(item);
    expect(read.state).toBe(state);
    if (message) expect((read as { message: string }).message).toMatch(message);
  });
});

describe('Function: contentHash', () => {
  it('is the same for the same content in any key order, and ignores the key, the hash and the stamp', async () => {
    const reordered = Object.fromEntries(Object.entries(SETTINGS).reverse()) as DeploymentSettings;
    expect(await contentHash(reordered)).toBe(await contentHash(SETTINGS));
    expect(await contentHash({ ...(await descriptor(SETTINGS, 5)), orgId: '#deployment' })).toBe(
      await contentHash(SETTINGS),
    );
  });

  it('changes with any content field, a field added by a newer deployment included', async () => {
    const base = await contentHash(SETTINGS);
    for (const change of [
      { shardCount: 8 },
      { allowedTokenHosts: ['idp.example.com'] },
      { eventBusName: null },
      { refresherFunctionName: 'other' },
      { apps: [] },
    ]) {
      expect(await contentHash({ ...SETTINGS, ...change })).not.toBe(base);
    }
  });
});

describe('Function: agreeWithDeployment', () => {
  it.each<[string, OperatorSettings, object]>([
    ['nothing set: the deployment decides', {}, { decision: 'use-deployment', reason: 'UNSET' }],
    [
      'the same values, hosts in another order and case',
      { shardCount: 4, allowedTokenHosts: ['*.corp.example', 'idp.EXAMPLE.com'], eventBusName: 'default' },
      { decision: 'use-deployment', reason: 'AGREE' },
    ],
    [
      'SHARD_COUNT=8 against a deployment of 4',
      { shardCount: 8 },
      { decision: 'refuse', conflicts: [{ variable: 'SHARD_COUNT', operator: '8', deployment: '4' }] },
    ],
    [
      'a different allow-list',
      { allowedTokenHosts: ['idp.example.com'] },
      {
        decision: 'refuse',
        conflicts: [
          {
            variable: 'ALLOWED_TOKEN_HOSTS',
            operator: 'idp.example.com',
            deployment: '*.corp.example,idp.example.com',
          },
        ],
      },
    ],
    [
      'an empty allow-list set explicitly',
      { allowedTokenHosts: [] },
      { decision: 'refuse', conflicts: [{ variable: 'ALLOWED_TOKEN_HOSTS', operator: '(none)' }] },
    ],
    [
      'loopback http on the laptop, not in the deployment',
      { allowLoopbackHttp: true },
      { decision: 'refuse', conflicts: [{ variable: 'ALLOW_LOOPBACK_HTTP', operator: 'true', deployment: 'false' }] },
    ],
    [
      'another event bus',
      { eventBusName: 'ops-bus' },
      { decision: 'refuse', conflicts: [{ variable: 'EVENT_BUS_NAME', operator: 'ops-bus', deployment: 'default' }] },
    ],
    [
      'two disagreements: both named',
      { shardCount: 1, eventBusName: 'x' },
      { decision: 'refuse', conflicts: [{ variable: 'SHARD_COUNT' }, { variable: 'EVENT_BUS_NAME' }] },
    ],
  ])('%s', (_name, operator, expected) => {
    expect(agreeWithDeployment(SETTINGS, operator)).toMatchObject(expected);
  });

  it('property: the CLI either uses exactly the deployment’s settings or refuses naming every differing value', () => {
    const hosts = fc.uniqueArray(fc.constantFrom('a.example', 'b.example', '*.c.example'), { maxLength: 3 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        hosts,
        fc.record(
          {
            shardCount: fc.integer({ min: 1, max: 64 }),
            allowedTokenHosts: hosts,
            allowLoopbackHttp: fc.boolean(),
            eventBusName: fc.constantFrom('default', 'other'),
          },
          { requiredKeys: [] },
        ),
        (shardCount, allowed, operator) => {
          const deployment = { ...SETTINGS, shardCount, allowedTokenHosts: allowed };
          const verdict = agreeWithDeployment(deployment, operator);
          const differs =
            (operator.shardCount !== undefined && operator.shardCount !== shardCount) ||
            (operator.allowedTokenHosts !== undefined &&
              [...operator.allowedTokenHosts].sort().join() !== [...allowed].sort().join()) ||
            (operator.allowLoopbackHttp !== undefined && operator.allowLoopbackHttp !== false) ||
            (operator.eventBusName !== undefined && operator.eventBusName !== 'default');
          if (differs) {
            expect(verdict.decision).toBe('refuse');
            if (operator.shardCount !== undefined && operator.shardCount !== shardCount) {
              expect(verdict).toMatchObject({
                conflicts: expect.arrayContaining([
                  { variable: 'SHARD_COUNT', operator: String(operator.shardCount), deployment: String(shardCount) },
                ]),
              });
            }
          } else {
            expect(verdict).toMatchObject({ decision: 'use-deployment', settings: deployment });
          }
        },
      ),
    );
  });
});

/** The `#deployment` item in memory, counting the requests a tick makes. */
class MemoryRegistry implements DeploymentRegistry {
  item: DeploymentDescriptor | undefined;
  reads = 0;
  writes = 0;
  failing = false;
  async read(): Promise<DescriptorRead> {
    this.reads++;
    if (this.failing) throw Object.assign(new Error('down'), { name: 'InternalServerError' });
    return parseDescriptor(this.item);
  }
  async publish(d: DeploymentDescriptor): Promise<'written' | 'unchanged'> {
    if (this.item?.contentHash === d.contentHash) return 'unchanged';
    this.writes++;
    this.item = d;
    return 'written';
  }
}

function clockAt(t: number): FakeClock {
  const clock = new FakeClock();
  clock.t = t;
  return clock;
}

describe('Class: DeploymentPublisher', () => {
  const publisher = (registry: MemoryRegistry, clock: FakeClock, settings = SETTINGS, log = new CapturedLog()) =>
    new DeploymentPublisher({ registry, settings, clock, log, recheckMs: 15 * 60_000 });

  it('writes a new deployment once, then costs nothing on warm ticks until the recheck', async () => {
    const registry = new MemoryRegistry();
    const clock = clockAt(T0);
    const p = publisher(registry, clock);

    const first = await p.ensurePublished();
    const warm: string[] = [];
    for (let tick = 1; tick < 15; tick++) {
      clock.t = T0 + tick * 60_000;
      warm.push(await p.ensurePublished());
    }
    clock.t = T0 + 15 * 60_000;
    const recheck = await p.ensurePublished();

    expect(first).toBe('written');
    expect(registry.item).toMatchObject({ shardCount: 4, publishedAt: T0, contentHash: await contentHash(SETTINGS) });
    expect(warm.every((o) => o === 'cached')).toBe(true);
    expect(recheck).toBe('unchanged');
    expect({ reads: registry.reads, writes: registry.writes }).toEqual({ reads: 2, writes: 1 });
  });

  it('a cold planner of an unchanged deployment reads once and writes nothing', async () => {
    const registry = new MemoryRegistry();
    registry.item = await descriptor(SETTINGS, T0 - 86_400_000);
    expect(await publisher(registry, clockAt(T0)).ensurePublished()).toBe('unchanged');
    expect({ reads: registry.reads, writes: registry.writes, at: registry.item.publishedAt }).toEqual({
      reads: 1,
      writes: 0,
      at: T0 - 86_400_000,
    });
  });

  it('a deploy that changes SHARD_COUNT re-publishes at the new planner’s first tick', async () => {
    const registry = new MemoryRegistry();
    await publisher(registry, clockAt(T0)).ensurePublished();
    const grown = { ...SETTINGS, shardCount: 8 };
    expect(await publisher(registry, clockAt(T0 + 60_000), grown).ensurePublished()).toBe('written');
    expect(registry.item).toMatchObject({ shardCount: 8, publishedAt: T0 + 60_000 });
  });

  it('a failing table never fails the tick; the next tick tries again', async () => {
    const registry = new MemoryRegistry();
    registry.failing = true;
    const log = new CapturedLog();
    const p = publisher(registry, clockAt(T0), SETTINGS, log);
    expect(await p.ensurePublished()).toBe('failed');
    expect(log.text()).toMatch(/could not publish the deployment descriptor .*InternalServerError/);
    registry.failing = false;
    expect(await p.ensurePublished()).toBe('written');
  });
});

// The content hash is compared across versions (a CLI of one release, a planner of the next): its canonical text is
// fixed, not whatever this release's JSON.stringify happens to give. Mutants of the canonical form survived without these.
describe('Function: contentOf (the canonical text a content hash is taken of)', () => {
  it('sorts keys at every level, keeps arrays in order, drops undefined fields and the non-content ones', () => {
    expect(
      contentOf({ orgId: '#deployment', b: 1, a: [{ d: 1, c: 2 }, 3], e: undefined, publishedAt: 9, contentHash: 'x' }),
    ).toBe('{"a":[{"c":2,"d":1},3],"b":1}');
  });

  it('property: the same content in any key order, at any depth, has one text', () => {
    const shuffled = (o: Record<string, unknown>, seed: number): Record<string, unknown> => {
      const entries = Object.entries(o).map(([k, v], i): [string, unknown] => [
        k,
        v !== null && typeof v === 'object' && !Array.isArray(v) ? shuffled(v as Record<string, unknown>, seed + i) : v,
      ]);
      entries.sort(([a], [b]) => ((a.charCodeAt(0) * (seed + 7)) % 13) - ((b.charCodeAt(0) * (seed + 7)) % 13));
      return Object.fromEntries(entries);
    };
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 4 }),
          fc.oneof(fc.integer(), fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.integer())),
        ),
        fc.nat(50),
        (content, seed) => {
          expect(contentOf(shuffled(content, seed))).toBe(contentOf(content));
        },
      ),
    );
  });
});

describe('Function: normaliseHosts', () => {
  it('lower-cases, trims, drops empty entries and duplicates, and sorts', () => {
    expect(normaliseHosts([' IdP.example.com ', 'idp.example.com', '', '  ', 'a.example'])).toEqual([
      'a.example',
      'idp.example.com',
    ]);
  });
});

describe('Function: parseDescriptor — versions', () => {
  it('reads a descriptor of this very schema version', async () => {
    const read = parseDescriptor({ ...(await descriptor()), schemaVersion: DEPLOYMENT_DESCRIPTOR_VERSION });
    expect(read.state).toBe('found');
  });

  it('a schema version that is not a number is an invalid field, not a newer version', async () => {
    const read = parseDescriptor({ ...(await descriptor()), schemaVersion: String(DEPLOYMENT_DESCRIPTOR_VERSION + 1) });
    expect(read.state).toBe('invalid');
    expect((read as { message: string }).message).not.toMatch(/newer version/);
    expect((read as { message: string }).message).toMatch(/^schemaVersion /);
  });
});
