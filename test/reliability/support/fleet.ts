// Helpers for tests that work on many orgs at once: seeding in parallel, reading the whole table, and watching which
// refresh tokens reach the token endpoint (the exactly-once evidence).
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { isOrgKey } from '../../../lambdas/table-schema.js';
import type { Fault, LocalOAuthServer, TokenRequestInfo } from '../../../local/oauth-server.js';
import type { Harness, SeedOptions } from '../../support/harness.js';

export const orgIds = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

export async function seedOrgs(h: Harness, ids: readonly string[], seed: (id: string) => SeedOptions = () => ({})) {
  const limit = pLimit(16);
  await Promise.all(ids.map((id) => limit(() => h.seedOrg(id, seed(id)))));
}

export type StoredRecord = Record<string, unknown> & { orgId: string };

/** Every org record of the harness's table, strongly consistent (coordination items, keyed `#…`, left out). */
export async function scanRecords(h: Harness): Promise<Map<string, StoredRecord>> {
  const out = new Map<string, StoredRecord>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await h.doc.send(
      new ScanCommand({ TableName: h.table, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) if (isOrgKey(item.orgId)) out.set(String(item.orgId), item as StoredRecord);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}

/**
 * Counts every refresh token sent to the server (before any fault), and passes the request on to `next` for a fault.
 * Installed as the server's fault hook; `reset()` starts a new count.
 */
export class RefreshTokenWatch {
  readonly sent = new Map<string, number>();
  constructor(
    oauth: LocalOAuthServer,
    private readonly next: (info: TokenRequestInfo) => Fault | undefined = () => undefined,
  ) {
    oauth.faultHook = (info) => {
      const rt = info.grantType === 'refresh_token' ? info.params.get('refresh_token') : null;
      if (rt) this.sent.set(rt, (this.sent.get(rt) ?? 0) + 1);
      return this.next(info);
    };
  }
  count(rt: unknown): number {
    return typeof rt === 'string' ? (this.sent.get(rt) ?? 0) : 0;
  }
  reset(): void {
    this.sent.clear();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * What an org's record says about its grant: `verified` (ACTIVE, not leased, and the provider accepts its refresh
 * token), `alarmed` (REAUTH_REQUIRED because a rotation was lost: ROTATION_LOST, in the attention index), `reauth`
 * (REAUTH_REQUIRED for an ordinary dead grant), `at-risk` (ACTIVE but flagged rotationAtRisk: the next attempt will tell),
 * or `lost`: the record looks healthy but its grant is dead — the silent failure the design forbids.
 */
export type GrantVerdict = 'verified' | 'alarmed' | 'reauth' | 'at-risk' | 'lost';

export async function grantVerdict(h: Harness, orgId: string): Promise<GrantVerdict> {
  const rec = await h.getRecord(orgId);
  const code = (rec?.lastError as { code?: string } | undefined)?.code;
  if (rec?.status === 'REAUTH_REQUIRED' && rec.attention === 'REAUTH_REQUIRED') {
    return code === 'ROTATION_LOST' ? 'alarmed' : 'reauth';
  }
  if (rec?.status !== 'ACTIVE') return 'lost';
  const usable = typeof rec.refreshToken === 'string' && (await h.oauth.refreshTokenUsable(rec.refreshToken));
  if (usable && rec.leaseOwner === undefined) return 'verified';
  return rec.rotationAtRisk === true ? 'at-risk' : 'lost';
}
