// AWS's time, for the CLI's writes. A change to an org is conditioned on "no live lease" (leaseUntil < now) and
// stamps refreshAt, statusSince and grantIssuedAt; with the laptop's clock, a laptop ten minutes fast would take over
// a refresher's live lease, and one ten minutes slow would refuse for minutes and stamp a grant the grant intake then
// calls newer than the hosted app's. So every such time is AWS's: the `Date` header of the CLI's DynamoDB responses,
// carried forward by a monotonic clock (which no wall-clock setting moves). The header has whole seconds and is
// written before the answer reaches us, so this is a lower bound of AWS's time: a lease it calls expired has expired.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** No DynamoDB answer carried a Date header yet: the CLI writes nothing rather than fall back to the laptop's clock. */
export class AwsTimeUnknownError extends Error {
  override readonly name = 'AwsTimeUnknownError';
  readonly code = 'AWS_TIME_UNKNOWN';
  constructor() {
    super(
      "AWS's time is not known (no DynamoDB answer carried a Date header): nothing was written; the CLI never " +
        "decides about a refresher's lease by this machine's clock [AWS_TIME_UNKNOWN]",
    );
  }
}

export class AwsClock {
  #seen: { awsMs: number; atMono: number } | undefined;

  constructor(private readonly monotonic: () => number = () => performance.now()) {}

  /** A response's Date header (RFC 7231: whole seconds); ignored when absent or unreadable. */
  observe(dateHeader: string | undefined): void {
    const awsMs = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
    if (!Number.isFinite(awsMs)) return;
    // Each observation is a lower bound; the later header may still be behind the earlier one carried forward.
    if (this.#seen && this.#carried(this.#seen) >= awsMs) return;
    this.#seen = { awsMs, atMono: this.monotonic() };
  }

  get known(): boolean {
    return this.#seen !== undefined;
  }

  /** AWS's epoch ms now (a lower bound); throws AwsTimeUnknownError before any answer carried a Date. */
  now(): number {
    if (!this.#seen) throw new AwsTimeUnknownError();
    return this.#carried(this.#seen);
  }

  #carried(seen: { awsMs: number; atMono: number }): number {
    return Math.floor(seen.awsMs + Math.max(0, this.monotonic() - seen.atMono));
  }
}

const clocks = new WeakMap<DynamoDBClient, AwsClock>();

function dateOf(response: unknown): string | undefined {
  const headers = (response as { headers?: Record<string, string | undefined> } | undefined)?.headers;
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'date');
  return key === undefined ? undefined : headers[key];
}

/**
 * The AWS clock of this client: a middleware (added once per client) reads the Date header of every DynamoDB answer,
 * each retried attempt and every error answer (a failed condition) included.
 */
export function awsClockOf(client: DynamoDBClient): AwsClock {
  const existing = clocks.get(client);
  if (existing) return existing;
  const clock = new AwsClock();
  clocks.set(client, clock);
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        const out = await next(args);
        clock.observe(dateOf(out.response));
        return out;
      } catch (err) {
        clock.observe(dateOf((err as { $response?: unknown })?.$response));
        throw err;
      }
    },
    // Outermost in the deserialize step: the raw HTTP answer, once per attempt.
    { step: 'deserialize', name: 'tenantTokensAwsClock', priority: 'high' },
  );
  return clock;
}
