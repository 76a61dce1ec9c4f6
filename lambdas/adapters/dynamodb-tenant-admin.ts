// The operator's writes to the token table: onboard, list, show, disable, enable, re-authorise. Every write is
// conditional (a new org must not exist; a change must see the version it read and no live lease), so an operator
// can never overwrite a refresher's commit or pull a refresh token out from under a refresh in flight. Reads that
// are not about tokens use a projection without them, so listing a thousand tenants never loads a single token.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newOrgRecord } from '../core/new-org-record.js';
import { type LastError, type OrgSettings, RecordStatus, type RecordStatusValue } from '../core/record.js';
import { fingerprint } from '../core/redact.js';
import { dueShardFor } from '../core/shard.js';
import { isOrgKey, TABLE_SCHEMA } from '../table-schema.js';

/** Everything an operator may see about an org. No token attribute is in this list, on purpose. */
export const SUMMARY_ATTRIBUTES = [
  TABLE_SCHEMA.partitionKey,
  'provider',
  'grantType',
  'region',
  'subdomain',
  'tokenUrl',
  'clientAuth',
  'orgParam',
  'scope',
  'requiresOfflineAccess',
  'clientSecretId',
  'tokenType',
  'status',
  'version',
  'expiresAt',
  'refreshAt',
  'dueShard',
  'leaseOwner',
  'leaseUntil',
  'lastRefreshedAt',
  'consecutiveFailures',
  'lastError',
  'attention',
  'rotationAtRisk',
] as const;

const TOKEN_ATTRIBUTES = ['accessToken', 'refreshToken'] as const;

export interface TenantSummary extends OrgSettings {
  tokenType?: string;
  status: RecordStatusValue;
  version: number;
  expiresAt?: number;
  refreshAt?: number;
  dueShard?: number;
  leaseOwner?: string;
  leaseUntil?: number;
  lastRefreshedAt?: number;
  consecutiveFailures: number;
  lastError?: LastError;
  attention?: string;
  rotationAtRisk?: boolean;
}

export interface TenantDetails {
  summary: TenantSummary;
  /** `sha256:…` of the stored tokens, so an operator can compare without ever seeing one. */
  accessTokenFingerprint: string | undefined;
  refreshTokenFingerprint: string | undefined;
}

export type AdminErrorCode = 'NOT_FOUND' | 'EXISTS' | 'LEASED' | 'CONFLICT' | 'WRONG_STATE' | 'NO_REFRESH_TOKEN';

/** An operation the table's current state does not allow. The message says what to do instead. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ChangeResult {
  changed: boolean;
  before: TenantSummary;
  after: TenantSummary | undefined;
}

export interface TenantAdminOptions {
  tableName: string;
  client: DynamoDBDocumentClient;
  /**
   * The deployment's SHARD_COUNT. 1 (the default) puts new and re-authorised orgs in shard 0, which every deployment
   * sweeps whatever its shard count; the refresher moves an org to its own shard at its first commit.
   */
  shardCount?: number;
  now?: () => number;
}

/** Attempts for a change whose version check lost to a concurrent writer (a refresher committing meanwhile). */
const CHANGE_ATTEMPTS = 3;

const names = (attributes: readonly string[]) =>
  Object.fromEntries(attributes.map((a) => [`#${a}`, a])) as Record<string, string>;

export class TenantAdmin {
  readonly #table: string;
  readonly #doc: DynamoDBDocumentClient;
  readonly #shardCount: number;
  readonly #now: () => number;

  constructor(options: TenantAdminOptions) {
    this.#table = options.tableName;
    this.#doc = options.client;
    this.#shardCount = options.shardCount ?? 1;
    this.#now = options.now ?? Date.now;
  }

  /** Onboards an org: ACTIVE, due now, version 0. Fails with EXISTS rather than overwrite anything. */
  async add(settings: OrgSettings, refreshToken: string | undefined): Promise<TenantSummary> {
    if (settings.grantType === 'refresh_token' && !refreshToken) {
      throw new AdminError(
        'NO_REFRESH_TOKEN',
        `org ${settings.orgId} uses refresh_token but no refresh token was given`,
      );
    }
    const item = newOrgRecord(settings, { refreshToken }, { refreshAt: this.#now(), shardCount: this.#shardCount });
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#orgId)',
          ExpressionAttributeNames: { '#orgId': TABLE_SCHEMA.partitionKey },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        const existing = await this.summary(settings.orgId);
        throw new AdminError(
          'EXISTS',
          `org ${settings.orgId} already exists (status ${existing?.status ?? 'unknown'}): to store a new grant use ` +
            '`tenants reauth`; to change its settings, remove and add it again',
        );
      }
      throw err;
    }
    const { refreshToken: _dropped, ...summary } = item;
    return summary as unknown as TenantSummary;
  }

  /** Every org, without tokens (a paginated Scan with a projection), sorted by org id. */
  async list(): Promise<TenantSummary[]> {
    const out: TenantSummary[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc.send(
        new ScanCommand({
          TableName: this.#table,
          ProjectionExpression: SUMMARY_ATTRIBUTES.map((a) => `#${a}`).join(', '),
          ExpressionAttributeNames: names(SUMMARY_ATTRIBUTES),
          ExclusiveStartKey: startKey,
        }),
      );
      // The fan-out's coordination items (keys `#…`, no org can have one) are not tenants.
      for (const item of page.Items ?? []) if (isOrgKey(item.orgId)) out.push(toSummary(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out.sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : 0));
  }

  /** One org without tokens (consistent read), or undefined. */
  async summary(orgId: string): Promise<TenantSummary | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: orgId },
        ConsistentRead: true,
        ProjectionExpression: SUMMARY_ATTRIBUTES.map((a) => `#${a}`).join(', '),
        ExpressionAttributeNames: names(SUMMARY_ATTRIBUTES),
      }),
    );
    return out.Item ? toSummary(out.Item) : undefined;
  }

  /** One org with fingerprints of its tokens; the token values never leave this function. */
  async details(orgId: string): Promise<TenantDetails | undefined> {
    const attributes = [...SUMMARY_ATTRIBUTES, ...TOKEN_ATTRIBUTES];
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: orgId },
        ConsistentRead: true,
        ProjectionExpression: attributes.map((a) => `#${a}`).join(', '),
        ExpressionAttributeNames: names(attributes),
      }),
    );
    if (!out.Item) return undefined;
    const { accessToken, refreshToken } = out.Item;
    return {
      summary: toSummary(out.Item),
      accessTokenFingerprint: typeof accessToken === 'string' ? await fingerprint(accessToken) : undefined,
      refreshTokenFingerprint: typeof refreshToken === 'string' ? await fingerprint(refreshToken) : undefined,
    };
  }

  /** Stops refreshing an org (it leaves the due index); its grant is kept so `enable` can resume. */
  async disable(orgId: string): Promise<ChangeResult> {
    return this.#change(orgId, (before) => {
      if (before.status === RecordStatus.Disabled) return undefined;
      return {
        set: { status: RecordStatus.Disabled },
        // An operator chose this: it is no longer an org that needs attention.
        remove: ['dueShard', 'attention'],
      };
    });
  }

  /** Resumes a DISABLED org: back in the due index, due now. */
  async enable(orgId: string): Promise<ChangeResult> {
    return this.#change(orgId, (before) => {
      if (before.status === RecordStatus.Active) return undefined;
      if (before.status === RecordStatus.ReauthRequired) {
        throw new AdminError(
          'WRONG_STATE',
          `org ${orgId} is REAUTH_REQUIRED, not DISABLED: its grant is dead, so enabling cannot help; after the ` +
            'customer re-authorises, store the new grant with `tenants reauth`',
        );
      }
      return {
        set: { status: RecordStatus.Active, refreshAt: this.#now(), dueShard: dueShardFor(orgId, this.#shardCount) },
        remove: [],
        // An ACTIVE refresh_token record without a refresh token is invalid: the grant must come back via reauth.
        needsRefreshToken: before.grantType === 'refresh_token',
      };
    });
  }

  /**
   * Stores a new grant after the customer re-authorised: ACTIVE, due now, failures and attention cleared. The old
   * grant's access token goes too (it belongs to the grant that died); the next refresh issues a new one.
   */
  async reauth(orgId: string, refreshToken: string | undefined): Promise<ChangeResult> {
    return this.#change(orgId, (before) => {
      if (before.grantType === 'refresh_token' && !refreshToken) {
        throw new AdminError('NO_REFRESH_TOKEN', `org ${orgId} uses refresh_token: reauth needs the new refresh token`);
      }
      if (before.grantType === 'client_credentials' && refreshToken) {
        throw new AdminError(
          'WRONG_STATE',
          `org ${orgId} uses client_credentials, which has no refresh token: run reauth without one`,
        );
      }
      return {
        set: {
          status: RecordStatus.Active,
          refreshAt: this.#now(),
          dueShard: dueShardFor(orgId, this.#shardCount),
          consecutiveFailures: 0,
          ...(refreshToken ? { refreshToken } : {}),
        },
        remove: [
          'attention',
          'lastError',
          'rotationAtRisk',
          'leaseOwner',
          'leaseUntil',
          'accessToken',
          'expiresAt',
          'tokenType',
        ],
      };
    });
  }

  /**
   * Read (without tokens), decide, write conditionally on the version read and on no live lease; a lost version
   * check (a refresher committed meanwhile) is re-read and re-decided.
   */
  async #change(
    orgId: string,
    decide: (
      before: TenantSummary,
    ) => { set: Record<string, unknown>; remove: string[]; needsRefreshToken?: boolean } | undefined,
  ): Promise<ChangeResult> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.summary(orgId);
      if (!before) throw new AdminError('NOT_FOUND', `no org ${orgId} in table ${this.#table}`);
      const now = this.#now();
      if (typeof before.leaseUntil === 'number' && before.leaseUntil >= now) {
        throw new AdminError(
          'LEASED',
          `a refresher holds org ${orgId} until ${new Date(before.leaseUntil).toISOString()}: try again in ` +
            `${Math.ceil((before.leaseUntil - now) / 1000)} s`,
        );
      }
      const change = decide(before);
      if (!change) return { changed: false, before, after: before };
      const set = { ...change.set, version: before.version + 1 };
      const conditions = ['#version = :expectedVersion', '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)'];
      const attributeNames = names([...Object.keys(set), ...change.remove, 'version', 'leaseUntil']);
      const values: Record<string, unknown> = { ':expectedVersion': before.version, ':now': now };
      if (change.needsRefreshToken) {
        conditions.push('attribute_exists(#refreshToken)');
        attributeNames['#refreshToken'] = 'refreshToken';
      }
      for (const [k, v] of Object.entries(set)) values[`:${k}`] = v;
      const setClause = `SET ${Object.keys(set)
        .map((k) => `#${k} = :${k}`)
        .join(', ')}`;
      const removeClause = change.remove.length > 0 ? ` REMOVE ${change.remove.map((a) => `#${a}`).join(', ')}` : '';
      const update = setClause + removeClause;
      try {
        await this.#doc.send(
          new UpdateCommand({
            TableName: this.#table,
            Key: { [TABLE_SCHEMA.partitionKey]: orgId },
            UpdateExpression: update,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: attributeNames,
            ExpressionAttributeValues: values,
            // Not ALL_OLD on failure: that would bring the tokens back. A failure is explained by a projected re-read.
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const now2 = await this.summary(orgId);
        if (now2 && now2.version === before.version && change.needsRefreshToken) {
          throw new AdminError(
            'NO_REFRESH_TOKEN',
            `org ${orgId} has no refresh token (its grant died before it was disabled): after the customer ` +
              're-authorises, use `tenants reauth`',
          );
        }
        if (attempt >= CHANGE_ATTEMPTS) {
          throw new AdminError('CONFLICT', `org ${orgId} kept changing under this command (a refresher?): try again`);
        }
        continue;
      }
      return { changed: true, before, after: await this.summary(orgId) };
    }
  }
}

function toSummary(item: Record<string, unknown>): TenantSummary {
  // Defensive: even if a caller widened a projection, a token never enters a summary.
  const { accessToken: _a, refreshToken: _r, ...rest } = item;
  return {
    ...(rest as unknown as TenantSummary),
    consecutiveFailures: typeof rest.consecutiveFailures === 'number' ? rest.consecutiveFailures : 0,
  };
}
