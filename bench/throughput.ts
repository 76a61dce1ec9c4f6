// Throughput against the physical limit: for each (concurrency, latency) point, seed a table whose orgs are all due,
// run one scheduled invocation of the real handler, and divide refreshes per second by `concurrency / latency`.
import { createTokenTable, deleteTokenTable } from '../local/dynamodb-local.js';
import { benchDynamoDb, seedOrgs } from './dynamodb.js';
import { BENCH_SECRET_ID, type HandlerRig } from './invoke.js';
import { idealPerSecond, round, throughputRatio } from './stats.js';
import type { BenchTokenEndpoint } from './token-endpoint.js';

export interface ThroughputPoint {
  concurrency: number;
  latencyMs: number;
  orgs: number;
  idealPerSecond: number;
  refreshed: number;
  failed: number;
  wallMs: number;
  perSecond: number;
  ratio: number;
  cpuMsPerRefresh: number;
  ddbRequestsPerRefresh: number;
  /** Mean SDK call time of the claim/commit (UpdateItem) and the due query: where a slot's time goes besides HTTP. */
  updateItemMeanMs: number;
  queryMeanMs: number;
  /** Time from invocation start to the first claim: the sweep's read-everything-first phase. */
  firstClaimMs: number;
  /** Before the first token request (due query, first claims) and after the last (last commits). */
  startupMs: number;
  tailMs: number;
  /** How busy the exchange slots were between the first request and the last: 1 = never idle. */
  slotBusyShare: number;
  /** Mean token request time as the refresher saw it (endpoint latency + HTTP on loopback). */
  requestMs: number;
  /** The token endpoint's own mean hold time (configured latency + its timer slack). */
  endpointHoldMs: number;
  endpointInvalidGrant: number;
}

/** Org ids must be new to the token endpoint (it remembers every org's rotation for the whole bench). */
let pointSerial = 0;

export async function measurePoint(
  rig: HandlerRig,
  ddbEndpoint: string,
  endpoint: BenchTokenEndpoint,
  point: { concurrency: number; latencyMs: number; orgs: number },
): Promise<ThroughputPoint> {
  const { client, doc } = benchDynamoDb(ddbEndpoint);
  const table = `bench-tp-c${point.concurrency}-l${point.latencyMs}-${Date.now()}`;
  await createTokenTable(client, table);
  try {
    await seedOrgs(doc, {
      table,
      tokenUrl: endpoint.tokenUrl,
      clientSecretId: BENCH_SECRET_ID,
      shardCount: 4,
      prefix: `tp${++pointSerial}`,
      count: point.orgs,
      due: point.orgs,
      now: Date.now(),
    });
    await endpoint.configure(point.latencyMs);
    const result = await rig.sweep(table, point.concurrency);
    const stats = await endpoint.stats();
    const refreshed = result.summary.refreshed;
    return {
      concurrency: point.concurrency,
      latencyMs: point.latencyMs,
      orgs: point.orgs,
      idealPerSecond: round(idealPerSecond(point.concurrency, point.latencyMs), 1),
      refreshed,
      failed: result.summary.failedTotal,
      wallMs: round(result.wallMs, 0),
      perSecond: round(refreshed / (result.wallMs / 1000), 1),
      ratio: round(throughputRatio(refreshed, result.wallMs, point.concurrency, point.latencyMs), 3),
      cpuMsPerRefresh: round(result.cpuMs / Math.max(1, refreshed), 2),
      ddbRequestsPerRefresh: round(result.ddbRequests / Math.max(1, refreshed), 3),
      updateItemMeanMs: round(result.ddbMeanMs.UpdateItemCommand ?? 0, 1),
      queryMeanMs: round(result.ddbMeanMs.QueryCommand ?? 0, 1),
      firstClaimMs: round(result.firstClaimMs ?? 0, 0),
      startupMs: round(result.timeline.startupMs, 0),
      tailMs: round(result.timeline.tailMs, 0),
      slotBusyShare: round(result.timeline.slotBusyShare, 3),
      requestMs: round(result.timeline.meanRequestMs, 1),
      endpointHoldMs: round(stats.meanHoldMs, 1),
      endpointInvalidGrant: stats.invalidGrant,
    };
  } finally {
    await deleteTokenTable(client, table);
    client.destroy();
  }
}
