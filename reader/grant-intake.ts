// The hosted app's side of the grant intake: hand over a new org's first grant (`submitGrant`) or a new grant after
// the customer re-authorised (`reauthorise`), and learn at once whether it works; offboard an org when its customer
// uninstalls the app (`removeOrg`). One RequestResponse invocation of the intake function (IAM: the stack's
// GrantIntakePolicy; with several apps declared, the app's own alias, `FUNCTION:app-<name>`, and its
// App<Name>IntakePolicy); the answer becomes a result or a typed error by code (intake-errors.ts).
//
// Self-contained like the token reader: only @aws-sdk/client-lambda, loaded on first use so an app that only reads
// tokens never pays for it.
import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { grantIntakeError } from './intake-errors.js';

/** An org's settings, as `tenant-tokens tenants add` takes them (the intake validates them with the same rules). */
export interface OrgGrantSettings {
  orgId: string;
  provider: 'genesys' | 'zendesk' | 'generic';
  grantType: 'refresh_token' | 'client_credentials';
  region?: string;
  subdomain?: string;
  tokenUrl?: string;
  clientAuth?: 'basic' | 'post';
  orgParam?: string;
  scope?: string;
  requiresOfflineAccess?: boolean;
  /**
   * A client shared by many orgs, in Secrets Manager (under the deployment's prefix). Leave it out when you hand the
   * org's own client over (`grant.client`).
   */
  clientSecretId?: string;
  /** Settings a newer deployment accepts (the intake refuses what it does not know). */
  [setting: string]: unknown;
}

export interface Grant {
  /** Required for refresh_token orgs. A bearer secret: it goes to the intake and nowhere else. */
  refreshToken?: string;
  /**
   * Required: when your app received the grant (epoch ms, Date or ISO 8601 with a zone), at most 30 s ahead of the
   * intake's clock. Hand-overs are ordered by it: one issued before the stored grant is refused as stale. Record it
   * with the grant and pass the same value whenever you hand that grant over (a retry, a queue's re-delivery): "now"
   * at send time would let an older grant delivered late replace a newer one.
   */
  issuedAt: number | Date | string;
  /**
   * The org's own OAuth client, when your app has one per org (an AppFoundry premium app's install creates it):
   * stored in the org's record, readable by the refresher alone. With reauthorise it replaces the stored client.
   */
  client?: { clientId: string; clientSecret: string };
}

export interface GrantResult {
  orgId: string;
  status: 'ACTIVE';
  /** When the access token issued for this grant expires; the refresher renews it before. */
  expiresAt: Date;
  /** This grant had been handed over before (a retry): nothing was written; this is the org's state. */
  repeated: boolean;
}

/** What became of one of a removed org's tokens at its provider. Codes only: the library never sees a token here. */
export interface TokenRevocationResult {
  /**
   * REVOKED; NOT_REVOKED (it may work until it expires: see `reason`); NONE_HELD; LEFT_TO_EXPIRE (the provider offers
   * no way to revoke it: it works until `expiresAt`).
   */
  result: 'REVOKED' | 'NOT_REVOKED' | 'NONE_HELD' | 'LEFT_TO_EXPIRE' | (string & {});
  /** Why it was not revoked: NO_REVOCATION_ENDPOINT, PROVIDER_REFUSED, PROVIDER_UNAVAILABLE, TIMEOUT, … */
  reason: string | undefined;
  /** An access token that was not revoked: when it stops working on its own. */
  expiresAt: Date | undefined;
}

export interface RemovalResult {
  orgId: string;
  status: 'REMOVED';
  /** Removed before this call: nothing was written or revoked now. */
  alreadyRemoved: boolean;
  removedAt: Date | undefined;
  /** This removal's account of the org's tokens; undefined when it was already removed. */
  refreshToken: TokenRevocationResult | undefined;
  accessToken: TokenRevocationResult | undefined;
  /** Always false: the org's record holds no token and no client secret any more. */
  secretsHeld: false;
}

export interface GrantIntakeOptions {
  /**
   * The intake function's name or ARN: the stack's output GrantIntakeFunctionName; with several apps declared your
   * app's App<Name>IntakeFunctionName (`FUNCTION:app-<name>`: the alias is your app's identity).
   */
  functionName: string;
  /** Default: `new LambdaClient({})`: the standard credential chain, region and AWS_ENDPOINT_URL_LAMBDA. */
  client?: LambdaClient;
}

export interface GrantIntakeClient {
  /** Onboards a new org with its first grant, refreshes it at once; resolves when it is ACTIVE, else throws by code. */
  submitGrant(org: OrgGrantSettings, grant: Grant): Promise<GrantResult>;
  /** Stores a new grant for an existing org (after REAUTH_REQUIRED, or a reinstall), refreshes it at once. */
  reauthorise(orgId: string, grant: Grant): Promise<GrantResult>;
  /**
   * Offboards an org (its customer uninstalled the app): refreshing stops at once, its tokens are revoked at the
   * provider where it allows, its record keeps no secret. Idempotent (`alreadyRemoved`); an unknown org throws
   * OrgNotFound, a refresh in flight longer than the intake can wait throws Busy. `submitGrant` onboards it again.
   */
  removeOrg(orgId: string): Promise<RemovalResult>;
}

type Revocation = {
  refreshToken: string;
  refreshTokenReason?: string;
  accessToken: string;
  accessTokenReason?: string;
  accessTokenExpiresAt?: string;
};

type Answer =
  | { ok: true; orgId: string; status: 'ACTIVE'; expiresAt: string; repeated?: boolean }
  | {
      ok: true;
      orgId: string;
      status: 'REMOVED';
      alreadyRemoved?: boolean;
      removedAt?: string;
      revocation?: Revocation;
    }
  | {
      ok: false;
      orgId?: string;
      stored: boolean;
      status?: string;
      error: { code: string; message: string; reason?: string; retryAfterSeconds?: number };
    };

export function createGrantIntake(options: GrantIntakeOptions): GrantIntakeClient {
  if (!options.functionName) throw new TypeError('createGrantIntake: functionName is required');
  let sdk: Promise<typeof import('@aws-sdk/client-lambda')> | undefined;
  let client = options.client;

  async function invoke(payload: Record<string, unknown>, orgId: string): Promise<Extract<Answer, { ok: true }>> {
    sdk ??= import('@aws-sdk/client-lambda');
    const { InvokeCommand, LambdaClient: Client } = await sdk;
    client ??= new Client({});
    let out: InvokeCommandOutput;
    try {
      out = await client.send(
        new InvokeCommand({
          FunctionName: options.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (err) {
      // The intake at its reserved concurrency (after the SDK's own retries): nothing ran; try again shortly.
      if ((err as Error)?.name !== 'TooManyRequestsException') throw err;
      throw grantIntakeError(
        'BUSY',
        'the grant intake is at its concurrency limit (throttled): nothing was stored; hand the grant over again ' +
          'in a second',
        { orgId, stored: false, status: undefined, reason: 'THROTTLED', retryAfterSeconds: 1 },
      );
    }
    const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
    if (out.FunctionError) {
      // Only the error's type: the function's own message says nothing an app can act on beyond "again".
      const errorType = safeJson<{ errorType?: unknown }>(text)?.errorType;
      throw grantIntakeError(
        'INTAKE_UNAVAILABLE',
        `the grant intake failed (${typeof errorType === 'string' ? errorType : out.FunctionError}): hand the grant ` +
          'over again (a repeated hand-over of the same grant is recognised)',
        { orgId, stored: false, status: undefined, reason: undefined, retryAfterSeconds: undefined },
      );
    }
    const answer = safeJson<Answer>(text);
    if (!answer || typeof answer.ok !== 'boolean') {
      throw grantIntakeError('INTAKE_UNAVAILABLE', 'the grant intake gave no answer this library understands', {
        orgId,
        stored: false,
        status: undefined,
        reason: undefined,
        retryAfterSeconds: undefined,
      });
    }
    if (answer.ok) return answer;
    throw grantIntakeError(answer.error.code, answer.error.message, {
      orgId: answer.orgId ?? orgId,
      stored: answer.stored,
      status: answer.status,
      reason: answer.error.reason,
      retryAfterSeconds: answer.error.retryAfterSeconds,
    });
  }

  const grantPayload = (grant: Grant) => ({
    ...(grant.refreshToken !== undefined ? { refreshToken: grant.refreshToken } : {}),
    issuedAt: issuedAtOf(grant.issuedAt),
  });

  return {
    submitGrant: async (org, grant) =>
      grantResult(
        await invoke({ action: 'submitGrant', org, ...clientPayload(grant), grant: grantPayload(grant) }, org.orgId),
      ),
    reauthorise: async (orgId, grant) =>
      grantResult(
        await invoke({ action: 'reauthorise', orgId, ...clientPayload(grant), grant: grantPayload(grant) }, orgId),
      ),
    removeOrg: async (orgId) => removalResult(await invoke({ action: 'removeOrg', orgId }, orgId)),
  };
}

function grantResult(answer: Extract<Answer, { ok: true }>): GrantResult {
  if (answer.status !== 'ACTIVE') throw unexpected(answer.orgId);
  return { orgId: answer.orgId, status: 'ACTIVE', expiresAt: new Date(answer.expiresAt), repeated: !!answer.repeated };
}

function removalResult(answer: Extract<Answer, { ok: true }>): RemovalResult {
  if (answer.status !== 'REMOVED') throw unexpected(answer.orgId);
  const r = answer.revocation;
  const date = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso));
  return {
    orgId: answer.orgId,
    status: 'REMOVED',
    alreadyRemoved: !!answer.alreadyRemoved,
    removedAt: date(answer.removedAt),
    refreshToken: r && { result: r.refreshToken, reason: r.refreshTokenReason, expiresAt: undefined },
    accessToken: r && { result: r.accessToken, reason: r.accessTokenReason, expiresAt: date(r.accessTokenExpiresAt) },
    secretsHeld: false,
  };
}

function unexpected(orgId: string) {
  return grantIntakeError('INTAKE_UNAVAILABLE', 'the grant intake gave no answer this library understands', {
    orgId,
    stored: false,
    status: undefined,
    reason: undefined,
    retryAfterSeconds: undefined,
  });
}

/** The own client travels beside the grant, never among the org's settings. */
function clientPayload(grant: Grant): { client?: { clientId: string; clientSecret: string } } {
  return grant.client ? { client: { clientId: grant.client.clientId, clientSecret: grant.client.clientSecret } } : {};
}

/** No default: a library cannot know when the app received the grant, and "now" would reorder late deliveries. */
function issuedAtOf(value: Grant['issuedAt'] | undefined): number | string {
  if (value === undefined || value === null) {
    throw new TypeError(
      'grant.issuedAt is required: when your app received the grant (epoch ms, Date or ISO 8601); pass the same ' +
        'value every time this grant is handed over',
    );
  }
  if (value instanceof Date) return value.getTime();
  return value;
}

function safeJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
