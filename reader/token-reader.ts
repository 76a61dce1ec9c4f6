// The hosted app's side: read an org's current access token. One consistent GetItem that projects exactly the
// attributes the reader IAM grant allows (never the refresh token), a cache until shortly before expiry, one read in
// flight per org however many callers ask at once, and a single retry after a 401 for providers that invalidate the
// old access token the moment the refresher rotates it (Zendesk). With the on-demand function configured
// (`onDemandFunctionName`), a 401 asks it for a fresh token (refreshNow) and a caller may ask for a token that stays
// valid long enough (minValidityMs): one invocation per org and rejected token in flight, however many callers.
//
// Self-contained on purpose (only @aws-sdk/client-dynamodb, and @aws-sdk/client-lambda on first on-demand call): it
// is built to dist/reader for apps that install the package, and must not drag in the refresher.
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { ReauthRequired, TenantDisabled, TenantNotFound, TenantRemoved, TokenExpired } from './errors.js';
import { FINGERPRINT, OnDemandClient, type OnDemandPayload, tokenFingerprint } from './on-demand.js';

/**
 * Exactly what the reader grant allows (`dynamodb:Attributes` with `dynamodb:Select = SPECIFIC_ATTRIBUTES`); a read
 * asking for anything else, or for everything, is denied by IAM.
 */
export const READER_ATTRIBUTES = ['orgId', 'accessToken', 'tokenType', 'expiresAt', 'status'] as const;

/**
 * What `getStatus` reads: the org's status, since when and why, and its token's expiry — never a token. The reader
 * grant allows these too (READER_GRANT_ATTRIBUTES); `statusSince`/`statusReason` need a stack with grant intake.
 */
export const STATUS_ATTRIBUTES = ['orgId', 'status', 'statusSince', 'statusReason', 'expiresAt'] as const;

/** Every attribute the reader grant allows (`dynamodb:Attributes`): both reads' projections, nothing else. */
export const READER_GRANT_ATTRIBUTES = [...READER_ATTRIBUTES, 'statusSince', 'statusReason'] as const;

/** Same rule as the refresher's record schema (lambdas/core/record.ts ORG_ID_PATTERN; a test keeps them equal). */
export const READER_ORG_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export const DEFAULT_SKEW_MS = 30_000;
export const DEFAULT_RETRY_DELAY_MS = 500;

export interface AccessToken {
  orgId: string;
  /** A bearer credential: never log it. */
  accessToken: string;
  tokenType: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** An org's status as a hosted app may see it, so it can prompt its customer before the tokens run out. */
export interface OrgStatus {
  orgId: string;
  /** REMOVED: the org was offboarded (removeOrg, `tenants remove`); it holds no token. */
  status: 'ACTIVE' | 'REAUTH_REQUIRED' | 'DISABLED' | 'REMOVED';
  /** Since when (epoch ms) the org is in this status; undefined for records written before it was kept. */
  since: number | undefined;
  /**
   * Why, while not ACTIVE: INVALID_GRANT or ROTATION_LOST (re-authorise), DISABLED_BY_OPERATOR, REMOVED_BY_APP,
   * REMOVED_BY_OPERATOR.
   */
  reason: string | undefined;
  /** The customer must authorise the app again (status REAUTH_REQUIRED): hand the new grant over with reauthorise. */
  needsReauthorisation: boolean;
  /** When the stored access token expires (epoch ms), if there is one. */
  accessTokenExpiresAt: number | undefined;
}

export interface TokenReaderOptions {
  tableName: string;
  /** Defaults to `new DynamoDBClient({})`: the standard credential chain, region and AWS_ENDPOINT_URL_DYNAMODB. */
  client?: DynamoDBClient;
  /** A token is served from the cache until `expiresAt - skewMs`. Default 30 s. */
  skewMs?: number;
  /** Pause before the re-read after a 401, so the refresher's commit lands first. Default 500 ms. */
  retryDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The on-demand function (the stack's output OnDemandRefreshFunctionName): enables `refreshNow` and `minValidityMs`,
   * and makes `withAccessToken` ask it for a fresh token after a 401. Without it the reader only reads.
   */
  onDemandFunctionName?: string;
  /** Default: `new LambdaClient({})`, created on the first on-demand call. */
  lambdaClient?: LambdaClient;
}

export interface TokenOptions {
  /**
   * The token must stay valid at least this long (ms): the stored one if it does, else the on-demand function
   * refreshes — as far as the provider's lifetime allows (check `expiresAt` via getToken). Needs onDemandFunctionName.
   */
  minValidityMs?: number;
}

export interface RefreshNowOptions {
  /** The access token the API rejected (401), or its `sha256:` fingerprint. Only the fingerprint is sent. */
  rejected: string;
}

/** What `fn` gets: the bare access token first (for `Authorization: Bearer …`), the details second. */
export type TokenCallback<T> = (accessToken: string, token: AccessToken) => Promise<T> | T;

export interface TokenReader {
  /** The org's current access token, from the cache or one consistent read; with minValidityMs, long enough. */
  getAccessToken(orgId: string, options?: TokenOptions): Promise<string>;
  /** The same, with its type and expiry. */
  getToken(orgId: string, options?: TokenOptions): Promise<AccessToken>;
  /**
   * After a 401: a token newer than `rejected`. The org is refreshed only if the stored token is still the rejected
   * one, so every caller that saw the same 401 shares one refresh, and a caller holding an old token gets the stored
   * one. Throws RefreshLimited, RefreshBusy, ReauthRequired, … by code. Needs onDemandFunctionName.
   */
  refreshNow(orgId: string, options: RefreshNowOptions): Promise<string>;
  /**
   * Calls `fn(accessToken)`. If `fn` signals a 401 — it throws an error with `status`, `statusCode` or
   * `response.status` equal to 401, or returns an object whose `status` is 401 (a fetch `Response`) — it gets a newer
   * token (refreshNow when onDemandFunctionName is set; otherwise the cached token is dropped and the record re-read
   * after `retryDelayMs`) and calls `fn` once more; its second result (or error) is the answer.
   */
  withAccessToken<T>(orgId: string, fn: TokenCallback<T>): Promise<T>;
  /** Forgets the cached token (and any read in flight) for an org. */
  invalidate(orgId: string): void;
  /** The org's status, since when and why (one consistent read, never cached, no token). */
  getStatus(orgId: string): Promise<OrgStatus>;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createTokenReader(options: TokenReaderOptions): TokenReader {
  return new DynamoDbTokenReader(options);
}

class DynamoDbTokenReader implements TokenReader {
  readonly #table: string;
  readonly #client: DynamoDBClient;
  readonly #skewMs: number;
  readonly #retryDelayMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #cache = new Map<string, { token: AccessToken; until: number }>();
  readonly #inFlight = new Map<string, Promise<AccessToken>>();
  /** Bumped by invalidate(): a read that started before it must not refill the cache with the token just dropped. */
  readonly #generation = new Map<string, number>();
  readonly #onDemand: OnDemandClient | undefined;
  /** On-demand calls in flight, by org and what was asked: concurrent callers share one invocation. */
  readonly #asking = new Map<string, Promise<AccessToken>>();

  constructor(options: TokenReaderOptions) {
    if (!options.tableName) throw new TypeError('createTokenReader: tableName is required');
    this.#table = options.tableName;
    this.#client = options.client ?? new DynamoDBClient({});
    this.#skewMs = options.skewMs ?? DEFAULT_SKEW_MS;
    this.#retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleepReal;
    this.#onDemand = options.onDemandFunctionName
      ? new OnDemandClient(options.onDemandFunctionName, options.lambdaClient)
      : undefined;
  }

  async getAccessToken(orgId: string, options?: TokenOptions): Promise<string> {
    return (await this.getToken(orgId, options)).accessToken;
  }

  async refreshNow(orgId: string, options: RefreshNowOptions): Promise<string> {
    return (await this.#refreshNow(orgId, options)).accessToken;
  }

  async #refreshNow(orgId: string, options: RefreshNowOptions): Promise<AccessToken> {
    checkOrgId(orgId);
    const rejected = options?.rejected;
    if (typeof rejected !== 'string' || rejected.length === 0) {
      throw new TypeError('refreshNow: rejected must be the access token the API refused (or its sha256: fingerprint)');
    }
    const fingerprint = FINGERPRINT.test(rejected) ? rejected : tokenFingerprint(rejected);
    // Another caller in this process may already hold a newer token (its refreshNow answered): no invocation.
    const cached = this.#cache.get(orgId);
    if (cached && cached.until > this.#now() && tokenFingerprint(cached.token.accessToken) !== fingerprint) {
      return cached.token;
    }
    return this.#ask(`${orgId}\n${fingerprint}`, { action: 'refreshNow', orgId, rejected: fingerprint });
  }

  /** One on-demand invocation per org and question in flight; its token replaces the cached one. */
  #ask(key: string, payload: OnDemandPayload): Promise<AccessToken> {
    const client = this.#onDemand;
    if (!client) {
      return Promise.reject(
        new TypeError(
          'refreshNow and minValidityMs need onDemandFunctionName (the stack output OnDemandRefreshFunctionName)',
        ),
      );
    }
    const pending = this.#asking.get(key);
    if (pending) return pending;
    const asked = client
      .call(payload)
      .then((token) => {
        this.invalidate(payload.orgId);
        const until = token.expiresAt - this.#skewMs;
        if (until > this.#now()) this.#cache.set(payload.orgId, { token, until });
        return token;
      })
      .finally(() => this.#asking.delete(key));
    this.#asking.set(key, asked);
    return asked;
  }

  async getStatus(orgId: string): Promise<OrgStatus> {
    checkOrgId(orgId);
    const item = await this.#get(orgId, STATUS_ATTRIBUTES);
    if (!item) throw new TenantNotFound(orgId);
    const status = str(item.status);
    if (status !== 'ACTIVE' && status !== 'REAUTH_REQUIRED' && status !== 'DISABLED' && status !== 'REMOVED') {
      throw new Error(`token record for org ${orgId} has an unknown status`);
    }
    return {
      orgId,
      status,
      since: num(item.statusSince),
      reason: status === 'ACTIVE' ? undefined : str(item.statusReason),
      needsReauthorisation: status === 'REAUTH_REQUIRED',
      accessTokenExpiresAt: num(item.expiresAt),
    };
  }

  getToken(orgId: string, options?: TokenOptions): Promise<AccessToken> {
    const minValidityMs = options?.minValidityMs;
    if (minValidityMs === undefined) return this.#getToken(orgId);
    if (!Number.isInteger(minValidityMs) || minValidityMs < 0) {
      return Promise.reject(new TypeError('minValidityMs must be a whole number of milliseconds, 0 or more'));
    }
    const ask = () => this.#ask(`${orgId}\nmin:${minValidityMs}`, { action: 'getAccessToken', orgId, minValidityMs });
    return this.#getToken(orgId).then(
      (token) => (token.expiresAt - this.#now() >= minValidityMs ? token : ask()),
      // No valid token stored (just onboarded, or the refresher is behind): the function can get one.
      (err: unknown) => (err instanceof TokenExpired && this.#onDemand ? ask() : Promise.reject(err)),
    );
  }

  #getToken(orgId: string): Promise<AccessToken> {
    try {
      checkOrgId(orgId);
    } catch (err) {
      return Promise.reject(err);
    }
    const cached = this.#cache.get(orgId);
    if (cached) {
      if (cached.until > this.#now()) return Promise.resolve(cached.token);
      this.#cache.delete(orgId);
    }
    const pending = this.#inFlight.get(orgId);
    if (pending) return pending;
    const generation = this.#generation.get(orgId) ?? 0;
    const read = this.#read(orgId)
      .then((token) => {
        const until = token.expiresAt - this.#skewMs;
        if ((this.#generation.get(orgId) ?? 0) === generation && until > this.#now()) {
          this.#cache.set(orgId, { token, until });
        }
        return token;
      })
      .finally(() => {
        if (this.#inFlight.get(orgId) === read) this.#inFlight.delete(orgId);
      });
    this.#inFlight.set(orgId, read);
    return read;
  }

  invalidate(orgId: string): void {
    this.#cache.delete(orgId);
    this.#inFlight.delete(orgId);
    this.#generation.set(orgId, (this.#generation.get(orgId) ?? 0) + 1);
  }

  async withAccessToken<T>(orgId: string, fn: TokenCallback<T>): Promise<T> {
    const token = await this.getToken(orgId);
    let result: T;
    try {
      result = await fn(token.accessToken, token);
    } catch (err) {
      if (!isUnauthorizedError(err)) throw err;
      return this.#retry(orgId, fn, token);
    }
    if (!isUnauthorizedResult(result)) return result;
    await discardBody(result);
    return this.#retry(orgId, fn, token);
  }

  async #retry<T>(orgId: string, fn: TokenCallback<T>, rejected: AccessToken): Promise<T> {
    if (this.#onDemand) {
      const fresh = await this.#refreshNow(orgId, { rejected: rejected.accessToken });
      return fn(fresh.accessToken, fresh);
    }
    this.invalidate(orgId);
    await this.#sleep(this.#retryDelayMs);
    const token = await this.getToken(orgId);
    return fn(token.accessToken, token);
  }

  /** One consistent GetItem projecting exactly `attributes` (the grant refuses any other request). */
  async #get(orgId: string, attributes: readonly string[]): Promise<Record<string, AttributeValue> | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { orgId: { S: orgId } },
        ConsistentRead: true,
        ProjectionExpression: attributes.map((a) => `#${a}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((a) => [`#${a}`, a])),
      }),
    );
    return out.Item;
  }

  async #read(orgId: string): Promise<AccessToken> {
    const item = await this.#get(orgId, READER_ATTRIBUTES);
    if (!item) throw new TenantNotFound(orgId);
    const status = str(item.status);
    if (status === 'REAUTH_REQUIRED') throw new ReauthRequired(orgId);
    if (status === 'DISABLED') throw new TenantDisabled(orgId);
    if (status === 'REMOVED') throw new TenantRemoved(orgId);
    if (status !== 'ACTIVE') throw new Error(`token record for org ${orgId} has an unknown status`);
    const accessToken = str(item.accessToken);
    const expiresAt = num(item.expiresAt);
    if (accessToken === undefined || expiresAt === undefined) throw new TokenExpired(orgId, undefined);
    if (expiresAt <= this.#now()) throw new TokenExpired(orgId, expiresAt);
    return { orgId, accessToken, tokenType: str(item.tokenType) ?? 'Bearer', expiresAt };
  }
}

function checkOrgId(orgId: string): void {
  if (typeof orgId !== 'string' || !READER_ORG_ID_PATTERN.test(orgId)) {
    throw new TypeError(
      'orgId must be 1-128 characters: letters, digits and . _ : @ -, starting with a letter or digit',
    );
  }
}

function str(value: AttributeValue | undefined): string | undefined {
  return value && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

function num(value: AttributeValue | undefined): number | undefined {
  if (!value || !('N' in value) || typeof value.N !== 'string') return undefined;
  const n = Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

const is401 = (v: unknown) => v === 401 || v === '401';

/** An error from fetch wrappers, axios, the AWS SDK or a hand-rolled client that means "HTTP 401". */
export function isUnauthorizedError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    status?: unknown;
    statusCode?: unknown;
    response?: { status?: unknown };
    $metadata?: { httpStatusCode?: unknown };
  };
  return is401(e.status) || is401(e.statusCode) || is401(e.response?.status) || is401(e.$metadata?.httpStatusCode);
}

/** A returned fetch `Response` (or any object) with status 401. */
export function isUnauthorizedResult(value: unknown): boolean {
  return typeof value === 'object' && value !== null && is401((value as { status?: unknown }).status);
}

/** Frees the connection behind a discarded fetch Response. */
async function discardBody(value: unknown): Promise<void> {
  const body = (value as { body?: { cancel?: () => Promise<void> } | null }).body;
  if (body && typeof body.cancel === 'function') await body.cancel().catch(() => {});
}
