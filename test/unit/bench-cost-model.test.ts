// The cost model's arithmetic: refresh periods, sweeps per tick, each line of a month's bill, the capacity rule.
import { describe, expect, it } from 'vitest';
import {
  costPerMillionRefreshes,
  costRow,
  type DeploymentAssumptions,
  largestFleet,
  loadPrices,
  type MeasuredInputs,
  onDemandRefreshCost,
  refreshPeriodSeconds,
  SECONDS_PER_MONTH,
  sweepRefreshesPerSecond,
  sweepsNeeded,
  sweepsPerTick,
} from '../../bench/cost-model.js';

const deployment: DeploymentAssumptions = {
  schedulePeriodSeconds: 60,
  refreshWindowSeconds: 600,
  jitterSeconds: 60,
  shardCount: 4,
  orgsPerSweep: 3000,
  workerMemoryMb: 512,
  plannerMemoryMb: 256,
  secretCacheSeconds: 300,
  customMetrics: 25,
  alarmMetrics: 19,
  dashboards: 1,
  kmsKeys: 2,
  platformLogBytesPerInvocation: 280,
};
const measured: MeasuredInputs = {
  writeUnitsPerRefresh: 4,
  readUnitsPerRefresh: 0.02,
  workerSecondsPerRefresh: 1 / 60,
  workerFixedSeconds: 0.2,
  plannerSeconds: 0.1,
  logBytesPerRefresh: 0,
  logBytesPerWorkerInvocation: 2000,
  logBytesPerPlan: 1500,
  itemBytes: 700,
  indexEntryBytes: 80,
  eventsPerRefresh: 0,
};
const prices = loadPrices();

describe('Module: bench/cost-model', () => {
  it('reads one dated prices file with its sources', () => {
    expect(prices.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(prices.dynamodb.writeRequestUnitPerMillion).toBeGreaterThan(0);
  });

  it('an org is refreshed every lifetime − lead − mean jitter', () => {
    expect(refreshPeriodSeconds(3600, deployment)).toBe(3600 - 600 - 30);
    expect(refreshPeriodSeconds(86_400, deployment)).toBe(86_400 - 600 - 30);
    // A 300-second token: the lead is half the lifetime, the jitter at most half the lead.
    expect(refreshPeriodSeconds(300, deployment)).toBe(300 - 150 - 30);
  });

  it('one sweep per tick when anything is due (Poisson), then one per ORGS_PER_SWEEP', () => {
    expect(sweepsPerTick(0, 3000)).toBe(0);
    expect(sweepsPerTick(1, 3000)).toBeCloseTo(1 - Math.exp(-1));
    expect(sweepsPerTick(3000, 3000)).toBeCloseTo(1);
    expect(sweepsPerTick(7000, 3000)).toBe(3);
  });

  it('prices the DynamoDB writes as refreshes × write units (plus two lease writes per sweep)', () => {
    const row = costRow(1_000_000, 1, measured, deployment, prices);
    const refreshes = (1_000_000 * SECONDS_PER_MONTH) / 2970;
    expect(row.refreshesPerMonth).toBe(Math.round(refreshes));
    const sweeps = row.sweepInvocationsPerMonth;
    const expected = ((refreshes * 4 + sweeps * 2) / 1e6) * prices.dynamodb.writeRequestUnitPerMillion;
    expect(row.linesUsd.dynamodbWrites).toBeCloseTo(expected, 1);
    expect(row.dominant).toBe('dynamodbWrites');
  });

  it('one client per org costs a secret per org: it dominates large fleets', () => {
    const row = costRow(100_000, 24, measured, deployment, prices);
    expect(row.secretsPerOrgClientUsd).toBeGreaterThanOrEqual(100_000 * prices.secretsManager.perSecretMonth);
    expect(row.dominantWithPerOrgClients).toBe('secretsManager');
    expect(row.totalWithPerOrgClientsUsd).toBeGreaterThan(row.totalUsd);
  });

  it('a small fleet is mostly the fixed lines (metrics, alarms, keys)', () => {
    const row = costRow(1_000, 24, measured, deployment, prices);
    expect(['cloudwatchMetricsAlarms', 'kms']).toContain(row.dominant);
  });

  it('cost per million refreshes: the parts that grow with refreshes', () => {
    const perMillion = costPerMillionRefreshes(measured, deployment, prices);
    const writes = 4 * prices.dynamodb.writeRequestUnitPerMillion;
    expect(perMillion).toBeGreaterThan(writes);
    expect(perMillion).toBeLessThan(writes * 2);
  });

  it('an on-demand refresh: one Lambda request and its GB-seconds, its units, its log bytes (linesUsd per million)', () => {
    const cost = onDemandRefreshCost(
      { lambdaRequests: 1, lambdaSeconds: 0.5, memoryMb: 512, readUnits: 3, writeUnits: 4, logBytes: 2_000 },
      prices,
    );
    const lambda = prices.lambda.requestsPerMillion + 0.5 * 0.5 * prices.lambda.arm64PerGbSecond * 1e6;
    const dynamodb = 3 * prices.dynamodb.readRequestUnitPerMillion + 4 * prices.dynamodb.writeRequestUnitPerMillion;
    const logs = 2_000e-3 * (prices.cloudwatch.logIngestionPerGb + prices.cloudwatch.logStoragePerGbMonth);
    expect(cost.linesUsd.lambda).toBeCloseTo(lambda, 3);
    expect(cost.linesUsd.dynamodb).toBeCloseTo(dynamodb, 3);
    expect(cost.linesUsd.cloudwatchLogs).toBeCloseTo(logs, 3);
    expect(cost.perMillionUsd).toBeCloseTo(lambda + dynamodb + logs, 1);
  });

  it('capacity: the lower of the latency bound and the CPU bound, times the refresh period', () => {
    const rate = sweepRefreshesPerSecond({
      concurrency: 16,
      latencyMs: 250,
      ratio: 0.95,
      cpuMsPerRefresh: 2,
      workerMemoryMb: 512,
    });
    expect(rate).toEqual({ latencyBound: 60.8, cpuBound: 144.7, rate: 60.8 });
    const cpuBound = sweepRefreshesPerSecond({
      concurrency: 16,
      latencyMs: 250,
      ratio: 1,
      cpuMsPerRefresh: 6,
      workerMemoryMb: 512,
    });
    expect(cpuBound.rate).toBe(cpuBound.cpuBound);
    expect(largestFleet(60, 1, deployment)).toBe(60 * 2970);
    expect(sweepsNeeded(1_000_000, 60, 1, deployment)).toBe(Math.ceil(1_000_000 / (60 * 2970)));
  });
});
