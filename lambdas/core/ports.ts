// The refresh core's view of the outside world. Adapters (DynamoDB, Secrets Manager, HTTP, EventBridge) implement
// these; tests implement them in memory. No AWS types cross this line, and nothing here imports from outside core/.
import type { GrantType, LastError } from './record.js';

/** Structured logging as the core uses it: a message and fields (already scrubbed by the caller). */
export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** An org's OAuth client. The secret never reaches a log, a metric or an error (invariant 5). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** One request to a provider: a token request, or a revocation (providers/build-revocation.ts). */
export interface ProviderRequest {
  url: string;
  /** POST unless said otherwise (a provider's own revocation endpoint may be a DELETE). */
  method?: 'POST' | 'DELETE';
  /**
   * The org's token host as configured (lower case, with a port if the URL names one): per-host limits and backoff
   * key on it. The URL's own host when absent; they differ only when local mode sends requests to a loopback server.
   */
  tokenHost?: string;
  /** Carries client credentials: never log, never put in an error. */
  headers: Record<string, string>;
  /** Form-encoded; carries the refresh token and maybe the client secret: never log. */
  body: string;
}

/** One org-scoped token request, built from the record alone (providers/build-request.ts). */
export interface TokenRequest extends ProviderRequest {
  /** The grant type sent, for the response interpretation (client credentials never rotate a refresh token). */
  grantType: GrantType;
}

/** What the due index returns: just enough to claim and to count expired tokens. */
export interface DueCandidate {
  orgId: string;
  version: number;
  refreshAt: number;
  expiresAt: number | undefined;
  /** Set when the org is also listed in the attention index (then the gauge counts it there, not here). */
  attention: string | undefined;
}

export interface DuePage {
  items: DueCandidate[];
  nextPageKey: Record<string, unknown> | undefined;
}

export interface ClaimRequest {
  orgId: string;
  expectedVersion: number;
  owner: string;
  leaseUntil: number;
  now: number;
  /**
   * An on-demand claim (a hosted app asked): it also needs the org's last forced refresh (`forcedRefreshAt`) to be
   * before `previousBefore`, and sets it to `now`. In the condition, so the per-org limit holds however many
   * invocations race (docs/design.md, "On-demand refresh").
   */
  forced?: { previousBefore: number };
}

/** New tokens to commit; refreshToken undefined keeps the stored one (providers that do not rotate). */
export interface CommitRequest {
  orgId: string;
  claimedVersion: number;
  owner: string;
  accessToken: string;
  refreshToken: string | undefined;
  tokenType: string;
  /**
   * The scope the answer says was granted, stored as `grantedScope`; undefined removes it (an answer that names none
   * granted what was requested, RFC 6749 §5.1). Never written to `scope`, the operator's setting.
   */
  grantedScope: string | undefined;
  /**
   * Remove `scope`: it fails the settings' own rule, so no operator wrote it; a commit before issue 16 did (the
   * provider's granted scope). Set only when the claim repaired such a record (core/legacy-scope.ts).
   */
  removeInvalidScope?: boolean;
  expiresAt: number;
  refreshAt: number;
  dueShard: number;
  refreshedAt: number;
  /** The stored refresh token's expiry after this refresh; undefined removes it (unknown). */
  refreshTokenExpiresAt?: number | undefined;
  /** REFRESH_TOKEN_EXPIRING, or undefined: the commit removes any other attention (the org works again). */
  attention?: string | undefined;
}

/**
 * A rotated refresh token arrived in an otherwise unusable response: store it so it is never lost, keep the old
 * access token, and come back soon.
 */
export interface SalvageRequest {
  orgId: string;
  claimedVersion: number;
  owner: string;
  refreshToken: string;
  refreshAt: number;
  error: LastError;
}

export interface ReleaseRequest {
  orgId: string;
  claimedVersion: number;
  owner: string;
  refreshAt: number;
  /** Set after a failure; undefined for a release without failure (e.g. out of time before sending). */
  error: LastError | undefined;
  /** Listed in the attention index: MISCONFIGURED (an operator must act) or EXPIRED (backing off past expiry). */
  attention: string | undefined;
  /** The refresh token may have been consumed by the provider without our seeing the answer. */
  rotationAtRisk: boolean;
}

export interface MarkReauthRequest {
  orgId: string;
  claimedVersion: number;
  owner: string;
  error: LastError;
}

/** How a write that stores a received token response may run (core/commit-window.ts). */
export interface WriteOptions {
  /** Abandon the call after this long: its retries must end inside the commit part of the lease. */
  timeoutMs?: number;
}

export interface TokenStore {
  /** Due ACTIVE records of one shard with refreshAt ≤ now, earliest first. */
  queryDue(shard: number, now: number, pageKey: Record<string, unknown> | undefined): Promise<DuePage>;
  /** Strongly consistent read of one record (raw: the core validates it). */
  get(orgId: string): Promise<Record<string, unknown> | undefined>;
  /** Takes the lease; returns the record as it was before the claim. Throws ConditionFailedError with the current item. */
  claim(req: ClaimRequest): Promise<Record<string, unknown>>;
  commit(req: CommitRequest, options?: WriteOptions): Promise<void>;
  salvage(req: SalvageRequest, options?: WriteOptions): Promise<void>;
  release(req: ReleaseRequest): Promise<void>;
  markReauth(req: MarkReauthRequest): Promise<void>;
  /**
   * Orgs in the attention index, by reason (REAUTH_REQUIRED, MISCONFIGURED, EXPIRED, REFRESH_TOKEN_EXPIRING; a
   * reason with none is absent). One read of the whole sparse index for every gauge: it holds only what needs a
   * person, so its size is theirs.
   */
  attentionCounts(): Promise<AttentionCounts>;
}

/** Orgs needing attention, by reason (the `attention` attribute's value). */
export type AttentionCounts = Readonly<Partial<Record<string, number>>>;

export interface CredentialsSource {
  /** The org's OAuth client. Throws RefreshError (SECRET_NOT_FOUND, SECRET_ACCESS_DENIED, SECRET_MALFORMED, …). */
  get(secretId: string): Promise<ClientCredentials>;
  /**
   * The provider rejected `rejected`, read from this secret: read the secret again past any cache (at most one read
   * in flight and one per short interval, per secret) and return it if it changed, else undefined. Never throws.
   */
  afterRejection?(secretId: string, rejected: ClientCredentials): Promise<ClientCredentials | undefined>;
}

/** The result of one HTTP exchange with a token endpoint, before any OAuth interpretation. */
export type HttpOutcome =
  | { kind: 'response'; status: number; retryAfter: string | undefined; contentType: string | undefined; body: string }
  /** No answer. `sent` is true when the request had been fully written: the server may have processed it. */
  | { kind: 'no-response'; reason: 'timeout' | 'network'; sent: boolean; detail: string };

export interface TokenEndpoint {
  send(request: ProviderRequest, timeoutMs: number): Promise<HttpOutcome>;
}

export type OrgEventType =
  | 'ReauthRequired'
  | 'RotationLost'
  | 'Recovered'
  | 'ClientRejected'
  | 'RefreshTokenExpiring'
  | 'Removed';

/** An org event's detail: never a token, never provider text. */
export interface OrgEventDetail {
  orgId: string;
  /** A stable code (an error code, or RECOVERED / REFRESH_TOKEN_EXPIRING). */
  reason: string;
  at: number;
  /** A fixed sentence from the core saying what the reason means for the hosted app (e.g. "client deleted?"). */
  message?: string | undefined;
  /** RefreshTokenExpiring: when the org's refresh token runs out (epoch ms). */
  refreshTokenExpiresAt?: number | undefined;
  /** Removed: what became of the org's tokens at the provider (core/revocation.ts codes, never a token). */
  revocation?:
    | {
        refreshToken: string;
        refreshTokenReason?: string | undefined;
        accessToken: string;
        accessTokenReason?: string | undefined;
        accessTokenExpiresAt?: number | undefined;
      }
    | undefined;
}

/** Tells hosted apps about an org's state changes (EventBridge in AWS). Must never throw into the refresh. */
export interface Notifier {
  orgEvent(type: OrgEventType, detail: OrgEventDetail): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
