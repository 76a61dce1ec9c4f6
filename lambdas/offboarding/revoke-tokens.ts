// Revokes a removed org's tokens at its provider, where the provider documents a way (core/revocation.ts plans it
// from the profile and judges each answer; providers/build-revocation.ts builds the requests). Best effort by design:
// the record no longer holds the tokens, so a revocation that fails is reported (NOT_REVOKED and why), never retried
// later. A revocation is idempotent, so unlike a refresh it is retried after a timeout too, within the time left.
import type { RefresherConfig } from '../config.js';
import type { ClientCredentials, Clock, CredentialsSource, Log, TokenEndpoint } from '../core/ports.js';
import { PROFILES, PROVIDER_NAMES, type ProviderName } from '../core/provider-profiles.js';
import {
  type HeldTokens,
  NotRevokedReason,
  notRevoked,
  Revocation,
  type RevocationSummary,
  revocationPlan,
  revocationVerdict,
  type TokenKind,
  type TokenPlan,
  type TokenRevocation,
} from '../core/revocation.js';
import { buildRevocationRequest, type RevocationSettings, revocationUrlOf } from '../providers/build-revocation.js';
import { orgClient } from '../refresher/org-client.js';

export interface RevokeDeps {
  credentials: CredentialsSource;
  endpoint: TokenEndpoint;
  clock: Clock;
  log: Log;
  settings: Pick<
    RefresherConfig,
    'httpTimeoutMs' | 'allowedTokenHosts' | 'allowLoopbackHttp' | 'tokenEndpointOverride'
  >;
}

export interface RevokeResult {
  summary: RevocationSummary;
  /** Requests sent to the provider (attempts included): what the removal cost there. */
  requests: number;
}

/** Attempts per token: the first, and two retries of a 5xx, 429, timeout or network error. */
const ATTEMPTS = 3;
const RETRY_PAUSE_MS = 250;
/** Kept free after the last request for the event and the answer. */
const RESERVE_MS = 1_000;

/** The kinds in the order they are revoked: the refresh token first (servers often revoke its grant's access tokens). */
const ORDER: readonly TokenKind[] = ['refreshToken', 'accessToken'];

export async function revokeTokens(
  deps: RevokeDeps,
  removed: Record<string, unknown>,
  remainingMs: () => number,
): Promise<RevokeResult> {
  const orgId = String(removed.orgId);
  const held: HeldTokens = {
    refreshToken: typeof removed.refreshToken === 'string' ? removed.refreshToken : undefined,
    accessToken: typeof removed.accessToken === 'string' ? removed.accessToken : undefined,
    expiresAt: typeof removed.expiresAt === 'number' ? removed.expiresAt : undefined,
  };
  const provider = removed.provider as ProviderName;
  // A record whose provider is unknown was never refreshable: nothing is known of how to revoke its tokens.
  const profile = PROVIDER_NAMES.includes(provider) ? PROFILES[provider].revocation : undefined;
  const settings = removed as unknown as RevocationSettings;
  const plan = revocationPlan(
    held,
    profile ?? { refreshToken: undefined, accessToken: undefined },
    (endpoint) => revocationUrlOf(endpoint, settings),
    deps.clock.now(),
  );
  let client: Promise<ClientCredentials | undefined> | undefined;
  // The org's client only if an RFC 7009 request needs it (a shared one costs a Secrets Manager read).
  const clientOnce = () => {
    client ??= orgClient(removed, deps.credentials).catch(() => undefined);
    return client;
  };
  let requests = 0;
  const outcome = {} as Record<TokenKind, TokenRevocation>;
  for (const kind of ORDER) {
    const step = plan[kind];
    const result = await revokeOne(deps, kind, step, settings, held, clientOnce, remainingMs, () => requests++);
    outcome[kind] = result;
    deps.log.info('revocation', {
      orgId,
      token: kind,
      result: result.result,
      ...(result.reason ? { reason: result.reason } : {}),
    });
  }
  return { summary: { refreshToken: outcome.refreshToken, accessToken: outcome.accessToken }, requests };
}

async function revokeOne(
  deps: RevokeDeps,
  kind: TokenKind,
  step: TokenPlan,
  settings: RevocationSettings,
  held: HeldTokens,
  clientOnce: () => Promise<ClientCredentials | undefined>,
  remainingMs: () => number,
  counted: () => void,
): Promise<TokenRevocation> {
  if (step.action === 'skip') return step.outcome;
  const { clock, endpoint, settings: policy } = deps;
  const client = step.endpoint.kind === 'rfc7009' ? await clientOnce() : undefined;
  if (step.endpoint.kind === 'rfc7009' && client === undefined) {
    return notRevoked(kind, NotRevokedReason.ClientUnavailable, held);
  }
  let request: ReturnType<typeof buildRevocationRequest>;
  try {
    request = buildRevocationRequest(kind, step.token, step.endpoint, settings, client, policy);
  } catch {
    // The allow-list or https refused the URL: nothing was sent (the message may name the host; the code is enough).
    return notRevoked(kind, NotRevokedReason.UrlRefused, held);
  }
  let reason: (typeof NotRevokedReason)[keyof typeof NotRevokedReason] = NotRevokedReason.OutOfTime;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (remainingMs() < policy.httpTimeoutMs + RESERVE_MS) return notRevoked(kind, reason, held);
    counted();
    const verdict = revocationVerdict(await endpoint.send(request, policy.httpTimeoutMs));
    if (verdict.revoked) return { result: Revocation.Revoked };
    reason = verdict.reason;
    if (!verdict.retry) break;
    if (attempt < ATTEMPTS) await clock.sleep(RETRY_PAUSE_MS * attempt);
  }
  return notRevoked(kind, reason, held);
}
