// What the operator's tools may see of an org: its settings and state, never a token or a client secret. Reads that
// are not about secrets project these attributes only, so listing a thousand tenants never loads a single one.
import type { LastError, OrgSettings, RecordStatusValue } from '../core/record.js';
import { TABLE_SCHEMA } from '../table-schema.js';

/** Everything an operator may see about an org. No secret attribute is in this list, on purpose. */
export const SUMMARY_ATTRIBUTES = [
  TABLE_SCHEMA.partitionKey,
  'provider',
  'grantType',
  'region',
  'subdomain',
  'tokenUrl',
  'revocationUrl',
  'clientAuth',
  'orgParam',
  'scope',
  'requiresOfflineAccess',
  'grantedScope',
  'clientSecretId',
  'clientId',
  'requestedExpiresIn',
  'requestedRefreshTokenExpiresIn',
  'tokenType',
  'status',
  'version',
  'expiresAt',
  'refreshAt',
  'refreshTokenExpiresAt',
  'dueShard',
  'leaseOwner',
  'leaseUntil',
  'lastRefreshedAt',
  'consecutiveFailures',
  'lastError',
  'attention',
  'rotationAtRisk',
  'statusSince',
  'statusReason',
  'grantIssuedAt',
  'removedAt',
  'app',
] as const;

/** The attributes that hold secrets: read only to fingerprint them, never returned. */
export const SECRET_ATTRIBUTES = ['accessToken', 'refreshToken', 'clientSecret'] as const;

export interface TenantSummary extends OrgSettings {
  /** What the provider's last answer granted (its text, never a setting); absent: as requested. */
  grantedScope?: string;
  tokenType?: string;
  status: RecordStatusValue;
  version: number;
  expiresAt?: number;
  refreshAt?: number;
  refreshTokenExpiresAt?: number;
  dueShard?: number;
  leaseOwner?: string;
  leaseUntil?: number;
  lastRefreshedAt?: number;
  consecutiveFailures: number;
  lastError?: LastError;
  attention?: string;
  rotationAtRisk?: boolean;
  /** When the status last changed, and why (core/status-since.ts). */
  statusSince?: number;
  statusReason?: string;
  /** When the stored grant was issued (hand-overs older than this are stale). */
  grantIssuedAt?: number;
  /** REMOVED: when the org was offboarded. */
  removedAt?: number;
  /** The hosted app the org belongs to, when recorded (core/hosted-apps.ts; absent: its namespace decides). */
  app?: string;
}

export interface TenantDetails {
  summary: TenantSummary;
  /** `sha256:…` of the stored secrets, so an operator can compare without ever seeing one. */
  accessTokenFingerprint: string | undefined;
  refreshTokenFingerprint: string | undefined;
  /** The org's own client's secret (clientId), when it has one. */
  clientSecretFingerprint: string | undefined;
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

/** `#name` placeholders for attribute names (some, like `status`, are reserved words). */
export const names = (attributes: readonly string[]) =>
  Object.fromEntries(attributes.map((a) => [`#${a}`, a])) as Record<string, string>;

/** A projection of these attributes, for GetItem and Scan. */
export function projection(attributes: readonly string[]) {
  return {
    ProjectionExpression: attributes.map((a) => `#${a}`).join(', '),
    ExpressionAttributeNames: names(attributes),
  };
}

export function toSummary(item: Record<string, unknown>): TenantSummary {
  // Defensive: even if a caller widened a projection, a secret never enters a summary.
  const { accessToken: _a, refreshToken: _r, clientSecret: _c, ...rest } = item;
  return {
    ...(rest as unknown as TenantSummary),
    consecutiveFailures: typeof rest.consecutiveFailures === 'number' ? rest.consecutiveFailures : 0,
  };
}
