// What a refused client means for this refresh (issue 16, path 3): a shared client's secret may have been rotated
// under the refresher's warm cache, so the secret is read again and, if it changed, the exchange is retried once.
// Pure, so each row is a table test.
//
// Why the retry cannot cost the grant: RFC 6749 §6 makes the server authenticate the client before it validates the
// refresh token, and §5.2's invalid_client ("client authentication failed") and unauthorized_client ("the
// authenticated client is not authorized to use this authorization grant type") are errors about the client, not
// the grant: the request was refused before the refresh token was looked at, so it was not consumed (no rotation, no
// reuse to detect) and sending it again with the right secret is the same request the provider never processed. A
// 401 without an OAuth body is the same refusal (RFC 6749 §5.2: 401 for a failed client authentication).
import { ErrorCode } from './errors.js';

/** The codes that mean the provider refused the org's OAuth client itself. */
export const CLIENT_REJECTED_CODES: readonly string[] = [ErrorCode.InvalidClient, ErrorCode.UnauthorizedClient];

export interface RejectedClientFacts {
  /** The failed exchange's code. */
  code: string;
  /** The client came from Secrets Manager (clientSecretId): shared, cached, rotated by an operator. */
  sharedClient: boolean;
}

export type RejectedClientStep =
  | { decision: 'reread'; reason: 'SECRET_MAY_HAVE_ROTATED' }
  | { decision: 'keep'; reason: 'NOT_A_CLIENT_REJECTION' | 'OWN_CLIENT' };

/** Asked once per refresh: a refusal of the re-read secret too is the client's own (MISCONFIGURED as before). */
export function rejectedClientStep(f: RejectedClientFacts): RejectedClientStep {
  if (!CLIENT_REJECTED_CODES.includes(f.code)) return { decision: 'keep', reason: 'NOT_A_CLIENT_REJECTION' };
  // An org's own client lives in its record, read fresh with the record: there is no cache to be stale.
  if (!f.sharedClient) return { decision: 'keep', reason: 'OWN_CLIENT' };
  return { decision: 'reread', reason: 'SECRET_MAY_HAVE_ROTATED' };
}
