// A stand-in for a DynamoDB global table with multi-Region strong consistency (docs/regions.md), in front of one
// DynamoDB Local table. DynamoDB Local is linearizable per item, as an MRSC table is; what it lacks is what a Region
// sees of the other two, and this adds it on each Region's client:
// - latency: every write and every strongly consistent read waits a cross-Region round trip (on the simulated clock);
// - replicated write conflicts: a write that reaches an item while another Region's write to it is still in flight
//   is refused with ReplicatedWriteConflictException (HTTP 400, nothing applied), and a small share of all writes is
//   refused that way at random (seeded), so every write path meets one;
// - a Region cut off from the quorum: its writes and strongly consistent reads are refused (a server error; the
//   eventually consistent reads of its own replica, the index queries, still answer);
// - a Region lost: from a chosen moment (its next org claim, say) everything it sends hangs — its execution
//   environments are dead, and its own CloudWatch with them.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { simulatedClock } from '../virtual-time.js';

export interface MrscOptions {
  /** One-way cost of reaching the quorum, added to every write and strongly consistent read. */
  crossRegionMs: number;
  /** Share of writes refused with a replicated write conflict at random (besides the real ones). */
  injectedConflictRate: number;
  random: () => number;
}

/** What the stand-in did, per Region: the report's figures. */
export interface MrscStats {
  writes: number;
  consistentReads: number;
  /** Writes refused because another Region's write to the item was in flight. */
  conflicts: number;
  /** Writes refused at random. */
  injectedConflicts: number;
  /** Writes and consistent reads refused while cut off from the quorum. */
  refusedCutOff: number;
}

const WRITES = new Set(['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand']);
const never = <T>() => new Promise<T>(() => {});

function errorResponse(status: number, type: string, message: string) {
  return {
    response: {
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
      body: new TextEncoder().encode(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message })),
    },
    output: undefined,
  } as never;
}

export class MrscStandIn {
  readonly stats = new Map<string, MrscStats>();
  /** Regions cut off from the quorum. */
  readonly cutOff = new Set<string>();
  /** Regions lost: whatever they send hangs. */
  readonly lost = new Set<string>();
  /** Writes in flight, by item key: the Region writing it. */
  readonly #inFlight = new Map<string, string>();
  /** A Region to lose right after its next org claim lands (mid-sweep), and what to do then. */
  #loseOnClaim: { region: string; then: () => void } | undefined;

  constructor(readonly options: MrscOptions) {}

  statsOf(region: string): MrscStats {
    let s = this.stats.get(region);
    if (!s) {
      s = { writes: 0, consistentReads: 0, conflicts: 0, injectedConflicts: 0, refusedCutOff: 0 };
      this.stats.set(region, s);
    }
    return s;
  }

  /** Loses `region` right after its next org claim lands: it holds that org's lease and its sweep leases. */
  loseAfterNextClaim(region: string, then: () => void): void {
    this.#loseOnClaim = { region, then };
  }

  /** One Region's client, as that Region reaches the global table. */
  install(client: DynamoDBClient, region: string): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.lost.has(region)) return never();
        const command = (context as { commandName?: string }).commandName ?? '';
        const input = args.input as {
          Key?: { orgId?: { S?: string } };
          Item?: { orgId?: { S?: string } };
          ConsistentRead?: boolean;
          UpdateExpression?: string;
          RequestItems?: Record<string, { ConsistentRead?: boolean }>;
        };
        const stats = this.statsOf(region);
        const write = WRITES.has(command);
        const consistent =
          input.ConsistentRead === true ||
          Object.values(input.RequestItems ?? {}).some((r) => r.ConsistentRead === true);
        if (!write && !consistent) return next(args);
        if (this.cutOff.has(region)) {
          stats.refusedCutOff++;
          return errorResponse(500, 'InternalServerError', 'this Region cannot reach the quorum of the global table');
        }
        if (!write) {
          stats.consistentReads++;
          await simulatedClock.sleep(this.options.crossRegionMs);
          return next(args);
        }
        stats.writes++;
        const key = input.Key?.orgId?.S ?? input.Item?.orgId?.S ?? '';
        const busy = this.#inFlight.get(key);
        if (busy !== undefined && busy !== region) {
          stats.conflicts++;
          return errorResponse(
            400,
            'ReplicatedWriteConflictException',
            'being modified by a request in another Region',
          );
        }
        if (this.options.random() < this.options.injectedConflictRate) {
          stats.injectedConflicts++;
          return errorResponse(
            400,
            'ReplicatedWriteConflictException',
            'being modified by a request in another Region',
          );
        }
        this.#inFlight.set(key, region);
        try {
          await simulatedClock.sleep(this.options.crossRegionMs);
          const out = await next(args);
          const armed = this.#loseOnClaim;
          if (armed?.region === region && /SET #leaseOwner = :owner/.test(input.UpdateExpression ?? '')) {
            this.#loseOnClaim = undefined;
            this.lost.add(region);
            armed.then();
            return never();
          }
          return out;
        } finally {
          if (this.#inFlight.get(key) === region) this.#inFlight.delete(key);
        }
      },
      { step: 'deserialize', priority: 'low', name: 'mrscStandIn' },
    );
  }
}
