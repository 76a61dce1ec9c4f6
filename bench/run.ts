// `npm run bench` (and `npm run bench -- --quick`): measures the refresher against its physical limit on this machine.
// Starts DynamoDB Local and the bench token endpoint, runs the real handler, and writes the terminal table,
// bench/results/latest.json and bench/results/throughput.svg. See docs/performance.md for what each figure means.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { throughputSvg } from './chart.js';
import { type CliStartup, measureCliStartup } from './cli-startup.js';
import { measureColdStart } from './cold-start.js';
import { type CostPoint, measureCost } from './cost.js';
import { type EngineCapacity, probeEngineCapacity } from './dynamodb.js';
import { type FleetProfile, measureFleet } from './fleet.js';
import { fleetFigures } from './fleet-figures.js';
import { type IntakeCost, measureIntake } from './intake.js';
import { HandlerRig } from './invoke.js';
import { measureOnDemand, type OnDemandMeasurement } from './on-demand.js';
import { planPoints } from './plan.js';
import { growthRatio, idealPerSecond, renderTable, round } from './stats.js';
import { measurePoint, type ThroughputPoint } from './throughput.js';
import { BenchTokenEndpoint, probeEndpointHeadroom } from './token-endpoint.js';

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/** The handler's default CONCURRENCY: the headline ratio is the worst one measured there. */
const DEFAULT_CONCURRENCY = 16;
/** DynamoDB requests one refresh needs on the happy path (claim + commit): the engine budget's unit. */
const REQUESTS_PER_REFRESH_FOR_BUDGET = 2;

const GOALS = {
  throughputRatio: { op: '>=', value: 0.9 },
  readUnitsPerRefreshGrowth: { op: '<=', value: 1.1 },
  requestsPerRefresh: { op: '<=', value: 3 },
  bundleKb: { op: '<=', value: 300 },
  /**
   * Module init over the SDK floor (CPU time), same setup, same run: a ratio, because absolute init time moves with the
   * machine (bench/cold-start.ts says why CPU time).
   */
  initOverSdkFloor: { op: '<=', value: 1.15 },
} as const;

interface Profile {
  mode: 'full' | 'quick';
  engineProbe: { warmupSeconds: number; inFlight: number[]; seconds: number };
  headroomSeconds: number;
  concurrencies: number[];
  latenciesMs: number[];
  secondsPerPoint: number;
  minRounds: number;
  costSizes: number[];
  dueFraction: number;
  costConcurrency: number;
  costLatencyMs: number;
  /** Pairs of fresh processes (handler bundle, SDK floor) for the cold-start ratio. */
  coldStartPairs: number;
  /** Grant intake round trips per kind (submitGrant, reauthorise). */
  intakeRoundTrips: number;
  /** Refresh on demand: warm refreshNow samples (one org each), and the herd's callers (one org, one token). */
  onDemand: { samples: number; herdCallers: number };
  fleet: FleetProfile;
}

const FULL: Profile = {
  mode: 'full',
  engineProbe: { warmupSeconds: 5, inFlight: [32, 64, 128], seconds: 6 },
  headroomSeconds: 5,
  concurrencies: [4, 16, 64],
  latenciesMs: [50, 100, 250, 500, 1000, 2000],
  secondsPerPoint: 10,
  minRounds: 10,
  costSizes: [1_000, 10_000, 100_000],
  dueFraction: 0.01,
  costConcurrency: DEFAULT_CONCURRENCY,
  costLatencyMs: 100,
  coldStartPairs: 30,
  intakeRoundTrips: 30,
  onDemand: { samples: 50, herdCallers: 500 },
  // 4 sweeps × 8 in flight at 500 ms: 64 refreshes/s in all, the load of the headline c16/250 ms point.
  fleet: {
    scalingOrgsPerSweep: 320,
    scalingConcurrency: 8,
    scalingLatencyMs: 500,
    wastedOrgs: 1000,
    writeUnitOrgs: 200,
  },
};

const QUICK: Profile = {
  mode: 'quick',
  engineProbe: { warmupSeconds: 3, inFlight: [64], seconds: 4 },
  headroomSeconds: 3,
  concurrencies: [4, DEFAULT_CONCURRENCY],
  latenciesMs: [100, 250, 500, 1000],
  secondsPerPoint: 8,
  minRounds: 8,
  costSizes: [1_000, 10_000],
  dueFraction: 0.01,
  costConcurrency: DEFAULT_CONCURRENCY,
  costLatencyMs: 100,
  coldStartPairs: 20,
  intakeRoundTrips: 10,
  onDemand: { samples: 20, herdCallers: 500 },
  fleet: {
    scalingOrgsPerSweep: 160,
    scalingConcurrency: 8,
    scalingLatencyMs: 500,
    wastedOrgs: 400,
    writeUnitOrgs: 100,
  },
};

const log = (line: string) => process.stderr.write(`${line}\n`);

function met(name: keyof typeof GOALS, value: number): boolean {
  const goal = GOALS[name];
  return goal.op === '>=' ? value >= goal.value : value <= goal.value;
}

async function main(): Promise<void> {
  const profile = process.argv.includes('--quick') ? QUICK : FULL;
  const started = performance.now();
  const loadAtStart = os.loadavg();
  mkdirSync(RESULTS_DIR, { recursive: true });
  log(
    `bench (${profile.mode}): ${os.cpus().length} cores, Node.js ${process.versions.node}, load ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}`,
  );

  const ddb = await startDynamoDbLocal({ progress: log });
  const endpoint = await BenchTokenEndpoint.start(100);
  const rig = await HandlerRig.start(ddb.endpoint);
  try {
    // 1. What DynamoDB Local sustains here (after a warm-up: the JVM's JIT makes the first seconds slow).
    log('DynamoDB Local: warming up and measuring conditional UpdateItem/s…');
    await probeEngineCapacity(ddb.endpoint, {
      inFlight: 32,
      seconds: profile.engineProbe.warmupSeconds,
      now: Date.now(),
    });
    const engineRuns: EngineCapacity[] = [];
    for (const inFlight of profile.engineProbe.inFlight) {
      const r = await probeEngineCapacity(ddb.endpoint, {
        inFlight,
        seconds: profile.engineProbe.seconds,
        now: Date.now(),
      });
      engineRuns.push(r);
      log(`  ${inFlight} in flight: ${Math.round(r.updatesPerSecond)} UpdateItem/s`);
    }
    const engine = engineRuns.reduce((best, r) => (r.updatesPerSecond > best.updatesPerSecond ? r : best));

    // 2. The plan: points whose ideal stays within half of the engine's capacity.
    const plan = planPoints({
      concurrencies: profile.concurrencies,
      latenciesMs: profile.latenciesMs,
      secondsPerPoint: profile.secondsPerPoint,
      minRounds: profile.minRounds,
      requestsPerRefresh: REQUESTS_PER_REFRESH_FOR_BUDGET,
      engineUpdatesPerSecond: engine.updatesPerSecond,
      requiredConcurrency: DEFAULT_CONCURRENCY,
    });
    const maxIdeal = Math.max(...plan.run.map((p) => idealPerSecond(p.concurrency, p.latencyMs)));

    // 3. The token endpoint's own headroom, at the shortest latency the plan uses (its most demanding point).
    const headroomLatency = Math.min(...plan.run.map((p) => p.latencyMs));
    log(`token endpoint: headroom at ${headroomLatency} ms…`);
    const headroom = await probeEndpointHeadroom(endpoint, {
      latencyMs: headroomLatency,
      inFlight: 256,
      seconds: profile.headroomSeconds,
    });
    log(
      `  sustained ${Math.round(headroom.sustainedPerSecond)} req/s; the bench asks at most ${Math.round(maxIdeal)}/s`,
    );

    // 4. Throughput against the ideal.
    const points: ThroughputPoint[] = [];
    for (const p of plan.run) {
      log(`throughput: concurrency ${p.concurrency}, latency ${p.latencyMs} ms, ${p.orgs} orgs due…`);
      const point = await measurePoint(rig, ddb.endpoint, endpoint, p);
      points.push(point);
      log(`  ${point.perSecond}/s of ${point.idealPerSecond}/s ideal = ${point.ratio}`);
    }

    // 5. Cost growth.
    const cost: CostPoint[] = [];
    for (const orgs of profile.costSizes) {
      log(`cost: ${orgs} orgs, ${profile.dueFraction * 100} % due…`);
      const point = await measureCost(
        rig,
        ddb.endpoint,
        endpoint,
        {
          orgs,
          dueFraction: profile.dueFraction,
          concurrency: profile.costConcurrency,
          latencyMs: profile.costLatencyMs,
        },
        log,
      );
      cost.push(point);
      log(
        `  ${point.refreshed} refreshed: ${point.readUnitsPerRefresh} RCU, ${point.requestsPerRefresh} requests per refresh`,
      );
    }

    // 6. Cold start.
    log(`cold start: bundling and ${profile.coldStartPairs} pairs of fresh processes (handler, SDK floor)…`);
    const coldStart = await measureColdStart(path.join(RESULTS_DIR, 'bundle'), profile.coldStartPairs);
    log(
      `  init ${coldStart.initCpuMs} ms CPU over SDK floor ${coldStart.sdkFloorCpuMs} ms: ×${coldStart.initOverSdkFloor} ` +
        `(pairs' quartiles ${coldStart.initOverSdkFloorQuartiles.join('-')}; wall time ×${coldStart.initOverSdkFloorWall})`,
    );

    // 7. A grant intake round trip: what a hosted app's hand-over costs (requests, capacity, time).
    log(`grant intake: ${profile.intakeRoundTrips} round trips of each kind (oidc-provider, rotation on)…`);
    const intake = await measureIntake(ddb.endpoint, { roundTrips: profile.intakeRoundTrips }, log);

    // 7b. Refresh on demand: warm refreshNow beside a plain read, the herd, the cost of one on-demand refresh.
    log(
      `refresh on demand: ${profile.onDemand.samples} refreshNow, a herd of ${profile.onDemand.herdCallers} (oidc-provider, rotation on)…`,
    );
    const onDemand = await measureOnDemand(ddb.endpoint, profile.onDemand, log);
    log(
      `  refreshNow p50 ${onDemand.figures.refreshNowP50Ms} ms (read ${onDemand.figures.readP50Ms} ms); herd: ` +
        `${onDemand.figures.herd.providerRequests} provider request(s), ${onDemand.figures.herd.callersWithNewToken}/` +
        `${onDemand.figures.herd.callers} callers with the new token`,
    );

    // 8. The operator CLI's start-up (`tenant-tokens --help`, compiled), against Node's own.
    log(`cli start-up: ${profile.coldStartPairs} runs of tenant-tokens --help and of node -e ''…`);
    const cliStartup = measureCliStartup(profile.coldStartPairs);

    // 7. Fleet scale: parallel sweeps, wasted claims, write units, and the cost model (bench/fleet.ts).
    const fleetRaw = await measureFleet(ddb.endpoint, endpoint, profile.fleet, log);

    // Figures.
    const atDefault = points.filter((p) => p.concurrency === DEFAULT_CONCURRENCY);
    const throughputRatio = Math.min(...atDefault.map((p) => p.ratio));
    const readUnitsPerRefreshGrowth = round(growthRatio(cost.map((c) => c.readUnitsPerRefresh)), 3);
    const requestsPerRefresh = Math.max(...cost.map((c) => c.requestsPerRefresh));
    const totalRefreshed = points.reduce((a, p) => a + p.refreshed, 0);
    const cpuMsPerRefresh = round(points.reduce((a, p) => a + p.cpuMsPerRefresh * p.refreshed, 0) / totalRefreshed, 2);
    const fleetResult = fleetFigures(fleetRaw, { cpuMsPerRefresh, throughputRatio });
    const figures = {
      throughputRatio,
      readUnitsPerRefreshGrowth,
      requestsPerRefresh,
      bundleKb: coldStart.bundleKb,
      initOverSdkFloor: coldStart.initOverSdkFloor,
    };
    const wallSeconds = round((performance.now() - started) / 1000, 1);
    const result = {
      generatedAt: new Date().toISOString(),
      mode: profile.mode,
      wallSeconds,
      ...figures,
      cpuMsPerRefresh,
      // Information, no goal: they move with the machine (the goal is their ratio, initOverSdkFloor).
      initMs: coldStart.initMs,
      sdkFloorMs: coldStart.sdkFloorMs,
      goals: {
        ...Object.fromEntries(
          Object.entries(figures).map(([name, value]) => {
            const goal = GOALS[name as keyof typeof GOALS];
            return [name, { goal: `${goal.op} ${goal.value}`, value, met: met(name as keyof typeof GOALS, value) }];
          }),
        ),
        ...fleetResult.goals,
      },
      fleet: fleetResult.fleet,
      writeUnitsPerRefresh: fleetResult.writeUnitsPerRefresh,
      costModel: { ...fleetResult.costModel, onDemandRefresh: onDemand.cost },
      capacity: fleetResult.capacity,
      machine: {
        cores: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.versions.node,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        memoryGb: round(os.totalmem() / 2 ** 30, 1),
        loadAverageAtStart: loadAtStart.map((l) => round(l, 2)),
        loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
      },
      parameters: {
        defaultConcurrency: DEFAULT_CONCURRENCY,
        concurrencies: profile.concurrencies,
        latenciesMs: profile.latenciesMs,
        secondsPerPoint: profile.secondsPerPoint,
        minRounds: profile.minRounds,
        engineBudget: `ideal × ${REQUESTS_PER_REFRESH_FOR_BUDGET} requests ≤ 0.5 × engine UpdateItem/s`,
        costSizes: profile.costSizes,
        dueFraction: profile.dueFraction,
        costConcurrency: profile.costConcurrency,
        costLatencyMs: profile.costLatencyMs,
        shardCount: 4,
        coldStartPairs: profile.coldStartPairs,
        coldStartEnv: "the stack's environment with default settings plus what Lambda sets: see coldStart.env",
      },
      engine: { best: engine, runs: engineRuns },
      endpoint: {
        ...headroom,
        maxAskedPerSecond: round(maxIdeal, 1),
        headroom: round(headroom.sustainedPerSecond / maxIdeal, 1),
      },
      throughput: { points, skipped: plan.skipped },
      cost,
      coldStart,
      intake,
      onDemand: onDemand.figures,
      cliStartup,
    };
    writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      path.join(RESULTS_DIR, 'throughput.svg'),
      throughputSvg(points, `tenant-token-refresher: throughput vs ideal (${os.cpus().length} cores, ${profile.mode})`),
    );
    process.stdout.write(`${report(result)}\n\n${fleetResult.report}\n\n${onDemandReport(onDemand)}\n`);
    // Numbers never fail the run; a broken rotation does: two uses of one refresh token is the bug this service exists
    // to prevent, and a failed refresh would make every figure above meaningless.
    const invalidGrants =
      points.reduce((a, p) => a + p.endpointInvalidGrant, 0) +
      fleetRaw.scaling.endpointInvalidGrant +
      fleetRaw.wasted.fanOut.endpointInvalidGrant +
      fleetRaw.wasted.today.endpointInvalidGrant;
    const failed =
      points.reduce((a, p) => a + p.failed, 0) +
      cost.reduce((a, c) => a + c.failed, 0) +
      fleetRaw.scaling.failed +
      fleetRaw.wasted.failed +
      fleetRaw.opaque.failed +
      fleetRaw.jwt.failed +
      intake.submitGrant.failed +
      intake.reauthorise.failed +
      onDemand.failed;
    // The herd's promise is the service's: one request to the provider, every caller holding the new token.
    const herd = onDemand.figures.herd;
    if (herd.providerRequests !== 1 || herd.callersWithNewToken !== herd.callers) {
      log(
        `bench: the herd sent ${herd.providerRequests} requests and ${herd.callersWithNewToken} callers got the token`,
      );
      process.exitCode = 1;
    }
    if (invalidGrants > 0 || failed > 0) {
      log(`bench: ${invalidGrants} invalid_grant and ${failed} failed refreshes: the figures are not valid`);
      process.exitCode = 1;
    }
  } finally {
    await rig.stop();
    await endpoint.stop();
    await ddb.stop();
  }
}

type Result = {
  mode: string;
  wallSeconds: number;
  cpuMsPerRefresh: number;
  initMs: number;
  sdkFloorMs: number;
  goals: Record<string, { goal: string; value: number; met: boolean }>;
  machine: { cores: number; cpuModel: string; node: string; loadAverageAtStart: number[] };
  engine: { best: EngineCapacity };
  endpoint: {
    latencyMs: number;
    sustainedPerSecond: number;
    maxAskedPerSecond: number;
    headroom: number;
    endpointCpuMsPerRequest: number;
  };
  throughput: { points: ThroughputPoint[]; skipped: { concurrency: number; latencyMs: number }[] };
  cost: CostPoint[];
  coldStart: {
    bundleKb: number;
    pairs: number;
    initOverSdkFloor: number;
    initOverSdkFloorQuartiles: [number, number];
    initOverSdkFloorWall: number;
    initMs: number;
    initCpuMs: number;
    initMsWithoutSourceMaps: number;
    sdkFloorMs: number;
    sdkFloorCpuMs: number;
  };
  intake: IntakeCost;
  cliStartup: CliStartup;
};

function onDemandReport(m: OnDemandMeasurement): string {
  const { figures: f, cost: c } = m;
  return [
    renderTable([
      ['refresh on demand', 'p50 ms', 'p95 ms'],
      ['refreshNow (warm, refreshes)', f.refreshNowP50Ms, f.refreshNowP95Ms],
      ['plain read (GetItem)', f.readP50Ms, ''],
    ]),
    `herd: ${f.herd.callers} callers, ${f.herd.providerRequests} provider request(s), ${f.herd.callersWithNewToken} ` +
      'callers with the new token',
    `one on-demand refresh: ${c.lambdaRequests} Lambda request (${c.handlerMs} ms here, ${c.lambdaSeconds} s billed ` +
      `with a 250 ms provider), ${c.dynamoDbRequests} DynamoDB requests (${c.readUnits} RCU, ${c.writeUnits} WCU), ` +
      `${c.providerRequests} provider request, ${c.logBytes} log bytes: $${c.usd.perMillionUsd} per million`,
  ].join('\n');
}

function report(r: Result): string {
  const out: string[] = [];
  out.push(
    `tenant-token-refresher bench (${r.mode}) — ${r.machine.cores} cores (${r.machine.cpuModel}), Node.js ${r.machine.node}, ` +
      `load at start ${r.machine.loadAverageAtStart.join(' ')}, ${r.wallSeconds} s`,
    '',
    renderTable([
      ['figure', 'value', 'goal', 'met'],
      ...Object.entries(r.goals).map(([name, g]) => [name, g.value, g.goal, g.met ? 'yes' : 'NO']),
      ['cpuMsPerRefresh', r.cpuMsPerRefresh, '', ''],
      ['initMs', r.initMs, '', ''],
      ['sdkFloorMs', r.sdkFloorMs, '', ''],
    ]),
    '',
    `DynamoDB Local: ${Math.round(r.engine.best.updatesPerSecond)} conditional UpdateItem/s at ${r.engine.best.inFlight} in flight; ` +
      'points run only where ideal × 2 requests ≤ half of that.',
    `token endpoint: ${Math.round(r.endpoint.sustainedPerSecond)} req/s sustained at ${r.endpoint.latencyMs} ms ` +
      `(${r.endpoint.endpointCpuMsPerRequest.toFixed(2)} ms CPU each); the bench asks at most ${r.endpoint.maxAskedPerSecond}/s: ` +
      `headroom ×${r.endpoint.headroom}.`,
    '',
    renderTable([
      [
        'concurrency',
        'latency ms',
        'orgs',
        'ideal/s',
        'measured/s',
        'ratio',
        'CPU ms/refresh',
        'DDB req/refresh',
        'UpdateItem ms',
        'startup ms',
        'tail ms',
        'slots busy',
      ],
      ...r.throughput.points.map((p) => [
        p.concurrency,
        p.latencyMs,
        p.orgs,
        p.idealPerSecond,
        p.perSecond,
        p.ratio,
        p.cpuMsPerRefresh,
        p.ddbRequestsPerRefresh,
        p.updateItemMeanMs,
        p.startupMs,
        p.tailMs,
        p.slotBusyShare,
      ]),
    ]),
  );
  if (r.throughput.skipped.length > 0) {
    out.push(
      `skipped (over the engine budget): ${r.throughput.skipped.map((s) => `c${s.concurrency}/${s.latencyMs} ms`).join(', ')}`,
    );
  }
  out.push(
    '',
    renderTable([
      [
        'orgs',
        'due',
        'refreshed',
        'RCU',
        'WCU',
        'RCU/refresh',
        'WCU/refresh',
        'requests/refresh',
        'seed s',
        'seed items/s',
      ],
      ...r.cost.map((c) => [
        c.orgs,
        c.due,
        c.refreshed,
        c.readUnits,
        c.writeUnits,
        c.readUnitsPerRefresh,
        c.writeUnitsPerRefresh,
        c.requestsPerRefresh,
        c.seed.seconds,
        c.seed.itemsPerSecond,
      ]),
    ]),
    '',
    `cold start: bundle ${r.coldStart.bundleKb} KB; ${r.coldStart.pairs} pairs of fresh processes with the stack's env ` +
      `(incl. --enable-source-maps), handler bundle and SDK's DynamoDB client alone, interleaved: module init ` +
      `${r.coldStart.initCpuMs} ms CPU (${r.coldStart.initMs} ms wall), SDK floor ${r.coldStart.sdkFloorCpuMs} ms CPU ` +
      `(${r.coldStart.sdkFloorMs} ms wall); initOverSdkFloor ${r.coldStart.initOverSdkFloor} (median of the pairs' CPU ` +
      `ratios, quartiles ${r.coldStart.initOverSdkFloorQuartiles.join('-')}; wall time ${r.coldStart.initOverSdkFloorWall}); ` +
      `${r.coldStart.initMsWithoutSourceMaps} ms wall without source maps`,
    '',
    renderTable([
      ['grant intake', 'Lambda req', 'DynamoDB req', 'RCU', 'WCU', 'provider req', 'secret reads', 'p50 ms', 'p95 ms'],
      ...(['submitGrant', 'reauthorise'] as const).map((kind) => {
        const k = r.intake[kind];
        return [
          kind,
          k.lambdaRequests,
          k.dynamoDbRequests,
          k.readUnits,
          k.writeUnits,
          k.providerRequests,
          k.secretsRequests,
          k.p50Ms,
          k.p95Ms,
        ];
      }),
    ]),
    `cli start-up: tenant-tokens --help median ${r.cliStartup.helpMs} ms, node -e '' ${r.cliStartup.nodeBaselineMs} ms ` +
      `(ratio ${r.cliStartup.ratio}, ${r.cliStartup.runs} runs each)`,
    `written: bench/results/latest.json, bench/results/throughput.svg`,
  );
  return out.join('\n');
}

await main();
