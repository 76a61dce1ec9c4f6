// Each org's OAuth client from Secrets Manager, through Powertools' SecretsProvider: it caches per secret id with a
// max age, which fits ids that come from records at run time (middy's secrets middleware wants a fixed list up front).
// On top: one fetch in flight per id (orgs often share a client), and a short memory of failures so a broken secret
// shared by a thousand orgs costs one call, not a thousand.
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ErrorCode, FailureClass, RefreshError } from '../core/errors.js';
import type { CredentialsSource } from '../core/ports.js';
import type { ClientCredentials } from '../providers/build-request.js';

const clientSecretSchema = z.object({
  clientId: z.string().min(1).max(1024),
  clientSecret: z.string().min(1).max(4096),
});

/** How long a failed lookup is remembered: long enough to spare a sweep, short enough that a fix lands quickly. */
const FAILURE_MEMORY_MS = 30_000;

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

export class SecretsManagerCredentials implements CredentialsSource {
  readonly #provider: SecretsProvider;
  readonly #maxAge: number;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<ClientCredentials>>();
  readonly #failures = new Map<string, { error: RefreshError; until: number }>();

  constructor(options: SecretsCredentialsOptions) {
    this.#provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
    this.#maxAge = options.maxAgeSeconds;
    this.#now = options.now ?? Date.now;
  }

  get(secretId: string): Promise<ClientCredentials> {
    const failure = this.#failures.get(secretId);
    if (failure && failure.until > this.#now()) return Promise.reject(failure.error);
    const pending = this.#inFlight.get(secretId);
    if (pending) return pending;
    const fetch = this.#fetch(secretId).finally(() => this.#inFlight.delete(secretId));
    this.#inFlight.set(secretId, fetch);
    return fetch;
  }

  async #fetch(secretId: string): Promise<ClientCredentials> {
    let value: unknown;
    try {
      value = await this.#provider.get(secretId, { maxAge: this.#maxAge });
    } catch (err) {
      throw this.#remember(secretId, classifySecretError(secretId, err));
    }
    try {
      return parseClientSecret(secretId, value);
    } catch (err) {
      throw this.#remember(secretId, err as RefreshError);
    }
  }

  #remember(secretId: string, error: RefreshError): RefreshError {
    if (error.failureClass !== FailureClass.Transient) {
      this.#failures.set(secretId, { error, until: this.#now() + FAILURE_MEMORY_MS });
    }
    return error;
  }
}
