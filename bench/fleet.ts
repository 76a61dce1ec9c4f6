// The fan-out's figures on DynamoDB Local and the bench token endpoint, with the real handler as planner and sweep
// workers started through Lambda Invoke (the loopback stand-in, local/local-fleet.ts):
//   scalingEfficiency      4 parallel sweeps' throughput over 4 × one sweep's, at a latency-bound point
//   wastedClaimsPerRefresh failed conditional claims per refreshed org, overlapping planner ticks and full sweeps
//                          under sweep leases, against today's overlapping full sweeps without them (same run)
//   writeUnitsPerRefresh   at two token sizes, as DynamoDB Local reports them and by DynamoDB's size rules
//   log bytes, planner and sweep durations, and the item sizes the cost model needs.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFleetStore } from '../lambdas/adapters/dynamodb-fleet-store.js';
import type { HandlerResult } from '../lambdas/refresher/handler.js';
import type { RunSummary } from '../lambdas/refresher/run-refresh.js';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { TABLE_SCHEMA } from '../lambdas/table-schema.js';
import { createTokenTable, deleteTokenTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.js';
import { lambdaContext } from '../local/lambda-context.js';
import { LocalFleet } from '../local/local-fleet.js';
import { localRefresherEnvironment } from '../local/refresher-environment.js';
import { scheduledEvent } from '../local/scheduled-event.js';
import { SecretsStub } from '../local/secrets-stub.js';
import { unleasedFleetStore } from '../local/unleased-fleet-store.js';
import { benchDynamoDb, RequestCounter, seedItem, seedOrgs } from './dynamodb.js';
import { BENCH_SECRET_ID } from './invoke.js';
import { indexEntry, itemSize, writeUnits } from './item-size.js';
import { round } from './stats.js';
import { BENCH_CLIENT, type BenchTokenEndpoint } from './token-endpoint.js';

type Sweep = Omit<RunSummary, 'owner'>;
const isSweep = (r: HandlerResult): r is Sweep => 'mode' in r && r.mode === 'sweep';

export interface FleetProfile {
  /** Orgs one sweep gets in the scaling run (four sweeps get four times as many). */
  scalingOrgsPerSweep: number;
  scalingConcurrency: number;
  scalingLatencyMs: number;
  wastedOrgs: number;
  writeUnitOrgs: number;
}

/** Output of the handler, counted and kept off the terminal (Powertools writes logs and EMF to stdout/stderr). */
async function quietly<T>(fn: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  let bytes = 0;
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done) queueMicrotask(done);
      return true;
    }) as typeof stream.write;
  }
  try {
    return { result: await fn(), bytes };
  } finally {
    streams.forEach((s, i) => {
      s.write = writes[i] as typeof s.write;
    });
  }
}

let serial = 0;

class FleetBench {
  private constructor(
    private readonly ddbEndpoint: string,
    private readonly endpoint: BenchTokenEndpoint,
    private readonly stub: SecretsStub,
    private readonly secretsClient: SecretsManagerClient,
  ) {}

  static async start(ddbEndpoint: string, endpoint: BenchTokenEndpoint): Promise<FleetBench> {
    const stub = await SecretsStub.start({ [BENCH_SECRET_ID]: BENCH_CLIENT });
    const secretsClient = new SecretsManagerClient({
      endpoint: stub.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    return new FleetBench(ddbEndpoint, endpoint, stub, secretsClient);
  }

  async stop(): Promise<void> {
    this.secretsClient.destroy();
    await this.stub.stop();
  }

  /** A fresh table with `orgs` due orgs, and a fleet (planner + worker) on it. */
  async setUp(o: {
    orgs: number;
    settings: Partial<RefresherSettings>;
    unleased?: boolean;
    accessTokenBytes?: number;
  }) {
    const counter = new RequestCounter();
    let claimFailures = 0;
    const { client, doc } = benchDynamoDb(this.ddbEndpoint, counter);
    // Failed conditional claims: the wasted writes this figure is about (each is billed by DynamoDB).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (err) {
          const input = (args as { input?: { UpdateExpression?: string } }).input;
          if (
            context.commandName === 'UpdateItemCommand' &&
            (err as Error).name === 'ConditionalCheckFailedException' &&
            input?.UpdateExpression?.startsWith('SET #leaseOwner')
          ) {
            claimFailures++;
          }
          throw err;
        }
      },
      { step: 'initialize', name: 'benchClaimFailures' },
    );
    const table = `bench-fleet-${++serial}-${Date.now()}`;
    await createTokenTable(client, table);
    const shardCount = o.settings.shardCount ?? 16;
    await seedOrgs(
      doc,
      {
        table,
        tokenUrl: this.endpoint.tokenUrl,
        clientSecretId: BENCH_SECRET_ID,
        shardCount,
        prefix: `fl${serial}`,
        count: o.orgs,
        due: o.orgs,
        now: Date.now(),
        ...(o.accessTokenBytes ? { accessTokenBytes: o.accessTokenBytes } : {}),
      },
      16,
    );
    const env = localRefresherEnvironment({
      tableName: table,
      settings: {
        shardCount,
        allowedTokenHosts: ['127.0.0.1'],
        serviceName: 'tenant-token-refresher-bench',
        ...o.settings,
      },
    });
    const fleetStore = new DynamoDbFleetStore({ tableName: table, client: doc, onCapacity: counter.onCapacity });
    const fleet = await LocalFleet.start({
      env,
      overrides: {
        documentClient: doc,
        secretsClient: this.secretsClient,
        onCapacity: counter.onCapacity,
        fleet: o.unleased ? unleasedFleetStore(fleetStore) : fleetStore,
      },
    });
    return {
      table,
      doc,
      fleet,
      counter,
      claimFailures: () => claimFailures,
      async tearDown() {
        await fleet.stop();
        await deleteTokenTable(client, table);
        client.destroy();
      },
    };
  }

  /** One sweep over `orgs` orgs against four sweeps over four times as many: the ratio of their throughputs. */
  async scaling(p: FleetProfile) {
    const settings = {
      concurrency: p.scalingConcurrency,
      shardCount: 16,
      maxSweeps: 4,
      orgsPerSweep: p.scalingOrgsPerSweep,
    };
    await this.endpoint.configure(p.scalingLatencyMs);
    const one = await this.setUp({ orgs: p.scalingOrgsPerSweep, settings });
    const shards = Array.from({ length: 16 }, (_, s) => s);
    const t1 = performance.now();
    const single = await quietly(() =>
      one.fleet.worker({ sweep: { shards, tick: 'bench-one', hostShare: 4 } }, lambdaContext(600_000)),
    );
    const oneMs = performance.now() - t1;
    await one.tearDown();
    const oneRefreshed = isSweep(single.result) ? single.result.refreshed : 0;

    const four = await this.setUp({ orgs: 4 * p.scalingOrgsPerSweep, settings });
    const t4 = performance.now();
    const ticked = await quietly(() => four.fleet.tick());
    const fourMs = performance.now() - t4;
    const workers = ticked.result.workers.filter(isSweep);
    const plan = ticked.result.plan as { durationMs?: number; sweeps?: unknown[] };
    await four.tearDown();
    const fourRefreshed = workers.reduce((a, s) => a + s.refreshed, 0);
    const stats = await this.endpoint.stats();

    const rateOne = oneRefreshed / (oneMs / 1000);
    const rateFour = fourRefreshed / (fourMs / 1000);
    const ideal = (p.scalingConcurrency * 1000) / p.scalingLatencyMs;
    return {
      scalingEfficiency: round(rateFour / (4 * rateOne), 3),
      oneSweep: {
        orgs: oneRefreshed,
        wallMs: round(oneMs, 0),
        perSecond: round(rateOne, 1),
        ratioToIdeal: round(rateOne / ideal, 3),
      },
      fourSweeps: {
        orgs: fourRefreshed,
        sweeps: workers.length,
        wallMs: round(fourMs, 0),
        perSecond: round(rateFour, 1),
        ratioToIdeal: round(rateFour / (4 * ideal), 3),
        planMs: plan.durationMs,
      },
      failed: workers.reduce((a, s) => a + s.failedTotal, 0) + (isSweep(single.result) ? single.result.failedTotal : 0),
      endpointInvalidGrant: stats.invalidGrant,
      planMs: plan.durationMs ?? 0,
    };
  }

  /**
   * Failed conditional claims per refreshed org when sweeps overlap: today's behaviour (four full sweeps half a
   * second apart, no sweep leases) against the fan-out's (two planner ticks and two full sweeps interleaved half a
   * second apart, under sweep leases), same orgs, same provider latency.
   */
  async wastedClaims(p: FleetProfile) {
    const settings = { concurrency: 16, shardCount: 16, maxSweeps: 4, orgsPerSweep: Math.ceil(p.wastedOrgs / 4) };
    await this.endpoint.configure(250);
    const stagger = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const today = await this.setUp({ orgs: p.wastedOrgs, settings, unleased: true });
    const todayRun = await quietly(async () => {
      const runs: Promise<HandlerResult>[] = [];
      for (let i = 0; i < 4; i++) {
        runs.push(today.fleet.worker(scheduledEvent(), lambdaContext(600_000)));
        await stagger(500);
      }
      return Promise.all(runs);
    });
    const todayRefreshed = todayRun.result.filter(isSweep).reduce((a, s) => a + s.refreshed, 0);
    const todayFailures = today.claimFailures();
    await today.tearDown();
    const todayStats = await this.endpoint.stats();

    await this.endpoint.configure(250);
    const fan = await this.setUp({ orgs: p.wastedOrgs, settings });
    const fanRun = await quietly(async () => {
      const direct: Promise<HandlerResult>[] = [];
      await fan.fleet.plan();
      await stagger(500);
      direct.push(fan.fleet.worker(scheduledEvent(), lambdaContext(600_000)));
      await stagger(500);
      await fan.fleet.plan();
      await stagger(500);
      direct.push(fan.fleet.worker(scheduledEvent(), lambdaContext(600_000)));
      const fullSweeps = await Promise.all(direct);
      await fan.fleet.idle();
      return [...fullSweeps, ...fan.fleet.workerResults];
    });
    const fanSweeps = fanRun.result.filter(isSweep);
    const fanRefreshed = fanSweeps.reduce((a, s) => a + s.refreshed, 0);
    const fanFailures = fan.claimFailures();
    await fan.tearDown();
    const fanStats = await this.endpoint.stats();
    return {
      wastedClaimsPerRefresh: round(fanFailures / Math.max(1, fanRefreshed), 4),
      wastedClaimsPerRefreshToday: round(todayFailures / Math.max(1, todayRefreshed), 4),
      fanOut: {
        orgs: p.wastedOrgs,
        refreshed: fanRefreshed,
        failedClaims: fanFailures,
        sweeps: fanSweeps.length,
        shardsBusy: fanSweeps.reduce((a, s) => a + (s.fleet?.shardsBusy.length ?? 0), 0),
        endpointInvalidGrant: fanStats.invalidGrant,
      },
      today: {
        orgs: p.wastedOrgs,
        refreshed: todayRefreshed,
        failedClaims: todayFailures,
        sweeps: 4,
        endpointInvalidGrant: todayStats.invalidGrant,
      },
      failed: [...fanSweeps, ...todayRun.result.filter(isSweep)].reduce((a, s) => a + s.failedTotal, 0),
    };
  }

  /**
   * Write units per refresh at one access-token size: as DynamoDB Local reports them (everything the sweep wrote,
   * sweep leases included, over the orgs refreshed) and by DynamoDB's size rules from the items before and after.
   * Also the log bytes of a sweep and its fixed wall time (a 10-org sweep), for the cost model.
   */
  async writeUnits(orgs: number, accessTokenBytes: number) {
    await this.endpoint.configure(50, accessTokenBytes);
    const rig = await this.setUp({ orgs, settings: { concurrency: 16, shardCount: 4 }, accessTokenBytes });
    const seeded = seedItem(
      {
        table: rig.table,
        tokenUrl: this.endpoint.tokenUrl,
        clientSecretId: BENCH_SECRET_ID,
        shardCount: 4,
        prefix: `fl${serial}`,
        count: orgs,
        due: orgs,
        now: Date.now(),
        ...(accessTokenBytes ? { accessTokenBytes } : {}),
      },
      0,
    );
    rig.counter.reset();
    const run = await quietly(() => rig.fleet.worker(scheduledEvent(), lambdaContext(600_000)));
    const sweep = isSweep(run.result) ? run.result : undefined;
    const refreshed = sweep?.refreshed ?? 0;
    const ops = rig.counter.capacityByOperation;
    // What one refresh writes: its claim and its commit. The sweep's own writes (its sweep leases taken, renewed and
    // given back) are per sweep, not per org: reported apart, and priced apart by the cost model.
    const perOrg = (ops.claim?.write ?? 0) + (ops.commit?.write ?? 0);
    const measured = perOrg / Math.max(1, refreshed);
    const sweepLeaseWrites =
      (ops.claimShards?.write ?? 0) + (ops.renewShards?.write ?? 0) + (ops.releaseShards?.write ?? 0);
    const after =
      (await rig.doc.send(new GetCommand({ TableName: rig.table, Key: { orgId: seeded.orgId } }))).Item ?? {};
    await rig.tearDown();

    // By the rules: the claim rewrites the item with the lease added (no index write: the version stays); the commit
    // rewrites it with the new tokens and moves its due-index entry (refreshAt is the index's sort key: delete + put).
    const { dueIndex, partitionKey } = TABLE_SCHEMA;
    const indexAttributes = [partitionKey, dueIndex.partitionKey, dueIndex.sortKey, ...dueIndex.projected];
    const before = itemSize(seeded);
    const leased = itemSize({ ...seeded, leaseOwner: 'x'.repeat(45), leaseUntil: Date.now() });
    const finalSize = itemSize(after);
    const entry = itemSize(indexEntry(after, indexAttributes));
    const claimUnits = writeUnits(Math.max(before, leased));
    const commitUnits = writeUnits(Math.max(leased, finalSize)) + 2 * writeUnits(entry);
    return {
      accessTokenBytes: accessTokenBytes || Buffer.byteLength(String(after.accessToken ?? '')),
      refreshed,
      measured: round(measured, 3),
      computed: claimUnits + commitUnits,
      sweepLeaseWriteUnitsPerSweep: sweepLeaseWrites,
      allWriteUnitsPerRefreshThisRun: round(rig.counter.writeUnits / Math.max(1, refreshed), 3),
      claimUnits: { measured: round((ops.claim?.write ?? 0) / Math.max(1, refreshed), 3), computed: claimUnits },
      commitUnits: { measured: round((ops.commit?.write ?? 0) / Math.max(1, refreshed), 3), computed: commitUnits },
      itemBytes: { seeded: before, leased, afterRefresh: finalSize, dueIndexEntry: entry },
      readUnitsPerRefresh: round((ops.queryDue?.read ?? 0) / Math.max(1, refreshed), 4),
      logBytes: run.bytes,
      failed: sweep?.failedTotal ?? -1,
    };
  }

  /** A sweep's fixed cost: ten orgs, one round of requests at `latencyMs`. */
  async smallSweep(latencyMs: number) {
    await this.endpoint.configure(latencyMs);
    const rig = await this.setUp({ orgs: 10, settings: { concurrency: 16, shardCount: 4 } });
    const started = performance.now();
    const run = await quietly(() => rig.fleet.worker(scheduledEvent(), lambdaContext(600_000)));
    const wallMs = performance.now() - started;
    const planned = await quietly(() => rig.fleet.planner({ plan: {} }, lambdaContext(60_000)));
    await rig.tearDown();
    return {
      wallMs: round(wallMs, 0),
      fixedMs: round(Math.max(0, wallMs - latencyMs), 0),
      logBytes: run.bytes,
      refreshed: isSweep(run.result) ? run.result.refreshed : 0,
      planLogBytes: planned.bytes,
    };
  }
}

export async function measureFleet(
  ddbEndpoint: string,
  endpoint: BenchTokenEndpoint,
  profile: FleetProfile,
  progress: (line: string) => void,
) {
  const bench = await FleetBench.start(ddbEndpoint, endpoint);
  try {
    progress("fleet: a sweep's fixed cost (10 orgs)…");
    const small = await bench.smallSweep(250);
    progress(
      `fleet: scaling, 1 sweep over ${profile.scalingOrgsPerSweep} orgs vs 4 over ${4 * profile.scalingOrgsPerSweep} ` +
        `(c${profile.scalingConcurrency}, ${profile.scalingLatencyMs} ms)…`,
    );
    const scaling = await bench.scaling(profile);
    progress(`  efficiency ${scaling.scalingEfficiency}`);
    progress(`fleet: wasted claims, ${profile.wastedOrgs} orgs, overlapping sweeps with and without sweep leases…`);
    const wasted = await bench.wastedClaims(profile);
    progress(`  ${wasted.wastedClaimsPerRefresh} per refresh (today: ${wasted.wastedClaimsPerRefreshToday})`);
    progress(`fleet: write units, ${profile.writeUnitOrgs} orgs, opaque tokens and ~1.5 KB JWT access tokens…`);
    const opaque = await bench.writeUnits(profile.writeUnitOrgs, 0);
    const jwt = await bench.writeUnits(profile.writeUnitOrgs, 1500);
    progress(`  opaque ${opaque.measured} (rules: ${opaque.computed}), JWT ${jwt.measured} (rules: ${jwt.computed})`);
    return { small, scaling, wasted, opaque, jwt };
  } finally {
    await bench.stop();
  }
}
