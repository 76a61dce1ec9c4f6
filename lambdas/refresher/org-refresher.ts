// One org's refresh as orchestration: claim → the org's own client → its org-scoped request → exchange → commit, or
// the failure transition. Each step lives in its own file; everything goes through ports, so the same code runs in
// Lambda, in local mode, in the CLI and in tests.
import { ErrorCode } from '../core/errors.js';
import type { ClientCredentials } from '../core/ports.js';
import { scrub } from '../core/redact.js';
import { buildTokenRequest } from '../providers/build-request.js';
import { claimOrg } from './claim.js';
import { commitTokens } from './commit.js';
import { exchangeTokens } from './exchange.js';
import { handleFailure } from './failure.js';
import { deferOrg } from './host-deferral.js';
import { orgClient } from './org-client.js';
import type { Candidate, Claimed, RefreshDeps, RunScope } from './refresh-deps.js';
import { asRefreshError, type RefreshOutcome } from './refresh-outcome.js';
import { retryWithRotatedClient } from './rotated-client.js';

export class OrgRefresher {
  constructor(readonly deps: RefreshDeps) {}

  /**
   * Refreshes one org. `force` (direct invocation, CLI) refreshes even if not due. Never throws: every path ends in
   * an outcome, and a failure of this org never reaches another (invariant 3).
   */
  async refresh(candidate: Candidate, scope: RunScope, force = false): Promise<RefreshOutcome> {
    try {
      const claimed = await claimOrg(this.deps, candidate, scope, force);
      if ('result' in claimed) return claimed;
      return await this.refreshClaimed(claimed, scope);
    } catch (err) {
      // Store errors end up here (throttling past the SDK's retries, network). Before a claim nothing is held; after
      // one, the lease simply expires and the next claimer treats the org as ambiguous (it may have been sent), so
      // nothing is lost and no other org is touched.
      this.deps.log.warn('refresh aborted by a store error', {
        orgId: candidate.orgId,
        error: scrub(String((err as Error)?.message ?? err)),
      });
      return { orgId: candidate.orgId, result: 'failed', code: ErrorCode.StoreUnavailable, failureClass: 'store' };
    }
  }

  /**
   * An org this run holds the lease on: its client, its request, the exchange, then the commit or the failure
   * transition. Public for the on-demand path (lambdas/on-demand/), which claims on its own terms; store errors are
   * the caller's to catch, as refresh() does.
   */
  async refreshClaimed(claimed: Claimed, scope: RunScope): Promise<RefreshOutcome> {
    const { record } = claimed;
    const deps = this.deps;
    let client: ClientCredentials;
    try {
      client = await orgClient(record, deps.credentials);
    } catch (err) {
      return handleFailure(deps, claimed, scope, asRefreshError(err), {
        rotationAtRisk: claimed.ambiguous,
        secrets: [record.accessToken, record.refreshToken, record.clientSecret],
      });
    }
    // Every secret this refresh handles is scrubbed by value from whatever text leaves the process (invariant 5).
    const secrets = [record.accessToken, record.refreshToken, client.clientSecret];
    let request: ReturnType<typeof buildTokenRequest>;
    try {
      request = buildTokenRequest(record, client, deps.settings);
    } catch (err) {
      return handleFailure(deps, claimed, scope, asRefreshError(err), { rotationAtRisk: claimed.ambiguous, secrets });
    }
    let exchange = await exchangeTokens(deps, claimed, request, scope.hostGate);
    if (exchange.kind === 'failure') {
      // A shared client refused: its secret may have been rotated under the warm cache (issue 16).
      const retried = await retryWithRotatedClient(deps, claimed, client, exchange, scope.hostGate);
      if (retried !== undefined) {
        exchange = retried.exchange;
        secrets.push(retried.client.clientSecret);
      }
    }
    if (exchange.kind === 'tokens') return commitTokens(deps, claimed, scope, exchange, secrets);
    if (exchange.kind === 'deferred') return deferOrg(deps, claimed, scope, exchange.degradedUntil);
    return handleFailure(deps, claimed, scope, exchange.error, {
      rotationAtRisk: exchange.rotationAtRisk,
      ambiguous: exchange.ambiguous,
      salvageRefreshToken: exchange.salvageRefreshToken,
      secrets,
    });
  }
}
