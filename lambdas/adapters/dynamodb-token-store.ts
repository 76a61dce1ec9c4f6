// The TokenStore on DynamoDB. It only marshals and issues conditional writes; every decision lives in the core.
// Conditions are built from named parts, and a failed condition comes back with the item as it is now (ALL_OLD),
// so the caller learns why without a second read.
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../core/errors.js';
import type {
  AttentionCounts,
  ClaimRequest,
  CommitRequest,
  DueCandidate,
  DuePage,
  MarkReauthRequest,
  ReleaseRequest,
  SalvageRequest,
  TokenStore,
  WriteOptions,
} from '../core/ports.js';
import { Attention, RecordStatus } from '../core/record.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { scanAttentionCounts } from './dynamodb-attention-counts.js';
import { createDocumentClient } from './dynamodb-client.js';
import {
  type CapacityObserver,
  ConditionalWriter,
  type Landed,
  RETRIED_WRITE_LANDED,
} from './dynamodb-conditional-writer.js';

// Where the Lambdas' (and the tests') DynamoDB clients have always come from.
export { createDocumentClient, createDynamoDbClient, DYNAMODB_TIMEOUTS } from './dynamodb-client.js';
export type { CapacityObserver };

/** Named condition parts. Placeholders: #n for names, :v for values (see `names` and `conditionValues`). */
const cond = {
  exists: 'attribute_exists(#orgId)',
  versionMatches: '#version = :expectedVersion',
  isActive: '#status = :active',
  leaseFree: '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
  heldByMe: '#leaseOwner = :owner',
  forcedLongAgo: '(attribute_not_exists(#forcedRefreshAt) OR #forcedRefreshAt < :forcedBefore)',
} as const;
const all = (...parts: string[]) => parts.join(' AND ');

const names = {
  '#orgId': 'orgId',
  '#version': 'version',
  '#status': 'status',
  '#leaseUntil': 'leaseUntil',
  '#leaseOwner': 'leaseOwner',
} as const;

/** Stands for the lease owner before a claim whose own answer was lost (see claim). */
export const UNKNOWN_PREVIOUS_OWNER = '(unknown: the claim was retried after its answer was lost)';

function sameError(stored: unknown, written: { code: string; at: number }): boolean {
  const e = stored as { code?: unknown; at?: unknown } | undefined;
  return e?.code === written.code && e?.at === written.at;
}

export interface DynamoDbTokenStoreOptions {
  tableName: string;
  /** Injected in tests and the bench; built from the standard SDK environment otherwise. */
  client?: DynamoDBDocumentClient;
  /** Receives ReturnConsumedCapacity for every request (the bench's cost figures). */
  onCapacity?: CapacityObserver;
}

export class DynamoDbTokenStore implements TokenStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;
  readonly #writer: ConditionalWriter;

  constructor(options: DynamoDbTokenStoreOptions) {
    this.#table = options.tableName;
    this.#doc = options.client ?? createDocumentClient();
    this.#onCapacity = options.onCapacity;
    this.#writer = new ConditionalWriter(this.#doc, this.#table, this.#onCapacity);
  }

  get #capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  async queryDue(shard: number, now: number, pageKey: Record<string, unknown> | undefined): Promise<DuePage> {
    const { dueIndex } = TABLE_SCHEMA;
    const out = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#shard = :shard AND #refreshAt <= :now',
        ExpressionAttributeNames: { '#shard': dueIndex.partitionKey, '#refreshAt': dueIndex.sortKey },
        ExpressionAttributeValues: { ':shard': shard, ':now': now },
        ExclusiveStartKey: pageKey,
        ...this.#capacity,
      }),
    );
    this.#onCapacity?.('queryDue', out.ConsumedCapacity);
    const items: DueCandidate[] = (out.Items ?? []).map((item) => ({
      orgId: String(item.orgId),
      // A record without a numeric version cannot be claimed; -1 never matches, so the claim fails, returns the item,
      // and the core reports RECORD_INVALID. (Number(undefined) is NaN, which DynamoDB rejects as a value: the org was
      // reported as STORE_UNAVAILABLE, as if DynamoDB were down.)
      version: typeof item.version === 'number' ? item.version : -1,
      refreshAt: Number(item.refreshAt),
      expiresAt: typeof item.expiresAt === 'number' ? item.expiresAt : undefined,
      attention: typeof item.attention === 'string' ? item.attention : undefined,
    }));
    return { items, nextPageKey: out.LastEvaluatedKey };
  }

  async get(orgId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#doc.send(
      new GetCommand({ TableName: this.#table, Key: { orgId }, ConsistentRead: true, ...this.#capacity }),
    );
    this.#onCapacity?.('get', out.ConsumedCapacity);
    return out.Item;
  }

  async claim(req: ClaimRequest): Promise<Record<string, unknown>> {
    const ours: Landed = (current) =>
      current.leaseOwner === req.owner &&
      current.leaseUntil === req.leaseUntil &&
      current.version === req.expectedVersion;
    // An on-demand claim also stamps the org's forced refresh, and only when the last one is old enough: the per-org
    // limit is part of the condition, so it holds however many invocations race for the org.
    const forced = req.forced;
    const out = await this.#writer.update('claim', req.orgId, ours, {
      // Only the lease: the version stays, so the due index (which projects `version`) is not written and a claim
      // costs one table write instead of two (docs/design.md, "Lease: the claim"). The owner, unique per run, fences
      // every later write on its own.
      UpdateExpression: `SET #leaseOwner = :owner, #leaseUntil = :leaseUntil${forced ? ', #forcedRefreshAt = :now' : ''}`,
      ConditionExpression: all(
        cond.exists,
        cond.versionMatches,
        cond.isActive,
        cond.leaseFree,
        ...(forced ? [cond.forcedLongAgo] : []),
      ),
      ExpressionAttributeNames: { ...names, ...(forced ? { '#forcedRefreshAt': 'forcedRefreshAt' } : {}) },
      ExpressionAttributeValues: {
        ':owner': req.owner,
        ':leaseUntil': req.leaseUntil,
        ':expectedVersion': req.expectedVersion,
        ':active': RecordStatus.Active,
        ':now': req.now,
        ...(forced ? { ':forcedBefore': forced.previousBefore } : {}),
      },
      // The record as it was: tells the core whether it took over an abandoned lease (leaseOwner was set).
      ReturnValues: 'ALL_OLD',
    });
    if (!out) throw new ConditionFailedError(req.orgId, 'claim', undefined);
    if (out === RETRIED_WRITE_LANDED) {
      // Our claim landed but its answer (the record before it) was lost. Whether the lease we took was abandoned is
      // unknown, so say it was: the core then treats the refresh token as possibly spent (the careful path).
      const current = await this.get(req.orgId);
      if (!current) throw new ConditionFailedError(req.orgId, 'claim', undefined);
      return { ...current, leaseOwner: UNKNOWN_PREVIOUS_OWNER };
    }
    return out;
  }

  async commit(req: CommitRequest, options: WriteOptions = {}): Promise<void> {
    // undefined leaves an attribute out of SET: a provider that does not rotate sends no refresh token, so the stored
    // one stays valid and stays put (and so does its expiry, which the core then passes back unchanged).
    const set: Record<string, unknown> = {
      accessToken: req.accessToken,
      tokenType: req.tokenType,
      expiresAt: req.expiresAt,
      refreshAt: req.refreshAt,
      dueShard: req.dueShard,
      lastRefreshedAt: req.refreshedAt,
      consecutiveFailures: 0,
      refreshToken: req.refreshToken,
      // The provider's answer, apart from `scope` (the operator's setting, which a commit never writes).
      grantedScope: req.grantedScope,
      refreshTokenExpiresAt: req.refreshTokenExpiresAt,
      // The org works again: any attention goes, except the refresh-token warning the core decided to (re)set.
      attention: req.attention,
    };
    const assigned = Object.keys(set).filter((k) => set[k] !== undefined);
    const remove = ['leaseOwner', 'leaseUntil', 'lastError', 'rotationAtRisk'];
    for (const k of ['refreshTokenExpiresAt', 'attention', 'grantedScope']) if (set[k] === undefined) remove.push(k);
    if (req.removeInvalidScope) remove.push('scope');
    await this.#fencedUpdate('commit', req, {
      update:
        `SET ${[...assigned.map((k) => `#${k} = :${k}`), '#version = :nextVersion'].join(', ')} ` +
        `REMOVE ${remove.map((k) => `#${k}`).join(', ')}`,
      names: Object.fromEntries([...assigned, ...remove].map((k) => [`#${k}`, k])),
      values: Object.fromEntries(assigned.map((k) => [`:${k}`, set[k]])),
      landed: (current) => current.accessToken === req.accessToken,
      timeoutMs: options.timeoutMs,
    });
  }

  async salvage(req: SalvageRequest, options: WriteOptions = {}): Promise<void> {
    await this.#fencedUpdate('commit', req, {
      update:
        'SET #refreshToken = :refreshToken, #refreshAt = :refreshAt, #lastError = :error, ' +
        '#consecutiveFailures = if_not_exists(#consecutiveFailures, :zero) + :one, #version = :nextVersion ' +
        // The salvaged token is a new one: the old one's expiry is not its expiry.
        'REMOVE #leaseOwner, #leaseUntil, #rotationAtRisk, #refreshTokenExpiresAt',
      names: {
        '#refreshToken': 'refreshToken',
        '#refreshAt': 'refreshAt',
        '#lastError': 'lastError',
        '#consecutiveFailures': 'consecutiveFailures',
        '#rotationAtRisk': 'rotationAtRisk',
        '#refreshTokenExpiresAt': 'refreshTokenExpiresAt',
      },
      values: {
        ':refreshToken': req.refreshToken,
        ':refreshAt': req.refreshAt,
        ':error': req.error,
        ':zero': 0,
        ':one': 1,
      },
      landed: (current) => current.refreshToken === req.refreshToken,
      timeoutMs: options.timeoutMs,
    });
  }

  async release(req: ReleaseRequest): Promise<void> {
    const set = ['#refreshAt = :refreshAt', '#version = :nextVersion'];
    const remove = ['#leaseOwner', '#leaseUntil'];
    const extraNames: Record<string, string> = { '#refreshAt': 'refreshAt' };
    const values: Record<string, unknown> = { ':refreshAt': req.refreshAt };
    if (req.error) {
      set.push('#lastError = :error', '#consecutiveFailures = if_not_exists(#consecutiveFailures, :zero) + :one');
      Object.assign(extraNames, { '#lastError': 'lastError', '#consecutiveFailures': 'consecutiveFailures' });
      Object.assign(values, { ':error': req.error, ':zero': 0, ':one': 1 });
    }
    extraNames['#attention'] = 'attention';
    if (req.attention) {
      set.push('#attention = :attention');
      values[':attention'] = req.attention;
    } else {
      remove.push('#attention');
    }
    extraNames['#rotationAtRisk'] = 'rotationAtRisk';
    if (req.rotationAtRisk) {
      set.push('#rotationAtRisk = :true');
      values[':true'] = true;
    } else {
      remove.push('#rotationAtRisk');
    }
    await this.#fencedUpdate('release', req, {
      update: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      names: extraNames,
      values,
      landed: (current) => current.refreshAt === req.refreshAt,
    });
  }

  async markReauth(req: MarkReauthRequest): Promise<void> {
    // Leaving the due index (REMOVE dueShard) is what stops the refresher from retrying a dead grant every tick; the
    // dead refresh token goes too, so nothing can ever send it again. statusSince/statusReason are what a hosted app
    // reads to prompt its customer (reader getStatus).
    await this.#fencedUpdate('markReauth', req, {
      update:
        'SET #status = :reauth, #lastError = :error, #attention = :attention, ' +
        '#statusSince = :since, #statusReason = :reason, ' +
        '#consecutiveFailures = if_not_exists(#consecutiveFailures, :zero) + :one, #version = :nextVersion ' +
        'REMOVE #leaseOwner, #leaseUntil, #dueShard, #refreshAt, #refreshToken, #rotationAtRisk, #refreshTokenExpiresAt',
      names: {
        '#lastError': 'lastError',
        '#attention': 'attention',
        '#statusSince': 'statusSince',
        '#statusReason': 'statusReason',
        '#consecutiveFailures': 'consecutiveFailures',
        '#dueShard': 'dueShard',
        '#refreshAt': 'refreshAt',
        '#refreshToken': 'refreshToken',
        '#rotationAtRisk': 'rotationAtRisk',
        '#refreshTokenExpiresAt': 'refreshTokenExpiresAt',
      },
      values: {
        ':reauth': RecordStatus.ReauthRequired,
        ':error': req.error,
        ':attention': Attention.ReauthRequired,
        ':since': req.error.at,
        ':reason': req.error.code,
        ':zero': 0,
        ':one': 1,
      },
      landed: (current) => current.status === RecordStatus.ReauthRequired && sameError(current.lastError, req.error),
    });
  }

  attentionCounts(): Promise<AttentionCounts> {
    return scanAttentionCounts(this.#doc, this.#table, this.#onCapacity);
  }

  /**
   * A write that only the current lease holder at the claimed version may make: the fence against late writers.
   * `parts.landed` recognises this very write in the item as it is now (see #update); only the holder at
   * claimedVersion can move the item to claimedVersion + 1 without a lease owner.
   */
  async #fencedUpdate(
    operation: 'commit' | 'release' | 'markReauth',
    req: { orgId: string; claimedVersion: number; owner: string },
    parts: {
      update: string;
      names: Record<string, string>;
      values: Record<string, unknown>;
      landed: Landed;
      timeoutMs?: number | undefined;
    },
  ): Promise<void> {
    const ours: Landed = (current) =>
      current.version === req.claimedVersion + 1 && current.leaseOwner === undefined && parts.landed(current);
    const options = { timeoutMs: parts.timeoutMs };
    await this.#writer.update(
      operation,
      req.orgId,
      ours,
      {
        UpdateExpression: parts.update,
        ConditionExpression: all(cond.heldByMe, cond.versionMatches),
        ExpressionAttributeNames: {
          '#leaseOwner': names['#leaseOwner'],
          '#leaseUntil': names['#leaseUntil'],
          '#version': names['#version'],
          ...(parts.update.includes('#status') ? { '#status': names['#status'] } : {}),
          ...parts.names,
        },
        ExpressionAttributeValues: {
          ...parts.values,
          ':owner': req.owner,
          ':expectedVersion': req.claimedVersion,
          ':nextVersion': req.claimedVersion + 1,
        },
      },
      options,
    );
  }
}
