// A refused shared client whose secret may have been rotated under the warm cache (issue 16, path 3): the secret is
// read again past the cache, and if it changed the exchange is retried once with it. Why this can never cost the
// grant: core/client-rejection.ts.
import { rejectedClientStep } from '../core/client-rejection.js';
import type { ClientCredentials } from '../core/ports.js';
import { buildTokenRequest } from '../providers/build-request.js';
import { type ExchangeResult, exchangeTokens } from './exchange.js';
import type { HostGate } from './host-gate.js';
import type { Claimed, RefreshDeps } from './refresh-deps.js';

type Failed = Extract<ExchangeResult, { kind: 'failure' }>;

/** The retried exchange and the client it used, or undefined when there is nothing to retry. */
export async function retryWithRotatedClient(
  deps: RefreshDeps,
  claimed: Claimed,
  client: ClientCredentials,
  failed: Failed,
  gate: HostGate | undefined,
): Promise<{ exchange: ExchangeResult; client: ClientCredentials } | undefined> {
  const { record } = claimed;
  const step = rejectedClientStep({ code: failed.error.code, sharedClient: record.clientSecretId !== undefined });
  if (step.decision !== 'reread' || record.clientSecretId === undefined) return undefined;
  const fresh = await deps.credentials.afterRejection?.(record.clientSecretId, client);
  if (fresh === undefined) return undefined;
  deps.log.info('client refused with a cached secret; the secret changed, retrying once with the new one', {
    orgId: record.orgId,
    secretId: record.clientSecretId,
    reason: step.reason,
  });
  const retried = await exchangeTokens(deps, claimed, buildTokenRequest(record, fresh, deps.settings), gate);
  // What the first exchange learnt still holds: an earlier ambiguous attempt may have spent the refresh token.
  const exchange: ExchangeResult =
    retried.kind === 'failure'
      ? {
          ...retried,
          rotationAtRisk: retried.rotationAtRisk || failed.rotationAtRisk,
          ambiguous: retried.ambiguous || failed.ambiguous,
        }
      : retried.kind === 'tokens'
        ? { ...retried, ambiguous: retried.ambiguous || failed.ambiguous }
        : retried;
  return { exchange, client: fresh };
}
