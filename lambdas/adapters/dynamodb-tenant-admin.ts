// The operator's writes to the token table: onboard (one org or an import), list, show, disable, enable,
// re-authorise. Every write is conditional (a new org must not exist; a change must see the version it read and no
// live lease: tenant-change.ts), so an operator can never overwrite a refresher's commit or pull a refresh token out
// from under a refresh in flight. Reads that are not about secrets project them out (tenant-summary.ts).
import { type DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { firstRefreshAt } from '../core/first-refresh-spread.js';
import { CLEARED_BY_A_NEW_GRANT } from '../core/grant-decision.js';
import { newOrgRecord } from '../core/new-org-record.js';
import type { NewOrg } from '../core/onboarding.js';
import { type OrgSettings, RecordStatus } from '../core/record.js';
import { fingerprint } from '../core/redact.js';
import { dueShardFor } from '../core/shard.js';
import { isOrgKey, TABLE_SCHEMA } from '../table-schema.js';
import { changeOrg } from './tenant-change.js';
import { type NewOrgWrite, putNewOrg, putNewOrgs, replaceRemovedOrg } from './tenant-onboarding.js';
import {
  AdminError,
  type ChangeResult,
  projection,
  SECRET_ATTRIBUTES,
  SUMMARY_ATTRIBUTES,
  type TenantDetails,
  type TenantSummary,
  toSummary,
} from './tenant-summary.js';

export type { NewOrgWrite } from './tenant-onboarding.js';
export {
  AdminError,
  type AdminErrorCode,
  type ChangeResult,
  SUMMARY_ATTRIBUTES,
  type TenantDetails,
  type TenantSummary,
} from './tenant-summary.js';

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

/** A new client for an org after it was re-created (an app reinstalled): its own, in the record. */
export interface OwnClient {
  clientId: string;
  clientSecret: string;
}

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

  /**
   * Onboards an org: ACTIVE, due now, version 0. Fails with EXISTS rather than overwrite anything. An org with its
   * own client (settings.clientId) gets its secret from `options.clientSecret`.
   */
  async add(
    settings: OrgSettings,
    refreshToken: string | undefined,
    options: { clientSecret?: string | undefined; app?: string | undefined } = {},
  ): Promise<TenantSummary> {
    if (settings.grantType === 'refresh_token' && !refreshToken) {
      throw new AdminError(
        'NO_REFRESH_TOKEN',
        `org ${settings.orgId} uses refresh_token but no refresh token was given`,
      );
    }
    const now = this.#now();
    const item = newOrgRecord(
      settings,
      { refreshToken, clientSecret: options.clientSecret },
      { refreshAt: now, shardCount: this.#shardCount, since: now },
      { app: options.app },
    );
    if (!(await putNewOrg(this.#doc, this.#table, item))) {
      const existing = await this.summary(settings.orgId);
      // A removed org is onboarded again over its tombstone (its version continues; the grant is issued now, after
      // the removal), if the tombstone is still the one read.
      if (
        existing?.status === RecordStatus.Removed &&
        (await replaceRemovedOrg(this.#doc, this.#table, item, existing))
      ) {
        return toSummary({ ...item, version: existing.version + 1 });
      }
      throw new AdminError(
        'EXISTS',
        `org ${settings.orgId} already exists (status ${existing?.status ?? 'unknown'}): to store a new grant use ` +
          '`tenants reauth`; to change its settings, remove and add it again',
      );
    }
    return toSummary(item);
  }

  /**
   * Onboards many orgs, validated beforehand: each written unless it exists (then "unchanged", never overwritten),
   * their first refreshes spread over a window sized by their number (core/first-refresh-spread.ts).
   */
  async addMany(orgs: readonly NewOrg[]): Promise<NewOrgWrite[]> {
    const now = this.#now();
    const items = orgs.map((org, i) =>
      newOrgRecord(
        org.settings,
        org.grant,
        { refreshAt: firstRefreshAt(i, orgs.length, now), shardCount: this.#shardCount },
        { app: org.app },
      ),
    );
    return putNewOrgs(this.#doc, this.#table, items);
  }

  /** Every org, without secrets (a paginated Scan with a projection), sorted by org id. */
  async list(): Promise<TenantSummary[]> {
    const out: TenantSummary[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc.send(
        new ScanCommand({ TableName: this.#table, ...projection(SUMMARY_ATTRIBUTES), ExclusiveStartKey: startKey }),
      );
      // The fan-out's coordination items (keys `#…`, no org can have one) are not tenants.
      for (const item of page.Items ?? []) if (isOrgKey(item.orgId)) out.push(toSummary(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out.sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : 0));
  }

  /** One org without secrets (consistent read), or undefined. */
  async summary(orgId: string): Promise<TenantSummary | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: orgId },
        ConsistentRead: true,
        ...projection(SUMMARY_ATTRIBUTES),
      }),
    );
    return out.Item ? toSummary(out.Item) : undefined;
  }

  /** One org with fingerprints of its secrets; the secret values never leave this function. */
  async details(orgId: string): Promise<TenantDetails | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: orgId },
        ConsistentRead: true,
        ...projection([...SUMMARY_ATTRIBUTES, ...SECRET_ATTRIBUTES]),
      }),
    );
    if (!out.Item) return undefined;
    const print = async (value: unknown) => (typeof value === 'string' ? await fingerprint(value) : undefined);
    return {
      summary: toSummary(out.Item),
      accessTokenFingerprint: await print(out.Item.accessToken),
      refreshTokenFingerprint: await print(out.Item.refreshToken),
      clientSecretFingerprint: await print(out.Item.clientSecret),
    };
  }

  /** Stops refreshing an org (it leaves the due index); its grant is kept so `enable` can resume. */
  async disable(orgId: string): Promise<ChangeResult> {
    return changeOrg(this.#target(), orgId, (before) => {
      refuseRemoved(before, 'disable');
      if (before.status === RecordStatus.Disabled) return undefined;
      return {
        set: { status: RecordStatus.Disabled, statusReason: 'DISABLED_BY_OPERATOR' },
        // An operator chose this: it is no longer an org that needs attention.
        remove: ['dueShard', 'attention'],
      };
    });
  }

  /** Resumes a DISABLED org: back in the due index, due now. */
  async enable(orgId: string): Promise<ChangeResult> {
    return changeOrg(this.#target(), orgId, (before) => {
      refuseRemoved(before, 'enable');
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
        remove: ['statusReason'],
        // An ACTIVE refresh_token record without a refresh token is invalid: the grant must come back via reauth.
        needsRefreshToken: before.grantType === 'refresh_token',
      };
    });
  }

  /**
   * Stores a new grant after the customer re-authorised: ACTIVE, due now, failures and attention cleared. The old
   * grant's access token goes too (it belongs to the grant that died); the next refresh issues a new one. Issued
   * now: older hand-overs are stale. With `client`, the org's own client is replaced as well (an app reinstalled
   * creates a new client in the org), and a shared client reference (clientSecretId) gives way to it.
   */
  async reauth(orgId: string, refreshToken: string | undefined, client?: OwnClient): Promise<ChangeResult> {
    return changeOrg(this.#target(), orgId, (before) => {
      refuseRemoved(before, 'reauth');
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
          ...(refreshToken ? { refreshToken, grantIssuedAt: this.#now() } : {}),
          ...(client ? { clientId: client.clientId, clientSecret: client.clientSecret } : {}),
        },
        remove: [...CLEARED_BY_A_NEW_GRANT, ...(client ? ['clientSecretId'] : [])],
      };
    });
  }

  #target() {
    return { doc: this.#doc, table: this.#table, now: this.#now, summary: (id: string) => this.summary(id) };
  }
}

/**
 * A removed org is a tombstone: no operator change brings it back but onboarding it again (`tenants add`, a hosted
 * app's submitGrant). Enabling or re-authorising it would resume refreshing without its settings being checked again.
 */
function refuseRemoved(before: TenantSummary, command: string): void {
  if (before.status === RecordStatus.Removed) {
    throw new AdminError(
      'WRONG_STATE',
      `org ${before.orgId} was removed: ${command} does not apply; onboard it again with \`tenants add\` ` +
        '(or a hosted app hands a new grant over with submitGrant)',
    );
  }
}
