// Turns the fleet measurements (bench/fleet.ts) and the run's other figures into the result fields the issue names —
// `fleet`, `writeUnitsPerRefresh`, `costModel`, `capacity` — and the lines of the terminal report.
import { MetricName } from '../lambdas/metrics.js';
import { seededRandom } from '../local/seeded-random.js';
import {
  costPerMillionRefreshes,
  costRow,
  type DeploymentAssumptions,
  largestFleet,
  loadPrices,
  type MeasuredInputs,
  sweepRefreshesPerSecond,
  sweepsNeeded,
} from './cost-model.js';
import type { measureFleet } from './fleet.js';
import { simulateHerd } from './herd.js';
import { renderTable, round } from './stats.js';

export const FLEET_GOALS = {
  scalingEfficiency: { op: '>=', value: 0.85 },
  wastedClaimsPerRefresh: { op: '<=', value: 0.05 },
  herdPeakToMean: { op: '<=', value: 1.5 },
  writeUnitsPerRefreshOpaque: { op: '<=', value: 4 },
  writeUnitsPerRefreshJwt: { op: '<=', value: 6 },
} as const;

/** The stack's defaults the model prices (lambdas/config.ts, cdk/constructs/*): see docs/cost.md. */
export const DEFAULT_DEPLOYMENT: DeploymentAssumptions = {
  schedulePeriodSeconds: 60,
  refreshWindowSeconds: 600,
  jitterSeconds: 60,
  shardCount: 4,
  orgsPerSweep: 3000,
  workerMemoryMb: 512,
  plannerMemoryMb: 256,
  secretCacheSeconds: 300,
  // Every metric name with the `service` dimension, plus Powertools' ColdStart per function.
  customMetrics: Object.keys(MetricName).length + 2,
  // Every metric an alarm reads (CloudWatch prices metric-math alarms per metric): 11 single-metric alarms,
  // RefreshFailed's five, the three Lambda alarms' two each (planner and worker), DynamoDbThrottles' six, and
  // OnDemandLoop's one. test/cdk/alarms.test.ts checks it against the synthesized template.
  alarmMetrics: 29,
  dashboards: 1,
  // The table's key and the alarm topic's key.
  kmsKeys: 2,
  // Lambda's START, END and REPORT lines.
  platformLogBytesPerInvocation: 280,
};

const FLEET_SIZES = [1_000, 100_000, 1_000_000, 10_000_000];
const LIFETIMES_HOURS = [1, 24];
/** The provider latency the capacity rule and the cost model assume (the issue's "250 ms"). */
const ASSUMED_LATENCY_MS = 250;
const DEFAULT_CONCURRENCY = 16;

export interface RunContext {
  cpuMsPerRefresh: number;
  /** Throughput over the ideal at the default concurrency (the throughput points' worst). */
  throughputRatio: number;
}

type FleetMeasurements = Awaited<ReturnType<typeof measureFleet>>;

export function fleetFigures(m: FleetMeasurements, ctx: RunContext) {
  const settings = { refreshWindowMs: 600_000, jitterMs: 60_000, schedulePeriodMs: 60_000 };
  const capacity = sweepRefreshesPerSecond({
    concurrency: DEFAULT_CONCURRENCY,
    latencyMs: ASSUMED_LATENCY_MS,
    ratio: Math.min(ctx.throughputRatio, m.scaling.oneSweep.ratioToIdeal),
    cpuMsPerRefresh: ctx.cpuMsPerRefresh,
    workerMemoryMb: DEFAULT_DEPLOYMENT.workerMemoryMb,
  });
  const herd = (spread: boolean) =>
    simulateHerd({
      orgs: 10_000,
      lifetimeMs: 3_600_000,
      settings,
      refreshesPerSecond: 4 * capacity.rate,
      spreadFirstRefresh: spread,
      random: seededRandom(20_261_130),
    });
  const herdNow = herd(true);
  const herdToday = herd(false);

  const measured: MeasuredInputs = {
    writeUnitsPerRefresh: m.opaque.measured,
    // The planner's COUNT and the sweep's query each read the org's due entry once.
    readUnitsPerRefresh: 2 * m.opaque.readUnitsPerRefresh,
    // A sweep refreshing `rate` orgs a second is billed 1/rate seconds of wall time per refresh.
    workerSecondsPerRefresh: 1 / capacity.rate,
    workerFixedSeconds: m.small.fixedMs / 1000,
    plannerSeconds: m.scaling.planMs / 1000,
    logBytesPerRefresh: Math.max(
      0,
      (m.opaque.logBytes - m.small.logBytes) / Math.max(1, m.opaque.refreshed - m.small.refreshed),
    ),
    logBytesPerWorkerInvocation: m.small.logBytes,
    logBytesPerPlan: m.small.planLogBytes,
    itemBytes: m.opaque.itemBytes.afterRefresh,
    indexEntryBytes: m.opaque.itemBytes.dueIndexEntry,
    eventsPerRefresh: 0,
  };
  const prices = loadPrices();
  const rows = FLEET_SIZES.flatMap((orgs) =>
    LIFETIMES_HOURS.map((hours) => costRow(orgs, hours, measured, DEFAULT_DEPLOYMENT, prices)),
  );
  const fleet = {
    scalingEfficiency: m.scaling.scalingEfficiency,
    wastedClaimsPerRefresh: m.wasted.wastedClaimsPerRefresh,
    wastedClaimsPerRefreshToday: m.wasted.wastedClaimsPerRefreshToday,
    herdPeakToMean: herdNow.peakToMean,
    herdPeakToMeanToday: herdToday.peakToMean,
    scaling: m.scaling,
    wastedClaims: { fanOut: m.wasted.fanOut, today: m.wasted.today },
    herd: {
      orgs: 10_000,
      lifetimeMinutes: 60,
      refreshesPerSecond: round(4 * capacity.rate, 1),
      peakPerMinute: herdNow.peakPerMinute,
      meanPerMinute: herdNow.meanPerMinute,
      todayPeakPerMinute: herdToday.peakPerMinute,
    },
  };
  const writeUnitsPerRefresh = {
    opaque: m.opaque.measured,
    jwt: m.jwt.measured,
    computedByRules: { opaque: m.opaque.computed, jwt: m.jwt.computed },
    opaqueDetail: m.opaque,
    jwtDetail: m.jwt,
  };
  const costModel = {
    prices: 'bench/prices-us-east-1.json',
    pricesChecked: prices.checked,
    deployment: DEFAULT_DEPLOYMENT,
    measured: Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, round(v, 5)])),
    rows,
    costPerMillionRefreshesUsd: costPerMillionRefreshes(measured, DEFAULT_DEPLOYMENT, prices),
  };
  const assumptions = { refreshWindowSeconds: 600, jitterSeconds: 60 };
  const capacityFigures = {
    latencyMs: ASSUMED_LATENCY_MS,
    concurrency: DEFAULT_CONCURRENCY,
    perSweepRefreshesPerSecond: capacity,
    largestFleetOneSweep: {
      oneHourTokens: largestFleet(capacity.rate, 1, assumptions),
      dayTokens: largestFleet(capacity.rate, 24, assumptions),
    },
    sweepsNeeded: Object.fromEntries(
      [1_000_000, 10_000_000].map((orgs) => [
        orgs,
        {
          oneHourTokens: sweepsNeeded(orgs, capacity.rate, 1, assumptions),
          dayTokens: sweepsNeeded(orgs, capacity.rate, 24, assumptions),
        },
      ]),
    ),
  };
  const values = {
    scalingEfficiency: fleet.scalingEfficiency,
    wastedClaimsPerRefresh: fleet.wastedClaimsPerRefresh,
    herdPeakToMean: fleet.herdPeakToMean,
    writeUnitsPerRefreshOpaque: writeUnitsPerRefresh.opaque,
    writeUnitsPerRefreshJwt: writeUnitsPerRefresh.jwt,
  };
  const goals = Object.fromEntries(
    Object.entries(values).map(([name, value]) => {
      const g = FLEET_GOALS[name as keyof typeof FLEET_GOALS];
      return [name, { goal: `${g.op} ${g.value}`, value, met: g.op === '>=' ? value >= g.value : value <= g.value }];
    }),
  );
  return {
    fleet,
    writeUnitsPerRefresh,
    costModel,
    capacity: capacityFigures,
    goals,
    report: report(values, goals, fleet, writeUnitsPerRefresh, costModel, capacityFigures),
  };
}

function usd(v: number): string {
  return v >= 100 ? `$${Math.round(v).toLocaleString('en-US')}` : `$${v.toFixed(2)}`;
}

function report(
  _values: Record<string, number>,
  goals: Record<string, { goal: string; value: number; met: boolean }>,
  fleet: {
    scaling: { oneSweep: { perSecond: number }; fourSweeps: { perSecond: number; sweeps: number } };
    wastedClaimsPerRefreshToday: number;
    herdPeakToMeanToday: number;
  },
  wcu: { computedByRules: { opaque: number; jwt: number } },
  cost: { rows: ReturnType<typeof costRow>[]; costPerMillionRefreshesUsd: number; pricesChecked: string },
  capacity: {
    perSweepRefreshesPerSecond: { latencyBound: number; cpuBound: number; rate: number };
    largestFleetOneSweep: { oneHourTokens: number; dayTokens: number };
    sweepsNeeded: Record<string, { oneHourTokens: number; dayTokens: number }>;
  },
): string {
  const out: string[] = [];
  out.push(
    renderTable([
      ['fleet figure', 'value', 'goal', 'met'],
      ...Object.entries(goals).map(([name, g]) => [name, g.value, g.goal, g.met ? 'yes' : 'NO']),
      ['wastedClaimsPerRefreshToday', fleet.wastedClaimsPerRefreshToday, '', ''],
      ['herdPeakToMeanToday', fleet.herdPeakToMeanToday, '', ''],
    ]),
    '',
    `scaling: one sweep ${fleet.scaling.oneSweep.perSecond}/s, ${fleet.scaling.fourSweeps.sweeps} sweeps ` +
      `${fleet.scaling.fourSweeps.perSecond}/s; write units by DynamoDB's size rules: opaque ${wcu.computedByRules.opaque}, ` +
      `JWT ${wcu.computedByRules.jwt}`,
    `capacity at the defaults (16 in flight, 250 ms): one sweep ${capacity.perSweepRefreshesPerSecond.rate}/s ` +
      `(latency bound ${capacity.perSweepRefreshesPerSecond.latencyBound}, CPU bound at 512 MB ` +
      `${capacity.perSweepRefreshesPerSecond.cpuBound}) keeps ${capacity.largestFleetOneSweep.oneHourTokens.toLocaleString('en-US')} ` +
      `orgs fresh with 1 h tokens, ${capacity.largestFleetOneSweep.dayTokens.toLocaleString('en-US')} with 24 h; sweeps needed: ` +
      Object.entries(capacity.sweepsNeeded)
        .map(
          ([orgs, n]) =>
            `${Number(orgs).toLocaleString('en-US')} orgs ${n.oneHourTokens} (1 h) / ${n.dayTokens} (24 h)`,
        )
        .join(', '),
    '',
    renderTable([
      [
        'orgs',
        'token',
        'refreshes/month',
        'DDB writes',
        'DDB reads',
        'DDB storage',
        'Lambda',
        'Secrets',
        'CW metrics+alarms',
        'CW logs',
        'total',
        'dominant',
        'total, client per org',
        'dominant',
      ],
      ...cost.rows.map((r) => [
        r.orgs.toLocaleString('en-US'),
        `${r.tokenLifetimeHours} h`,
        r.refreshesPerMonth.toLocaleString('en-US'),
        usd(r.linesUsd.dynamodbWrites),
        usd(r.linesUsd.dynamodbReads),
        usd(r.linesUsd.dynamodbStorage),
        usd(r.linesUsd.lambda),
        usd(r.linesUsd.secretsManager),
        usd(r.linesUsd.cloudwatchMetricsAlarms),
        usd(r.linesUsd.cloudwatchLogs),
        usd(r.totalUsd),
        r.dominant,
        usd(r.totalWithPerOrgClientsUsd),
        r.dominantWithPerOrgClients,
      ]),
    ]),
    `costPerMillionRefreshesUsd ${cost.costPerMillionRefreshesUsd} (prices of ${cost.pricesChecked}, bench/prices-us-east-1.json)`,
  );
  return out.join('\n');
}
