// The token-availability run: a fleet of orgs with short-lived tokens, the refresher invoked on a fast schedule by
// real OS processes (as EventBridge would invoke Lambda), and every second the share of ACTIVE orgs whose stored
// access token is still valid. Optionally, transient provider failures and a refresher process SIGKILLed mid-sweep
// every minute.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { leaseHoldMs } from '../../../lambdas/core/commit-window.js';
import type { RefresherSettings } from '../../../lambdas/refresher-settings.js';
import type { Fault } from '../../../local/oauth-server.js';
import { scheduledEvent } from '../../../local/scheduled-event.js';
import type { Harness } from '../../support/harness.js';
import { fileLedger } from './file-ledger.js';
import { type GrantVerdict, grantVerdict, orgIds, RefreshTokenWatch, seedOrgs, sleep } from './fleet.js';
import { type InvokeOutcome, RefresherProcess, refresherEnv } from './refresher-process.js';

export interface AvailabilityOptions {
  name: string;
  orgs: number;
  lifetimeSeconds: number;
  durationMs: number;
  /** Share of token requests answered with a transient failure (before the provider processes them). */
  faultRate: number;
  crashEveryMs: number | undefined;
  processes: number;
  settings: Partial<RefresherSettings> &
    Pick<RefresherSettings, 'lambdaTimeoutSeconds' | 'schedulePeriodSeconds' | 'leaseSeconds'>;
  dynamoDbEndpoint: string;
}

export interface AvailabilityResult {
  samples: number;
  /** Mean over samples of the share of ACTIVE orgs with an unexpired stored access token, in %. */
  availabilityPercent: number;
  minPercent: number;
  expiredOrgSamples: number;
  refreshes: number;
  faultsInjected: number;
  crashes: number;
  invocations: number;
  verdicts: Partial<Record<GrantVerdict, number>>;
}

const TRANSIENT: Fault[] = [
  { kind: 'status', status: 503, body: JSON.stringify({ error: 'temporarily_unavailable' }) },
  { kind: 'status', status: 500, contentType: 'text/html', body: '<html>Internal Server Error</html>' },
  // Not a random 429: a 429 is a provider asking every sweep to slow down, and the refresher backs the whole host off
  // for its Retry-After (docs/fleet.md#per-host-limits); 429s at random on 5 % of requests would model a provider that
  // rate-limits all the time. A transient failure with Retry-After is this 503; 429 has its own tests
  // (test/integration/fleet.test.ts, test/reliability/provider-faults.test.ts).
  { kind: 'status', status: 503, headers: { 'retry-after': '1' }, body: '{}' },
  { kind: 'reset-before' },
];

export async function runAvailability(h: Harness, o: AvailabilityOptions): Promise<AvailabilityResult> {
  const ids = orgIds(`avail-${o.name}`, o.orgs);
  const lifetimeMs = o.lifetimeSeconds * 1000;
  const leadMs = lifetimeMs / 2;
  // Start in steady state: every org holds a token issued some time in the last lead time (as if just refreshed),
  // so the first minute is not one burst of 500 refreshes.
  const start = Date.now();
  await seedOrgs(h, ids, () => {
    const expiresAt = start + leadMs + Math.floor(Math.random() * leadMs);
    return { refreshAt: expiresAt - leadMs, extra: { expiresAt, accessToken: 'seeded-placeholder-access-token' } };
  });
  let faultsInjected = 0;
  new RefreshTokenWatch(h.oauth, () => {
    if (Math.random() >= o.faultRate) return undefined;
    faultsInjected++;
    return TRANSIENT[Math.floor(Math.random() * TRANSIENT.length)];
  });
  const successesBefore = h.oauth.stats.successes;

  const env = refresherEnv({
    tableName: h.table,
    dynamoDbEndpoint: o.dynamoDbEndpoint,
    secretsEndpoint: h.secrets.endpoint,
    settings: o.settings,
    logLevel: 'INFO',
  });
  const processes = await Promise.all(Array.from({ length: o.processes }, () => RefresherProcess.start(env)));
  const retired: RefresherProcess[] = [];
  const invocations: Promise<InvokeOutcome>[] = [];
  const budgetMs = o.settings.lambdaTimeoutSeconds * 1000;
  const periodMs = o.settings.schedulePeriodSeconds * 1000;
  let next = 0;
  let crashes = 0;
  let running = true;

  // EventBridge: one invocation per period, whatever the previous one is doing (overlaps are allowed, as in Lambda).
  const schedule = setInterval(() => {
    const idle = processes.find((p) => p.alive && !p.busy);
    const target = idle ?? (processes[next++ % processes.length] as RefresherProcess);
    invocations.push(target.invoke(scheduledEvent(), { budgetMs }));
  }, periodMs);

  // One crash a minute, at a random moment, of a process that is in the middle of a sweep.
  const crashLoop = (async () => {
    if (o.crashEveryMs === undefined) return;
    for (let minute = 0; running; minute++) {
      // Somewhere in the first three quarters of each minute, so the last minute's crash happens well before the end.
      const at = start + minute * o.crashEveryMs + 5_000 + Math.random() * (o.crashEveryMs * 0.75 - 5_000);
      while (running && Date.now() < at) await sleep(100);
      let victim: RefresherProcess | undefined;
      while (running && !victim) {
        victim = processes.find((p) => p.busy);
        if (!victim) await sleep(50);
      }
      if (!victim || !running) return;
      // Give the sweep a random moment to get somewhere (claims, requests in flight, commits).
      await sleep(Math.random() * 400);
      victim.kill();
      crashes++;
      retired.push(victim);
      processes[processes.indexOf(victim)] = await RefresherProcess.start(env);
    }
  })();

  // Sample every second: ACTIVE orgs, and how many of them hold an access token that has not expired.
  const shares: number[] = [];
  let expiredOrgSamples = 0;
  const deadline = start + o.durationMs;
  while (Date.now() < deadline) {
    const tickStarted = Date.now();
    let active = 0;
    let valid = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await h.doc.send(
        new ScanCommand({
          TableName: h.table,
          ConsistentRead: true,
          ProjectionExpression: '#s, expiresAt',
          ExpressionAttributeNames: { '#s': 'status' },
          ExclusiveStartKey: startKey,
        }),
      );
      const sampledAt = Date.now();
      for (const item of page.Items ?? []) {
        if (item.status !== 'ACTIVE') continue;
        active++;
        if (typeof item.expiresAt === 'number' && item.expiresAt > sampledAt) valid++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    shares.push(active === 0 ? 1 : valid / active);
    expiredOrgSamples += active - valid;
    await sleep(Math.max(0, 1_000 - (Date.now() - tickStarted)));
  }

  running = false;
  clearInterval(schedule);
  await crashLoop;
  const outcomes = await Promise.all(invocations);
  await Promise.all(processes.map((p) => p.stop()));
  for (const p of [...processes, ...retired]) {
    fileLedger.addText(`availability ${o.name} process ${p.pid}`, p.stdout + p.stderr);
  }
  fileLedger.addText(`availability ${o.name} results`, outcomes);

  // Settle what the last crash left (a lease held by a dead process), then judge every org's grant.
  const holdMs = leaseHoldMs(o.settings.leaseSeconds * 1000);
  await h
    .runtime({ clock: { now: () => Date.now() + holdMs + 1_000, sleep: async (ms) => void (await sleep(ms)) } })
    .run.sweep(h.scope(budgetMs));
  const verdicts: Partial<Record<GrantVerdict, number>> = {};
  for (const id of ids) {
    const v = await grantVerdict(h, id);
    verdicts[v] = (verdicts[v] ?? 0) + 1;
  }
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  return {
    samples: shares.length,
    availabilityPercent: mean * 100,
    minPercent: Math.min(...shares) * 100,
    expiredOrgSamples,
    refreshes: h.oauth.stats.successes - successesBefore,
    faultsInjected,
    crashes,
    invocations: outcomes.length,
    verdicts,
  };
}
