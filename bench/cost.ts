// Cost growth: tables of increasing size with 1 % of the orgs due; one scheduled invocation each; DynamoDB capacity
// units (ReturnConsumedCapacity, through the store's onCapacity observer) and requests per refreshed org.
import { createTokenTable, deleteTokenTable } from '../local/dynamodb-local.js';
import { benchDynamoDb, type SeedResult, seedOrgs } from './dynamodb.js';
import { BENCH_SECRET_ID, type HandlerRig } from './invoke.js';
import { round } from './stats.js';
import type { BenchTokenEndpoint } from './token-endpoint.js';

export interface CostPoint {
  orgs: number;
  due: number;
  refreshed: number;
  failed: number;
  seed: { seconds: number; itemsPerSecond: number; batchRequests: number };
  readUnits: number;
  writeUnits: number;
  readUnitsPerRefresh: number;
  writeUnitsPerRefresh: number;
  requests: number;
  requestsPerRefresh: number;
  requestsByCommand: Record<string, number>;
  capacityByOperation: Record<string, { requests: number; read: number; write: number }>;
  sweepMs: number;
  firstClaimMs: number;
}

export async function measureCost(
  rig: HandlerRig,
  ddbEndpoint: string,
  endpoint: BenchTokenEndpoint,
  options: { orgs: number; dueFraction: number; concurrency: number; latencyMs: number },
  progress: (line: string) => void,
): Promise<CostPoint> {
  const { client, doc } = benchDynamoDb(ddbEndpoint);
  const table = `bench-cost-${options.orgs}-${Date.now()}`;
  await createTokenTable(client, table);
  try {
    const due = Math.round(options.orgs * options.dueFraction);
    const seed: SeedResult = await seedOrgs(
      doc,
      {
        table,
        tokenUrl: endpoint.tokenUrl,
        clientSecretId: BENCH_SECRET_ID,
        shardCount: 4,
        prefix: `cost${options.orgs}`,
        count: options.orgs,
        due,
        now: Date.now(),
      },
      16,
    );
    progress(
      `  seeded ${options.orgs} orgs in ${seed.seconds.toFixed(1)} s (${Math.round(seed.itemsPerSecond)} items/s, ${seed.requests} BatchWriteItem)`,
    );
    await endpoint.configure(options.latencyMs);
    const result = await rig.sweep(table, options.concurrency);
    const refreshed = result.summary.refreshed;
    const per = (v: number) => round(v / Math.max(1, refreshed), 4);
    return {
      orgs: options.orgs,
      due,
      refreshed,
      failed: result.summary.failedTotal,
      seed: {
        seconds: round(seed.seconds, 1),
        itemsPerSecond: round(seed.itemsPerSecond, 0),
        batchRequests: seed.requests,
      },
      readUnits: round(result.readUnits, 2),
      writeUnits: round(result.writeUnits, 2),
      readUnitsPerRefresh: per(result.readUnits),
      writeUnitsPerRefresh: per(result.writeUnits),
      requests: result.ddbRequests,
      requestsPerRefresh: per(result.ddbRequests),
      requestsByCommand: result.ddbByCommand,
      capacityByOperation: result.capacityByOperation,
      sweepMs: round(result.wallMs, 0),
      firstClaimMs: round(result.firstClaimMs ?? 0, 0),
    };
  } finally {
    await deleteTokenTable(client, table);
    client.destroy();
  }
}
