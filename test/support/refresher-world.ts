// The world one org's refresh runs in, in memory: a fake clock, a scripted token endpoint, recorded events, fake
// credentials, the in-memory store and a captured log. Shared by the OrgRefresher and RefreshRun unit tests.
import type { RefreshError } from '../../lambdas/core/errors.js';
import type {
  Clock,
  CredentialsSource,
  HttpOutcome,
  Notifier,
  OrgEventDetail,
  OrgEventType,
  TokenEndpoint,
  TokenRequest,
} from '../../lambdas/core/ports.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import type { OrgRefreshConfig, RunScope } from '../../lambdas/refresher/refresh-deps.js';
import { CapturedLog } from './harness.js';
import { MemoryTokenStore } from './memory-store.js';

export const T0 = 1_800_000_000_000;
export const SECRET = 'client-secret-never-logged';
export const OLD_RT = 'old-refresh-token-value';
export const OLD_AT = 'old-access-token-value';

export const settings: OrgRefreshConfig = {
  refreshWindowMs: 600_000,
  schedulePeriodMs: 60_000,
  leaseMs: 60_000,
  httpTimeoutMs: 10_000,
  maxAttempts: 3,
  shardCount: 4,
  jitterMs: 0,
  refreshTokenWarningMs: 7 * 86_400_000,
  allowedTokenHosts: ['idp.example.com'],
  allowLoopbackHttp: false,
  tokenEndpointOverride: undefined,
};

export class FakeClock implements Clock {
  t = T0;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
  };
}

export class ScriptedEndpoint implements TokenEndpoint {
  readonly requests: TokenRequest[] = [];
  constructor(
    public script: ((req: TokenRequest, n: number) => HttpOutcome | Promise<HttpOutcome>)[] = [],
    private readonly clock?: FakeClock,
    private readonly latencyMs = 0,
  ) {}
  async send(req: TokenRequest): Promise<HttpOutcome> {
    this.requests.push(req);
    if (this.clock) this.clock.t += this.latencyMs;
    const step = this.script[Math.min(this.requests.length - 1, this.script.length - 1)];
    if (!step) throw new Error('endpoint called but nothing scripted');
    return step(req, this.requests.length);
  }
}

export const ok = (
  rt = 'new-refresh-token',
  at = 'new-access-token',
  extra: Record<string, unknown> = {},
): HttpOutcome => ({
  kind: 'response',
  status: 200,
  retryAfter: undefined,
  contentType: 'application/json',
  body: JSON.stringify({ access_token: at, refresh_token: rt, token_type: 'Bearer', expires_in: 3600, ...extra }),
});
export const status = (code: number, body: unknown = {}, retryAfter?: string): HttpOutcome => ({
  kind: 'response',
  status: code,
  retryAfter,
  contentType: 'application/json',
  body: JSON.stringify(body),
});

export class RecordingNotifier implements Notifier {
  readonly events: { type: OrgEventType; orgId: string; reason: string }[] = [];
  /** Every event's whole detail, in order. */
  readonly details: (OrgEventDetail & { type: OrgEventType })[] = [];
  async orgEvent(type: OrgEventType, d: OrgEventDetail) {
    this.events.push({ type, orgId: d.orgId, reason: d.reason });
    this.details.push({ type, ...d });
  }
}

export class FakeCredentials implements CredentialsSource {
  reads = 0;
  error: RefreshError | undefined;
  async get() {
    this.reads++;
    if (this.error) throw this.error;
    return { clientId: 'client', clientSecret: SECRET };
  }
}

export interface RefresherWorld {
  clock: FakeClock;
  store: MemoryTokenStore;
  endpoint: ScriptedEndpoint;
  notifier: RecordingNotifier;
  credentials: FakeCredentials;
  log: CapturedLog;
  refresher: OrgRefresher;
  /** Puts an ACTIVE, due org with an old token pair at version 7, refreshed before (lastRefreshedAt set). */
  seed(orgId?: string, extra?: Record<string, unknown>): void;
  /** The org's item as the store holds it now. */
  record(orgId?: string): Record<string, unknown>;
}

export const scope: RunScope = { owner: 'run-A', remainingMs: () => 180_000 };

export function refresherWorld(overrides: Partial<OrgRefreshConfig> = {}): RefresherWorld {
  const clock = new FakeClock();
  const store = new MemoryTokenStore();
  const endpoint = new ScriptedEndpoint([() => ok()], clock);
  const notifier = new RecordingNotifier();
  const credentials = new FakeCredentials();
  const log = new CapturedLog();
  const refresher = new OrgRefresher({
    store,
    credentials,
    endpoint,
    notifier,
    clock,
    random: () => 0.5,
    log,
    settings: { ...settings, ...overrides },
  });
  return {
    clock,
    store,
    endpoint,
    notifier,
    credentials,
    log,
    refresher,
    seed(orgId = 'org-1', extra = {}) {
      store.put({
        orgId,
        provider: 'generic',
        grantType: 'refresh_token',
        tokenUrl: 'https://idp.example.com/token',
        clientSecretId: 'tenant-tokens/client',
        accessToken: OLD_AT,
        refreshToken: OLD_RT,
        expiresAt: T0 + 300_000,
        refreshAt: T0 - 1,
        dueShard: dueShardFor(orgId, settings.shardCount),
        status: 'ACTIVE',
        version: 7,
        consecutiveFailures: 0,
        lastRefreshedAt: T0 - 3_000_000,
        ...extra,
      });
    },
    record: (orgId = 'org-1') => store.items.get(orgId) as Record<string, unknown>,
  };
}
