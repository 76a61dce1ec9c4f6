// The monthly cost model: the bench's measured units, durations and log bytes times the published us-east-1 prices in
// bench/prices-us-east-1.json (one dated file), for fleets of 1 000 to 10 000 000 orgs with one-hour and 24-hour
// tokens; and the capacity rule (how many orgs one sweep keeps fresh, how many sweeps a fleet needs). Pure: every
// input is passed in, so test/unit/cost-model.test.ts can check each line's arithmetic.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRICES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'prices-us-east-1.json');

export interface Prices {
  checked: string;
  dynamodb: {
    writeRequestUnitPerMillion: number;
    readRequestUnitPerMillion: number;
    storagePerGbMonth: number;
    pitrPerGbMonth: number;
  };
  lambda: { arm64PerGbSecond: number; requestsPerMillion: number };
  secretsManager: { perSecretMonth: number; per10kApiCalls: number };
  cloudwatch: {
    customMetricPerMonth: number;
    standardAlarmMetricPerMonth: number;
    dashboardPerMonth: number;
    logIngestionPerGb: number;
    logStoragePerGbMonth: number;
  };
  eventbridge: { customEventsPerMillion: number; scheduledRuleEvents: number };
  kms: { perKeyMonth: number };
}

export function loadPrices(file = PRICES_FILE): Prices {
  return JSON.parse(readFileSync(file, 'utf8')) as Prices;
}

export const SECONDS_PER_MONTH = 30.4375 * 86_400;

/** What the bench measured (per refresh, per invocation), and the deployment's settings the model assumes. */
export interface MeasuredInputs {
  writeUnitsPerRefresh: number;
  /** Read units that grow with the refreshes (the due entries read by the planner's counts and the sweep's query). */
  readUnitsPerRefresh: number;
  /** Lambda wall time one refresh adds to a sweep at the defaults (latency-bound: latency / (concurrency × ratio)). */
  workerSecondsPerRefresh: number;
  /** A sweep invocation's fixed wall time (lease, queries, the last commits). */
  workerFixedSeconds: number;
  plannerSeconds: number;
  logBytesPerRefresh: number;
  logBytesPerWorkerInvocation: number;
  logBytesPerPlan: number;
  /** An org's item and its due-index entry, by DynamoDB's size rules. */
  itemBytes: number;
  indexEntryBytes: number;
  /** Org events published per refresh (0 in a healthy fleet: events are state changes). */
  eventsPerRefresh: number;
}

export interface DeploymentAssumptions {
  schedulePeriodSeconds: number;
  refreshWindowSeconds: number;
  jitterSeconds: number;
  shardCount: number;
  orgsPerSweep: number;
  workerMemoryMb: number;
  plannerMemoryMb: number;
  secretCacheSeconds: number;
  /** Custom metric names × dimension sets the functions emit, alarms' metrics, dashboards, KMS keys (the stack). */
  customMetrics: number;
  alarmMetrics: number;
  dashboards: number;
  kmsKeys: number;
  /** Lambda's own START/END/REPORT lines per invocation. */
  platformLogBytesPerInvocation: number;
}

export type CostLine =
  | 'dynamodbWrites'
  | 'dynamodbReads'
  | 'dynamodbStorage'
  | 'lambda'
  | 'secretsManager'
  | 'cloudwatchMetricsAlarms'
  | 'cloudwatchLogs'
  | 'eventbridge'
  | 'kms';

export interface CostRow {
  orgs: number;
  tokenLifetimeHours: number;
  refreshesPerMonth: number;
  sweepInvocationsPerMonth: number;
  /** Monthly USD per line, one OAuth client shared by every org (one secret). */
  linesUsd: Record<CostLine, number>;
  totalUsd: number;
  dominant: CostLine;
  /** The Secrets Manager line and the total when every org has its own client (one secret each, read per refresh). */
  secretsPerOrgClientUsd: number;
  totalWithPerOrgClientsUsd: number;
  dominantWithPerOrgClients: CostLine;
}

/** How often an org is refreshed: lifetime − lead − mean jitter (lambdas/core/schedule.ts, nextRefreshAt). */
export function refreshPeriodSeconds(
  lifetimeSeconds: number,
  a: Pick<DeploymentAssumptions, 'refreshWindowSeconds' | 'jitterSeconds'>,
): number {
  const lead = Math.min(a.refreshWindowSeconds, lifetimeSeconds / 2);
  const meanJitter = Math.min(a.jitterSeconds, lead / 2) / 2;
  return lifetimeSeconds - lead - meanJitter;
}

/** Sweep invocations per tick: one when anything is due (Poisson), then one per ORGS_PER_SWEEP due. */
export function sweepsPerTick(duePerTick: number, orgsPerSweep: number): number {
  if (duePerTick <= orgsPerSweep) return 1 - Math.exp(-duePerTick);
  return Math.ceil(duePerTick / orgsPerSweep);
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

export function costRow(
  orgs: number,
  lifetimeHours: number,
  m: MeasuredInputs,
  a: DeploymentAssumptions,
  p: Prices,
): CostRow {
  const ticks = SECONDS_PER_MONTH / a.schedulePeriodSeconds;
  const refreshes = (orgs * SECONDS_PER_MONTH) / refreshPeriodSeconds(lifetimeHours * 3600, a);
  const duePerTick = refreshes / ticks;
  const invocations = ticks * sweepsPerTick(duePerTick, a.orgsPerSweep);
  const shardsPerSweep = Math.max(
    1,
    Math.min(a.shardCount, Math.ceil(a.shardCount / Math.max(1, invocations / ticks))),
  );

  // Fixed per tick (planner): the sweep-lease item (strongly consistent GetItem, 1 RRU), a COUNT query per shard and,
  // when anything is due, a backlog COUNT per shard (0.5 RRU each at least), 3 attention gauges (0.5 each).
  const plannerReads = 1 + a.shardCount * 0.5 * 2 + 3 * 0.5;
  // Fixed per sweep: its shards' due queries (0.5 RRU each at least), the host-backoff listing every 2 s (0.5 RRU);
  // writes: the sweep-lease item taken and given back (1 WRU each).
  const sweepSeconds =
    m.workerFixedSeconds + (duePerTick / Math.max(1, invocations / ticks)) * m.workerSecondsPerRefresh;
  const sweepReads = shardsPerSweep * 0.5 + Math.ceil(sweepSeconds / 2) * 0.5;
  const sweepWrites = 2;

  const writeUnits = refreshes * m.writeUnitsPerRefresh + invocations * sweepWrites;
  const readUnits = refreshes * m.readUnitsPerRefresh + ticks * plannerReads + invocations * sweepReads;
  const storageGb = (orgs * (m.itemBytes + 100 + m.indexEntryBytes + 100)) / 1e9;
  const gbSeconds =
    (refreshes * m.workerSecondsPerRefresh + invocations * m.workerFixedSeconds) * (a.workerMemoryMb / 1024) +
    ticks * m.plannerSeconds * (a.plannerMemoryMb / 1024);
  const lambdaRequests = ticks + invocations;
  // One shared client: each warm sweep container reads the secret once per SECRET_CACHE_SECONDS.
  const warmContainers = Math.max(1, Math.ceil(invocations / ticks));
  const sharedSecretCalls = (warmContainers * SECONDS_PER_MONTH) / a.secretCacheSeconds;
  const logBytes =
    refreshes * m.logBytesPerRefresh +
    invocations * (m.logBytesPerWorkerInvocation + a.platformLogBytesPerInvocation) +
    ticks * (m.logBytesPerPlan + a.platformLogBytesPerInvocation);
  const logGb = logBytes / 1e9;

  const secretsShared =
    p.secretsManager.perSecretMonth + (sharedSecretCalls / 10_000) * p.secretsManager.per10kApiCalls;
  // One client per org: a secret each, and a read per refresh (the cache outlives no refresh period).
  const secretsPerOrg = orgs * p.secretsManager.perSecretMonth + (refreshes / 10_000) * p.secretsManager.per10kApiCalls;
  const linesUsd: Record<CostLine, number> = {
    dynamodbWrites: (writeUnits / 1e6) * p.dynamodb.writeRequestUnitPerMillion,
    dynamodbReads: (readUnits / 1e6) * p.dynamodb.readRequestUnitPerMillion,
    dynamodbStorage: storageGb * (p.dynamodb.storagePerGbMonth + p.dynamodb.pitrPerGbMonth),
    lambda: gbSeconds * p.lambda.arm64PerGbSecond + (lambdaRequests / 1e6) * p.lambda.requestsPerMillion,
    secretsManager: secretsShared,
    cloudwatchMetricsAlarms:
      a.customMetrics * p.cloudwatch.customMetricPerMonth +
      a.alarmMetrics * p.cloudwatch.standardAlarmMetricPerMonth +
      a.dashboards * p.cloudwatch.dashboardPerMonth,
    cloudwatchLogs: logGb * (p.cloudwatch.logIngestionPerGb + p.cloudwatch.logStoragePerGbMonth),
    eventbridge:
      (refreshes * m.eventsPerRefresh * p.eventbridge.customEventsPerMillion) / 1e6 +
      ticks * p.eventbridge.scheduledRuleEvents,
    kms: a.kmsKeys * p.kms.perKeyMonth,
  };
  const total = Object.values(linesUsd).reduce((x, y) => x + y, 0);
  const withPerOrg = { ...linesUsd, secretsManager: secretsPerOrg };
  const dominantOf = (l: Record<CostLine, number>) =>
    (Object.entries(l) as [CostLine, number][]).reduce((best, e) => (e[1] > best[1] ? e : best))[0];
  return {
    orgs,
    tokenLifetimeHours: lifetimeHours,
    refreshesPerMonth: Math.round(refreshes),
    sweepInvocationsPerMonth: Math.round(invocations),
    linesUsd: Object.fromEntries(Object.entries(linesUsd).map(([k, v]) => [k, round(v)])) as Record<CostLine, number>,
    totalUsd: round(total),
    dominant: dominantOf(linesUsd),
    secretsPerOrgClientUsd: round(secretsPerOrg),
    totalWithPerOrgClientsUsd: round(total - secretsShared + secretsPerOrg),
    dominantWithPerOrgClients: dominantOf(withPerOrg),
  };
}

/** USD per million refreshes, the parts that grow with refreshes only (one shared client). */
export function costPerMillionRefreshes(m: MeasuredInputs, a: DeploymentAssumptions, p: Prices): number {
  const perRefresh =
    (m.writeUnitsPerRefresh / 1e6) * p.dynamodb.writeRequestUnitPerMillion +
    (m.readUnitsPerRefresh / 1e6) * p.dynamodb.readRequestUnitPerMillion +
    m.workerSecondsPerRefresh * (a.workerMemoryMb / 1024) * p.lambda.arm64PerGbSecond +
    (m.logBytesPerRefresh / 1e9) * (p.cloudwatch.logIngestionPerGb + p.cloudwatch.logStoragePerGbMonth) +
    (m.eventsPerRefresh / 1e6) * p.eventbridge.customEventsPerMillion;
  return round(perRefresh * 1e6, 3);
}

export interface CapacityInputs {
  concurrency: number;
  /** The token endpoint latency the rule assumes (the 250 ms). */
  latencyMs: number;
  /** Measured throughput over the ideal `concurrency / latency`. */
  ratio: number;
  cpuMsPerRefresh: number;
  workerMemoryMb: number;
}

/** Lambda gives a function a full vCPU at 1 769 MB, proportionally less below. */
export const MB_PER_VCPU = 1769;

export function sweepRefreshesPerSecond(c: CapacityInputs): { latencyBound: number; cpuBound: number; rate: number } {
  const latencyBound = (c.concurrency * 1000 * c.ratio) / c.latencyMs;
  const cpuBound = ((c.workerMemoryMb / MB_PER_VCPU) * 1000) / c.cpuMsPerRefresh;
  return {
    latencyBound: round(latencyBound, 1),
    cpuBound: round(cpuBound, 1),
    rate: round(Math.min(latencyBound, cpuBound), 1),
  };
}

/** Orgs one sweep keeps fresh: it refreshes `rate` orgs a second, and each org needs one refresh per period. */
export function largestFleet(
  rate: number,
  lifetimeHours: number,
  a: Pick<DeploymentAssumptions, 'refreshWindowSeconds' | 'jitterSeconds'>,
): number {
  return Math.floor(rate * refreshPeriodSeconds(lifetimeHours * 3600, a));
}

export function sweepsNeeded(
  orgs: number,
  rate: number,
  lifetimeHours: number,
  a: Pick<DeploymentAssumptions, 'refreshWindowSeconds' | 'jitterSeconds'>,
): number {
  return Math.ceil(orgs / largestFleet(rate, lifetimeHours, a));
}

/**
 * What one on-demand refresh adds (bench/on-demand.ts measures the inputs): one Lambda request and its billed time,
 * its DynamoDB units, its log lines. A caller answered without a refresh (a newer token stored, another's refresh) is
 * the same request with fewer units: the herd's cost is callers × that plus one refresh.
 */
export interface OnDemandInputs {
  lambdaRequests: number;
  /** Billed time of the invocation: the measured handler time plus the provider's latency it waits for. */
  lambdaSeconds: number;
  memoryMb: number;
  readUnits: number;
  writeUnits: number;
  /** The function's log and EMF lines plus Lambda's START/END/REPORT lines. */
  logBytes: number;
}

export interface OnDemandCost {
  linesUsd: { lambda: number; dynamodb: number; cloudwatchLogs: number };
  perRefreshUsd: number;
  perMillionUsd: number;
}

export function onDemandRefreshCost(m: OnDemandInputs, p: Prices): OnDemandCost {
  const lambda =
    m.lambdaRequests * (p.lambda.requestsPerMillion / 1e6) +
    m.lambdaSeconds * (m.memoryMb / 1024) * p.lambda.arm64PerGbSecond;
  const dynamodb =
    (m.readUnits * p.dynamodb.readRequestUnitPerMillion + m.writeUnits * p.dynamodb.writeRequestUnitPerMillion) / 1e6;
  const cloudwatchLogs = (m.logBytes / 1e9) * (p.cloudwatch.logIngestionPerGb + p.cloudwatch.logStoragePerGbMonth);
  const total = lambda + dynamodb + cloudwatchLogs;
  return {
    linesUsd: {
      lambda: round(lambda * 1e6, 3),
      dynamodb: round(dynamodb * 1e6, 3),
      cloudwatchLogs: round(cloudwatchLogs * 1e6, 3),
    },
    perRefreshUsd: total,
    perMillionUsd: round(total * 1e6, 2),
  };
}
