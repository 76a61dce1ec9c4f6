// An in-memory TokenStore with the same conditions as the DynamoDB one, for fast unit tests of the refresh logic.
// The integration tests prove the DynamoDB store against DynamoDB Local; this one lets a test script every failure.
import { ConditionFailedError } from '../../lambdas/core/errors.js';
import type {
  ClaimRequest,
  CommitRequest,
  DuePage,
  MarkReauthRequest,
  ReleaseRequest,
  SalvageRequest,
  TokenStore,
  WriteOptions,
} from '../../lambdas/core/ports.js';

type Item = Record<string, unknown>;

export class MemoryTokenStore implements TokenStore {
  readonly items = new Map<string, Item>();
  /** Called before each operation; throw from it to inject a fault (a commit's options say how long it may take). */
  beforeOp: (op: string, orgId: string, options?: WriteOptions) => void = () => {};
  readonly ops: string[] = [];

  put(item: Item): void {
    this.items.set(String(item.orgId), structuredClone(item));
  }

  #current(orgId: string): Item | undefined {
    const item = this.items.get(orgId);
    return item ? structuredClone(item) : undefined;
  }

  #fenced(
    op: 'commit' | 'release' | 'markReauth',
    req: { orgId: string; claimedVersion: number; owner: string },
    options?: WriteOptions,
  ): Item {
    this.beforeOp(op, req.orgId, options);
    this.ops.push(`${op}:${req.orgId}`);
    const item = this.items.get(req.orgId);
    if (!item || item.leaseOwner !== req.owner || item.version !== req.claimedVersion) {
      throw new ConditionFailedError(req.orgId, op, this.#current(req.orgId));
    }
    return item;
  }

  async queryDue(shard: number, now: number): Promise<DuePage> {
    this.beforeOp('queryDue', String(shard));
    const items = [...this.items.values()]
      .filter((i) => i.dueShard === shard && typeof i.refreshAt === 'number' && i.refreshAt <= now)
      .map((i) => ({
        orgId: String(i.orgId),
        version: Number(i.version),
        refreshAt: Number(i.refreshAt),
        expiresAt: typeof i.expiresAt === 'number' ? i.expiresAt : undefined,
        attention: typeof i.attention === 'string' ? i.attention : undefined,
      }));
    return { items, nextPageKey: undefined };
  }

  async get(orgId: string) {
    this.beforeOp('get', orgId);
    return this.#current(orgId);
  }

  async claim(req: ClaimRequest) {
    this.beforeOp('claim', req.orgId);
    this.ops.push(`claim:${req.orgId}`);
    const item = this.items.get(req.orgId);
    const leaseFree = item && (item.leaseUntil === undefined || (item.leaseUntil as number) < req.now);
    const forcedLongAgo =
      !req.forced ||
      item?.forcedRefreshAt === undefined ||
      (item.forcedRefreshAt as number) < req.forced.previousBefore;
    if (!item || item.version !== req.expectedVersion || item.status !== 'ACTIVE' || !leaseFree || !forcedLongAgo) {
      throw new ConditionFailedError(req.orgId, 'claim', this.#current(req.orgId));
    }
    const before = structuredClone(item);
    Object.assign(item, { leaseOwner: req.owner, leaseUntil: req.leaseUntil });
    if (req.forced) item.forcedRefreshAt = req.now;
    return before;
  }

  async commit(req: CommitRequest, options?: WriteOptions) {
    const item = this.#fenced('commit', req, options);
    Object.assign(item, {
      accessToken: req.accessToken,
      tokenType: req.tokenType,
      expiresAt: req.expiresAt,
      refreshAt: req.refreshAt,
      dueShard: req.dueShard,
      lastRefreshedAt: req.refreshedAt,
      consecutiveFailures: 0,
      version: req.claimedVersion + 1,
    });
    if (req.refreshToken !== undefined) item.refreshToken = req.refreshToken;
    for (const k of [
      'leaseOwner',
      'leaseUntil',
      'lastError',
      'attention',
      'rotationAtRisk',
      'refreshTokenExpiresAt',
      'grantedScope',
    ])
      delete item[k];
    if (req.grantedScope !== undefined) item.grantedScope = req.grantedScope;
    if (req.removeInvalidScope) delete item.scope;
    if (req.refreshTokenExpiresAt !== undefined) item.refreshTokenExpiresAt = req.refreshTokenExpiresAt;
    if (req.attention !== undefined) item.attention = req.attention;
  }

  async salvage(req: SalvageRequest, options?: WriteOptions) {
    const item = this.#fenced('commit', req, options);
    Object.assign(item, {
      refreshToken: req.refreshToken,
      refreshAt: req.refreshAt,
      lastError: req.error,
      consecutiveFailures: Number(item.consecutiveFailures ?? 0) + 1,
      version: req.claimedVersion + 1,
    });
    for (const k of ['leaseOwner', 'leaseUntil', 'rotationAtRisk', 'refreshTokenExpiresAt']) delete item[k];
  }

  async release(req: ReleaseRequest) {
    const item = this.#fenced('release', req);
    Object.assign(item, { refreshAt: req.refreshAt, version: req.claimedVersion + 1 });
    if (req.error)
      Object.assign(item, { lastError: req.error, consecutiveFailures: Number(item.consecutiveFailures ?? 0) + 1 });
    if (req.attention) item.attention = req.attention;
    else delete item.attention;
    if (req.rotationAtRisk) item.rotationAtRisk = true;
    else delete item.rotationAtRisk;
    delete item.leaseOwner;
    delete item.leaseUntil;
  }

  async markReauth(req: MarkReauthRequest) {
    const item = this.#fenced('markReauth', req);
    Object.assign(item, {
      status: 'REAUTH_REQUIRED',
      lastError: req.error,
      attention: 'REAUTH_REQUIRED',
      statusSince: req.error.at,
      statusReason: req.error.code,
      consecutiveFailures: Number(item.consecutiveFailures ?? 0) + 1,
      version: req.claimedVersion + 1,
    });
    for (const k of [
      'leaseOwner',
      'leaseUntil',
      'dueShard',
      'refreshAt',
      'refreshToken',
      'rotationAtRisk',
      'refreshTokenExpiresAt',
    ])
      delete item[k];
  }

  async attentionCounts() {
    this.beforeOp('attentionCounts', '');
    const counts: Record<string, number> = {};
    for (const item of this.items.values()) {
      if (typeof item.attention === 'string') counts[item.attention] = (counts[item.attention] ?? 0) + 1;
    }
    return counts;
  }
}
