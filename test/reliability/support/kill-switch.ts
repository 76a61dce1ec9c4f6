// Crash injection without test hooks in production code: decorators around the refresher's own ports (the token
// store and the token endpoint), handed to the real runtime through its overrides. At the planned occurrence of the
// planned point, the process SIGKILLs itself — no finally block, no exit handler, exactly what a Lambda timeout or an
// out-of-memory kill does.
import type {
  AttentionCounts,
  ClaimRequest,
  CommitRequest,
  DuePage,
  HttpOutcome,
  MarkReauthRequest,
  ReleaseRequest,
  SalvageRequest,
  TokenEndpoint,
  TokenRequest,
  TokenStore,
  WriteOptions,
} from '../../../lambdas/core/ports.js';

export const KILL_POINTS = ['before-claim', 'after-claim', 'after-response', 'during-commit'] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

export interface KillPlan {
  point: KillPoint;
  /** Die at this occurrence of the point (1 = the first claim, response or commit of the run). */
  nth: number;
  /** during-commit: how long after the commit request was started (it is in flight or already applied). */
  commitDelayMs?: number;
}

export class KillSwitch {
  #plan: KillPlan | undefined;
  #seen = 0;

  constructor(private readonly kill: () => void = () => process.kill(process.pid, 'SIGKILL')) {}

  arm(plan: KillPlan | undefined): void {
    this.#plan = plan;
    this.#seen = 0;
  }

  /** True exactly once: at the planned occurrence of the planned point. */
  due(point: KillPoint): boolean {
    if (this.#plan?.point !== point) return false;
    this.#seen++;
    return this.#seen === this.#plan.nth;
  }

  get commitDelayMs(): number {
    return this.#plan?.commitDelayMs ?? 0;
  }

  /** Dies now. The returned promise never settles, so no caller code runs after the signal. */
  die(): Promise<never> {
    this.kill();
    return new Promise<never>(() => {});
  }
}

export class KillingTokenStore implements TokenStore {
  constructor(
    private readonly inner: TokenStore,
    private readonly killSwitch: KillSwitch,
  ) {}

  queryDue(shard: number, now: number, pageKey: Record<string, unknown> | undefined): Promise<DuePage> {
    return this.inner.queryDue(shard, now, pageKey);
  }
  get(orgId: string): Promise<Record<string, unknown> | undefined> {
    return this.inner.get(orgId);
  }
  async claim(req: ClaimRequest): Promise<Record<string, unknown>> {
    if (this.killSwitch.due('before-claim')) return this.killSwitch.die();
    const before = await this.inner.claim(req);
    if (this.killSwitch.due('after-claim')) return this.killSwitch.die();
    return before;
  }
  async commit(req: CommitRequest, options?: WriteOptions): Promise<void> {
    if (!this.killSwitch.due('during-commit')) return this.inner.commit(req, options);
    // The UpdateItem is on its way (or already applied) when the process dies: the outcome is DynamoDB's to decide.
    this.inner.commit(req, options).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, this.killSwitch.commitDelayMs));
    return this.killSwitch.die();
  }
  salvage(req: SalvageRequest, options?: WriteOptions): Promise<void> {
    return this.inner.salvage(req, options);
  }
  release(req: ReleaseRequest): Promise<void> {
    return this.inner.release(req);
  }
  markReauth(req: MarkReauthRequest): Promise<void> {
    return this.inner.markReauth(req);
  }
  attentionCounts(): Promise<AttentionCounts> {
    return this.inner.attentionCounts();
  }
}

export class KillingTokenEndpoint implements TokenEndpoint {
  constructor(
    private readonly inner: TokenEndpoint,
    private readonly killSwitch: KillSwitch,
  ) {}

  async send(request: TokenRequest, timeoutMs: number): Promise<HttpOutcome> {
    const outcome = await this.inner.send(request, timeoutMs);
    // The provider has answered (and, for a rotating refresh token, already rotated it).
    if (this.killSwitch.due('after-response')) return this.killSwitch.die();
    return outcome;
  }
}
