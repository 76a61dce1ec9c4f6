// The hosted app's side of refresh on demand: one RequestResponse invocation of the on-demand function (IAM: the
// stack's OnDemandRefreshPolicy, or `grantRefreshNow(role)` in CDK), its answer turned into a token or a typed error by
// code. A rejected token is named by its `sha256:` fingerprint, computed here: the token itself never leaves the app.
//
// Self-contained like the rest of the reader: only @aws-sdk/client-lambda, loaded on first use, and node:crypto.
import { createHash } from 'node:crypto';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  OnDemandUnavailable,
  ReauthRequired,
  RefreshBusy,
  RefreshFailed,
  RefreshLimited,
  RefreshNotPermitted,
  TenantDisabled,
  TenantNotFound,
  type TokenReaderError,
  type TokenReaderErrorCode,
} from './errors.js';
import type { AccessToken } from './token-reader.js';

/** `sha256:` and the first 12 hex digits of SHA-256: the refresher's own fingerprint (lambdas/core/redact.ts). */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;
}

export const FINGERPRINT = /^sha256:[0-9a-f]{12}$/;

export type OnDemandPayload =
  | { action: 'refreshNow'; orgId: string; rejected: string }
  | { action: 'getAccessToken'; orgId: string; minValidityMs: number };

type Answer =
  | { ok: true; orgId: string; accessToken: string; tokenType: string; expiresAt: number; source?: string }
  | {
      ok: false;
      orgId?: string;
      error: { code: string; message: string; reason?: string; retryAfterSeconds?: number };
    };

export class OnDemandClient {
  #sdk: Promise<typeof import('@aws-sdk/client-lambda')> | undefined;
  #client: LambdaClient | undefined;

  constructor(
    private readonly functionName: string,
    client?: LambdaClient,
  ) {
    this.#client = client;
  }

  /** One invocation: the answered token, or the typed error of its code. */
  async call(payload: OnDemandPayload): Promise<AccessToken> {
    const { orgId } = payload;
    this.#sdk ??= import('@aws-sdk/client-lambda');
    const { InvokeCommand, LambdaClient: Client } = await this.#sdk;
    this.#client ??= new Client({});
    let out: { Payload?: Uint8Array; FunctionError?: string };
    try {
      out = await this.#client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (err) {
      // Lambda's own throttle (the function's reserved concurrency, after the SDK's retries): ask again shortly.
      const name = (err as Error)?.name;
      if (name === 'TooManyRequestsException') {
        throw new OnDemandUnavailable('ON_DEMAND_UNAVAILABLE', orgId, 'the on-demand function is throttled', {
          reason: name,
          retryAfterSeconds: 1,
        });
      }
      throw err;
    }
    const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
    if (out.FunctionError) {
      const errorType = safeJson<{ errorType?: unknown }>(text)?.errorType;
      throw new OnDemandUnavailable(
        'ON_DEMAND_UNAVAILABLE',
        orgId,
        `the on-demand function failed (${typeof errorType === 'string' ? errorType : out.FunctionError}): ask again`,
        { reason: typeof errorType === 'string' ? errorType : out.FunctionError },
      );
    }
    const answer = safeJson<Answer>(text);
    if (answer?.ok === true && typeof answer.accessToken === 'string' && typeof answer.expiresAt === 'number') {
      return {
        orgId,
        accessToken: answer.accessToken,
        tokenType: typeof answer.tokenType === 'string' ? answer.tokenType : 'Bearer',
        expiresAt: answer.expiresAt,
      };
    }
    if (answer?.ok === false && typeof answer.error?.code === 'string') throw onDemandError(orgId, answer.error);
    throw new OnDemandUnavailable(
      'ON_DEMAND_UNAVAILABLE',
      orgId,
      'the on-demand function gave no answer this library understands',
    );
  }
}

/** The typed error for an answer's code: the org's state keeps the reader's own classes (TenantNotFound, …). */
export function onDemandError(
  orgId: string,
  error: { code: string; message: string; reason?: string; retryAfterSeconds?: number },
): TokenReaderError {
  const details = { reason: error.reason, retryAfterSeconds: error.retryAfterSeconds };
  switch (error.code) {
    case 'ORG_NOT_FOUND':
      return new TenantNotFound(orgId);
    case 'REAUTH_REQUIRED':
      return new ReauthRequired(orgId);
    case 'ORG_DISABLED':
      return new TenantDisabled(orgId);
    case 'LIMITED':
      return new RefreshLimited('LIMITED', orgId, error.message, details);
    case 'BUSY':
      return new RefreshBusy('BUSY', orgId, error.message, details);
    case 'NOT_PERMITTED':
      return new RefreshNotPermitted('NOT_PERMITTED', orgId, error.message, details);
    case 'PROVIDER_UNAVAILABLE':
    case 'CLIENT_MISCONFIGURED':
    case 'RECORD_INVALID':
    case 'REFRESH_FAILED':
      return new RefreshFailed(error.code as TokenReaderErrorCode, orgId, error.message, details);
    default:
      // INVALID_REQUEST (this library and the deployed function disagree), or a code newer than this library.
      return new OnDemandUnavailable('ON_DEMAND_UNAVAILABLE', orgId, error.message, {
        ...details,
        reason: error.reason ?? error.code,
      });
  }
}

function safeJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
