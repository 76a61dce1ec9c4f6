// Which OAuth client an org's request uses: its own, kept in its record (clientId + clientSecret, under the table's
// KMS key like its refresh token), or a client shared by many orgs in Secrets Manager (clientSecretId). The record
// comes first, so an org with its own client never costs a Secrets Manager call.
import { ErrorCode, FailureClass, RefreshError } from '../core/errors.js';
import type { ClientCredentials, CredentialsSource } from '../core/ports.js';
import type { TokenRecord } from '../core/record.js';

export async function orgClient(
  record: Pick<TokenRecord, 'clientId' | 'clientSecret' | 'clientSecretId'>,
  credentials: CredentialsSource,
): Promise<ClientCredentials> {
  if (record.clientId !== undefined && record.clientSecret !== undefined) {
    return { clientId: record.clientId, clientSecret: record.clientSecret };
  }
  if (record.clientSecretId !== undefined) return credentials.get(record.clientSecretId);
  // The record schema refuses this; kept so a gap there can never send a request without a client.
  throw new RefreshError(
    ErrorCode.RecordInvalid,
    FailureClass.BadData,
    "record invalid: neither clientSecretId nor the org's own client (clientId and clientSecret)",
  );
}
