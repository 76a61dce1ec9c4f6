// Each org's OAuth client from Secrets Manager, cached per secret id for SECRET_CACHE_SECONDS (ids come from records
// at run time, so middy's secrets middleware, which wants a fixed list up front, does not fit). On top: one fetch in
// flight per id (orgs often share a client), and a short memory of failures so a broken secret shared by a thousand
// orgs costs one call, not a thousand.
//
// Written on the SDK client directly rather than Powertools' SecretsProvider: that provider imports the Secrets
// Manager client statically, which put its whole module graph into every cold start (~26 ms of ~190 ms measured,
// docs/performance.md); here it loads with the first secret a run actually needs.
import type { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { ErrorCode, FailureClass, RefreshError } from '../core/errors.js';
import type { ClientCredentials, CredentialsSource } from '../core/ports.js';

const clientSecretSchema = z.object({
  clientId: z.string().check(z.minLength(1), z.maxLength(1024)),
  clientSecret: z.string().check(z.minLength(1), z.maxLength(4096)),
});

/** How long a failed lookup is remembered: long enough to spare a sweep, short enough that a fix lands quickly. */
const FAILURE_MEMORY_MS = 30_000;
/**
 * At most one read past the cache per secret in this long, however many orgs the provider refuses: a client it keeps
 * refusing (really broken, not rotated) costs Secrets Manager one extra read per 10 s, not one per org.
 */
export const REREAD_INTERVAL_MS = 10_000;

const sameClient = (a: ClientCredentials, b: ClientCredentials) =>
  a.clientId === b.clientId && a.clientSecret === b.clientSecret;

export interface SecretsCredentialsOptions {
  maxAgeSeconds: number;
  client?: SecretsManagerClient;
  now?: () => number;
}

function errorName(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return (cause as { name?: string })?.name ?? 'Error';
}

export function classifySecretError(secretId: string, err: unknown): RefreshError {
  const name = errorName(err);
  switch (name) {
    case 'ResourceNotFoundException':
      return new RefreshError(
        ErrorCode.SecretNotFound,
        FailureClass.ClientMisconfigured,
        `client secret ${secretId} does not exist`,
      );
    case 'AccessDeniedException':
    case 'DecryptionFailure':
      return new RefreshError(
        ErrorCode.SecretAccessDenied,
        FailureClass.ClientMisconfigured,
        `client secret ${secretId} cannot be read (${name}): check the refresher's secret prefix and KMS grants`,
      );
    case 'InvalidRequestException':
    case 'InvalidParameterException':
      return new RefreshError(
        ErrorCode.SecretNotFound,
        FailureClass.ClientMisconfigured,
        `client secret ${secretId} is not readable (${name}): deleted or scheduled for deletion?`,
      );
    default:
      return new RefreshError(
        ErrorCode.SecretUnavailable,
        FailureClass.Transient,
        `client secret ${secretId} could not be fetched (${name})`,
      );
  }
}

/** Parses `{"clientId","clientSecret"}`; the message never contains the secret's text. */
export function parseClientSecret(secretId: string, value: unknown): ClientCredentials {
  const text =
    typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
  let json: unknown;
  try {
    json = text === undefined ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = clientSecretSchema.safeParse(json);
  if (!parsed.success) {
    throw new RefreshError(
      ErrorCode.SecretMalformed,
      FailureClass.ClientMisconfigured,
      `client secret ${secretId} must be JSON {"clientId": "…", "clientSecret": "…"} with non-empty strings`,
    );
  }
  return parsed.data;
}

type SecretsSdk = { client: SecretsManagerClient; GetSecretValueCommand: typeof GetSecretValueCommand };

export class SecretsManagerCredentials implements CredentialsSource {
  #sdk: Promise<SecretsSdk> | undefined;
  readonly #client: SecretsManagerClient | undefined;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** Parsed client credentials by secret id, until their max age: orgs sharing a client share one read. */
  readonly #cache = new Map<string, { value: ClientCredentials; until: number }>();
  readonly #inFlight = new Map<string, Promise<ClientCredentials>>();
  readonly #failures = new Map<string, { error: RefreshError; until: number }>();
  /** When each secret was last read again after a rejection (afterRejection). */
  readonly #rereadAt = new Map<string, number>();

  constructor(options: SecretsCredentialsOptions) {
    this.#client = options.client;
    this.#maxAgeMs = options.maxAgeSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The SDK is loaded on the first secret, not at cold start: a run with nothing due reads no secret, and the
   * Secrets Manager client's module graph is a measurable share of the cold start (docs/performance.md).
   */
  #load(): Promise<SecretsSdk> {
    this.#sdk ??= import('@aws-sdk/client-secrets-manager').then((sdk) => ({
      client: this.#client ?? new sdk.SecretsManagerClient({}),
      GetSecretValueCommand: sdk.GetSecretValueCommand,
    }));
    return this.#sdk;
  }

  get(secretId: string): Promise<ClientCredentials> {
    const cached = this.#cache.get(secretId);
    if (cached && cached.until > this.#now()) return Promise.resolve(cached.value);
    const failure = this.#failures.get(secretId);
    if (failure && failure.until > this.#now()) return Promise.reject(failure.error);
    return this.#read(secretId);
  }

  /**
   * The secret was rotated under a warm cache: the provider now refuses the value every org sharing it read from the
   * cache. Read it once more, past the cache and past the failure memory; one read in flight per secret serves every
   * org rejected meanwhile, and no second one starts within REREAD_INTERVAL_MS. A different value is returned for one
   * retry (rotated-client.ts); the same value, or no value, means the client itself is refused.
   */
  async afterRejection(secretId: string, rejected: ClientCredentials): Promise<ClientCredentials | undefined> {
    const cached = this.#cache.get(secretId)?.value;
    // Another org's re-read already brought the new value: no call.
    if (cached !== undefined && !sameClient(cached, rejected)) return cached;
    let pending = this.#inFlight.get(secretId);
    if (pending === undefined) {
      const last = this.#rereadAt.get(secretId);
      if (last !== undefined && this.#now() - last < REREAD_INTERVAL_MS) return undefined;
      this.#rereadAt.set(secretId, this.#now());
      pending = this.#read(secretId);
    }
    try {
      const fresh = await pending;
      return sameClient(fresh, rejected) ? undefined : fresh;
    } catch {
      return undefined;
    }
  }

  #read(secretId: string): Promise<ClientCredentials> {
    const pending = this.#inFlight.get(secretId);
    if (pending) return pending;
    const fetch = this.#fetch(secretId).finally(() => this.#inFlight.delete(secretId));
    this.#inFlight.set(secretId, fetch);
    return fetch;
  }

  async #fetch(secretId: string): Promise<ClientCredentials> {
    let value: unknown;
    try {
      const { client, GetSecretValueCommand } = await this.#load();
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      value = out.SecretString ?? out.SecretBinary;
    } catch (err) {
      throw this.#remember(secretId, classifySecretError(secretId, err));
    }
    let credentials: ClientCredentials;
    try {
      credentials = parseClientSecret(secretId, value);
    } catch (err) {
      throw this.#remember(secretId, err as RefreshError);
    }
    if (this.#maxAgeMs > 0) this.#cache.set(secretId, { value: credentials, until: this.#now() + this.#maxAgeMs });
    return credentials;
  }

  #remember(secretId: string, error: RefreshError): RefreshError {
    if (error.failureClass !== FailureClass.Transient) {
      this.#failures.set(secretId, { error, until: this.#now() + FAILURE_MEMORY_MS });
    }
    return error;
  }
}
