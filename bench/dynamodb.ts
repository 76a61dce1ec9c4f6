// DynamoDB Local for the bench: a client that counts every request, bulk seeding with BatchWriteItem, and the probe
// that measures how many conditional UpdateItem/s the local engine sustains on this machine.
import http from 'node:http';
import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-token-store.js';
import { newOrgRecord } from '../lambdas/core/new-org-record.js';
import { createTokenTable, deleteTokenTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.js';
import { seedRefreshToken } from './token-endpoint.js';

const READ_OPERATIONS = new Set(['queryDue', 'attentionCounts', 'get']);

/** Requests per operation name, as the SDK sent them (retries of one command count once). */
export class RequestCounter {
  readonly byCommand: Record<string, number> = {};
  readonly capacityByOperation: Record<string, { requests: number; read: number; write: number }> = {};

  get total(): number {
    return Object.values(this.byCommand).reduce((a, b) => a + b, 0);
  }

  /** The store's onCapacity observer: ConsumedCapacity per store operation. */
  readonly onCapacity = (operation: string, capacity: ConsumedCapacity | undefined): void => {
    const entry = this.capacityByOperation[operation] ?? { requests: 0, read: 0, write: 0 };
    this.capacityByOperation[operation] = entry;
    entry.requests++;
    // Reads (queries, GetItem) consume read units, every update consumes write units; TOTAL reports them as one sum.
    const units = capacity?.CapacityUnits ?? 0;
    if (READ_OPERATIONS.has(operation)) entry.read += units;
    else entry.write += units;
  };

  get readUnits(): number {
    return Object.values(this.capacityByOperation).reduce((a, b) => a + b.read, 0);
  }

  get writeUnits(): number {
    return Object.values(this.capacityByOperation).reduce((a, b) => a + b.write, 0);
  }

  reset(): void {
    for (const key of Object.keys(this.byCommand)) delete this.byCommand[key];
    for (const key of Object.keys(this.capacityByOperation)) delete this.capacityByOperation[key];
  }
}

/**
 * A DynamoDB client for DynamoDB Local with the SDK's defaults (what the Lambda gets), plus a counter of every command.
 * `maxSockets` only for the probes, which need more in flight than the refresher ever has.
 */
export function benchDynamoDb(
  endpoint: string,
  counter?: RequestCounter,
  maxSockets?: number,
): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...(maxSockets ? { requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets }) } } : {}),
  });
  if (counter) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName ?? 'unknown');
        counter.byCommand[name] = (counter.byCommand[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
  }
  return { client, doc: createDocumentClient(client) };
}

export interface SeedSpec {
  table: string;
  tokenUrl: string;
  clientSecretId: string;
  shardCount: number;
  /** Org ids are `<prefix>-<n>`. */
  prefix: string;
  count: number;
  /** How many of them are due now (the first `due`); the rest become due in an hour. */
  due: number;
  now: number;
  /** The stored access token's size: a JWT of this many bytes; default an opaque ~100-byte token. */
  accessTokenBytes?: number;
}

/** A record as the onboarding CLI writes it, with tokens of realistic size (opaque, ~100 characters). */
export function seedItem(spec: SeedSpec, n: number): Record<string, unknown> {
  const orgId = `${spec.prefix}-${String(n).padStart(6, '0')}`;
  const refreshAt = n < spec.due ? spec.now - 60_000 + (n % 1000) : spec.now + 3_600_000 + n;
  const org = newOrgRecord(
    {
      orgId,
      provider: 'generic',
      grantType: 'refresh_token',
      tokenUrl: spec.tokenUrl,
      clientAuth: 'basic',
      clientSecretId: spec.clientSecretId,
      scope: 'openid offline_access',
    },
    { refreshToken: seedRefreshToken(orgId) },
    { refreshAt, shardCount: spec.shardCount },
  );
  // An org that has been running a while: it holds an access token, due or not yet.
  const accessToken = spec.accessTokenBytes
    ? `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${'x'.repeat(Math.max(8, spec.accessTokenBytes - 37))}`
    : `at.${orgId}.${'x'.repeat(80)}`;
  return { ...org, accessToken, tokenType: 'Bearer', expiresAt: refreshAt + 600_000 };
}

export interface SeedResult {
  items: number;
  requests: number;
  seconds: number;
  itemsPerSecond: number;
}

/** Writes the table with BatchWriteItem, 25 items a request, `parallel` requests in flight; retries unprocessed items. */
export async function seedOrgs(doc: DynamoDBDocumentClient, spec: SeedSpec, parallel = 8): Promise<SeedResult> {
  const started = performance.now();
  const limit = pLimit(parallel);
  let requests = 0;
  const batches: number[][] = [];
  for (let start = 0; start < spec.count; start += 25) {
    batches.push(Array.from({ length: Math.min(25, spec.count - start) }, (_, i) => start + i));
  }
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        let pending = batch.map((n) => ({ PutRequest: { Item: seedItem(spec, n) } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 10) throw new Error('seeding: DynamoDB Local kept items unprocessed');
          if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          requests++;
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [spec.table]: pending } }));
          pending = (out.UnprocessedItems?.[spec.table] ?? []) as typeof pending;
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  return { items: spec.count, requests, seconds, itemsPerSecond: spec.count / seconds };
}

export interface EngineCapacity {
  inFlight: number;
  seconds: number;
  updatesPerSecond: number;
  conditionFailures: number;
}

/**
 * Conditional UpdateItem/s DynamoDB Local sustains at high concurrency: the claim's own shape (version fence, lease
 * condition, ALL_OLD) on items in the due index, each in-flight slot cycling through its own items.
 */
export async function probeEngineCapacity(
  endpoint: string,
  options: { inFlight: number; seconds: number; now: number },
): Promise<EngineCapacity> {
  const { client, doc } = benchDynamoDb(endpoint, undefined, options.inFlight);
  const table = `bench-capacity-${Date.now()}`;
  await createTokenTable(client, table);
  try {
    const perSlot = 4;
    const spec: SeedSpec = {
      table,
      tokenUrl: 'http://127.0.0.1:1/oauth/token',
      clientSecretId: 'bench/none',
      shardCount: 4,
      prefix: 'cap',
      count: options.inFlight * perSlot,
      due: options.inFlight * perSlot,
      now: options.now,
    };
    await seedOrgs(doc, spec);
    const versions = new Array<number>(spec.count).fill(0);
    let done = 0;
    let conditionFailures = 0;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.inFlight }, async (_, slot) => {
        for (let i = 0; performance.now() < deadline; i++) {
          const n = slot * perSlot + (i % perSlot);
          const orgId = String(seedItem(spec, n).orgId);
          const version = versions[n] as number;
          try {
            await doc.send(
              new UpdateCommand({
                TableName: table,
                Key: { orgId },
                UpdateExpression: 'SET #leaseOwner = :owner, #leaseUntil = :until, #version = :next',
                ConditionExpression:
                  'attribute_exists(#orgId) AND #version = :v AND #status = :active AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
                ExpressionAttributeNames: {
                  '#orgId': 'orgId',
                  '#leaseOwner': 'leaseOwner',
                  '#leaseUntil': 'leaseUntil',
                  '#version': 'version',
                  '#status': 'status',
                },
                ExpressionAttributeValues: {
                  ':owner': `slot-${slot}`,
                  // Already expired, so the next claim of the same item passes the lease condition.
                  ':until': 0,
                  ':next': version + 1,
                  ':v': version,
                  ':active': 'ACTIVE',
                  ':now': Date.now(),
                },
                ReturnValues: 'ALL_OLD',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              }),
            );
            versions[n] = version + 1;
            done++;
          } catch {
            conditionFailures++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { inFlight: options.inFlight, seconds, updatesPerSecond: done / seconds, conditionFailures };
  } finally {
    await deleteTokenTable(client, table);
    client.destroy();
  }
}
