// docs/runbook.md, executed. For each alarm, the steps its section tells on-call to take, run against the scenario's
// world the way a person would: the operator CLI (`tenant-tokens`, in-process, on the scenario's table), the log
// group (the handler's captured log lines), and the AWS actions the runbook names (re-enable the rule, redeploy,
// `put-secret-value`, `purge-queue`), which here act on the stand-ins. A step reads the table through the CLI's
// output, never through the simulation's internals. `says` is the runbook's own wording for the step:
// test/unit/runbook-steps.test.ts checks that every one appears in that alarm's section, so the steps proven here
// are the steps on-call reads.
import type { TenantSummary } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { FAN_OUT_RUNBOOK } from './runbook-fan-out.js';
import { FRESHNESS_RUNBOOK } from './runbook-freshness.js';
import { ON_DEMAND_RUNBOOK } from './runbook-on-demand.js';
import { countBy, logFields, parseJson, type RunbookStep, refreshExpiredOrgs, tenants } from './runbook-reading.js';
import type { World } from './world/world.js';

export type { RunbookStep };

export interface StepReport {
  alarm: string;
  says: string;
  did: string;
}

const reauthSteps: RunbookStep[] = [
  {
    says: '`tenants list --json` for the orgs with status `REAUTH_REQUIRED` and their `lastError`',
    async run(w) {
      const dead = (await tenants(w)).filter((t) => t.status === 'REAUTH_REQUIRED');
      return dead.map((t) => `${t.orgId} (${t.lastError?.code ?? '?'})`).join(', ') || 'none';
    },
  },
  {
    says: 'ask the customer to re-authorise the app',
    async run(w) {
      const dead = (await tenants(w)).filter((t) => t.status === 'REAUTH_REQUIRED');
      const done: string[] = [];
      for (const t of dead) {
        const file = await w.customerReauthorises(t.orgId);
        const r = await w.cli(['tenants', 'reauth', t.orgId, '--refresh-token-file', file]);
        if (r.code !== 0) throw new Error(`tenants reauth ${t.orgId} failed: ${r.stderr}`);
        const shown = await w.cli(['tenants', 'show', t.orgId]);
        if (!/ACTIVE/.test(shown.stdout))
          throw new Error(`tenants show ${t.orgId} does not say ACTIVE:\n${shown.stdout}`);
        done.push(t.orgId);
      }
      return done.length ? `re-authorised ${done.join(', ')}; \`tenants show\` says ACTIVE` : 'nothing to do';
    },
  },
  {
    says: 'tenants reauth ORG --refresh-token-file FILE',
    async run() {
      return 'done in the step above, with the customer’s new grant in a 0600 file';
    },
  },
  {
    says: '`tenants show ORG` should then say ACTIVE',
    async run() {
      return 'checked in the step above';
    },
  },
];

export const RUNBOOK: Record<string, RunbookStep[]> = {
  IntakeErrors: [
    {
      says: "the intake's log group (the function `GrantIntakeFunctionName`)",
      async run(w, since) {
        const errors = w
          .logLines(since, 'intake')
          .filter((l) => /"errorType"|grant intake failed/.test(l))
          .map((l) => parseJson<Record<string, unknown>>(l));
        return countBy(errors, 'message', 'errorType');
      },
    },
    {
      says: '`invalid refresher configuration` at cold start',
      async run(w, since) {
        const config = w.logLines(since, 'intake').find((l) => l.includes('invalid refresher configuration'));
        if (!config || !w.intake) return 'not a configuration error';
        const named = [...new Set(config.match(/\b[A-Z][A-Z_]{3,}\b/g) ?? [])].join(', ');
        w.intake.deploy({ ...w.deployedEnv });
        return `the error names ${named}: redeployed the intake with the stack's own configuration`;
      },
    },
    {
      says: 'the app hands the grant over again',
      async run(w) {
        if (!w.intake) return 'no intake';
        const results: string[] = [];
        for (const handOver of [...w.intake.pending.values()]) {
          const r = await w.intake.reauthorise(handOver);
          results.push(`${handOver.orgId}: ${r.ok ? 'stored' : r.code}`);
        }
        return results.join('; ') || 'nothing left to hand over';
      },
    },
    {
      says: '`tenants show ORG` (status, version, `lastError`)',
      async run(w) {
        const states: string[] = [];
        for (const orgId of w.intake?.attempted ?? []) {
          const r = await w.cli(['tenants', 'show', orgId, '--json']);
          const s = parseJson<{ summary?: TenantSummary } & Partial<TenantSummary>>(r.stdout);
          states.push(`${orgId}: ${(s.summary ?? (s as TenantSummary)).status}`);
        }
        return states.join('; ') || 'no org handed over';
      },
    },
  ],
  Heartbeat: [
    {
      says: 'the rule is enabled (`aws events list-rules --name-prefix TenantTokenRefresher`)',
      async run(w) {
        if (w.scheduleEnabled) return 'the rule is ENABLED';
        w.scheduleEnabled = true;
        return 'the rule was DISABLED: re-enabled it (`aws events enable-rule`)';
      },
    },
    {
      says: 'the log group for `invalid refresher configuration`',
      async run(w, since) {
        const lines = w.logLines(since).filter((l) => l.includes('invalid refresher configuration'));
        return lines.length ? `${lines.length} invocations refused their configuration: see LambdaErrors` : 'none';
      },
    },
  ],
  LambdaErrors: [
    {
      says: 'the log group for the failing requests (`Task timed out`, an uncaught error, `invalid refresher',
      async run(w, since) {
        const errors = w
          .logLines(since)
          .filter((l) => /"errorType"/.test(l))
          .map((l) => parseJson<Record<string, unknown>>(l));
        return countBy(errors, 'message', 'errorType');
      },
    },
    {
      says: 'a configuration error names its variable: fix the context and redeploy',
      async run(w, since) {
        const config = w.logLines(since).find((l) => l.includes('invalid refresher configuration'));
        if (!config) return 'not a configuration error';
        const named = [...new Set(config.match(/\b[A-Z][A-Z_]{3,}\b/g) ?? [])].join(', ');
        w.deploy({ ...w.deployedEnv });
        return `the error names ${named}: redeployed the stack's own configuration`;
      },
    },
  ],
  DurationNearTimeout: [
    {
      says: 'the `run summary` lines (`due`, `durationMs`, `stoppedEarly`)',
      async run(w, since) {
        const summaries = logFields(w, since, 'run summary');
        const timedOut = w.attempts.filter((a) => a.startedAt >= since && a.errorType === 'Sandbox.Timedout').length;
        return `${summaries.length} run summaries, ${timedOut} runs timed out without one`;
      },
    },
    {
      says: 'hung on a dependency',
      async run() {
        return 'DynamoDB is not answering (AWS Health Dashboard): nothing to change in the refresher; watch it recover';
      },
    },
  ],
  OrgsMisconfigured: [
    {
      says: '`tenants list --json`, orgs with `attention: MISCONFIGURED`, grouped by `lastError.code`',
      async run(w) {
        const bad = (await tenants(w)).filter((t) => t.attention === 'MISCONFIGURED');
        return countBy(bad.map((t) => ({ code: t.lastError?.code })) as Record<string, unknown>[], 'code');
      },
    },
    {
      says: 'correct the secret (`aws secretsmanager put-secret-value …`)',
      async run(w) {
        const bad = (await tenants(w)).filter((t) => t.attention === 'MISCONFIGURED');
        const fixed = new Set<string>();
        for (const t of bad) {
          const client = w.clientOf(t.orgId);
          if (fixed.has(client.secretId)) continue;
          if (t.lastError?.code === 'SECRET_ACCESS_DENIED') {
            // The runbook's SECRET_ACCESS_DENIED: the key or the prefix; here the stand-in's denial is lifted.
            w.secrets.faults.delete(client.secretId);
          } else w.secrets.put(client.secretId, { clientId: client.clientId, clientSecret: client.clientSecret });
          fixed.add(client.secretId);
        }
        return fixed.size ? `fixed ${[...fixed].join(', ')}` : 'nothing to fix';
      },
    },
    {
      says: '`SECRET_ACCESS_DENIED`: the secret is outside `secretPrefix`, or encrypted with a key not in `secretsKeyArns`',
      async run() {
        return 'handled with the step above';
      },
    },
    {
      says: '`tenants refresh ORG` to retry at once',
      async run(w) {
        const bad = (await tenants(w)).filter((t) => t.attention === 'MISCONFIGURED');
        const results: string[] = [];
        for (const t of bad) {
          const r = await w.cli(['tenants', 'refresh', t.orgId]);
          results.push(`${t.orgId}: ${r.code === 0 ? 'refreshed' : r.stderr.trim()}`);
        }
        return results.join('; ') || 'no org left to refresh';
      },
    },
  ],
  TokenNotCommitted: [
    {
      says: 'the `token response received but not committed` lines (`orgId`, `code`, `error`)',
      async run(w, since) {
        return countBy(logFields(w, since, 'token response received but not committed'), 'orgId', 'code');
      },
    },
    {
      says: '`tenants show ORG` for each org named',
      async run(w, since) {
        const named = [
          ...new Set(logFields(w, since, 'token response received but not committed').map((f) => String(f.orgId))),
        ];
        const states: string[] = [];
        for (const orgId of named) {
          const r = await w.cli(['tenants', 'show', orgId, '--json']);
          const s = parseJson<{ summary?: TenantSummary } & Partial<TenantSummary>>(r.stdout);
          const summary = s.summary ?? (s as TenantSummary);
          states.push(`${orgId}: ${summary.status} ${summary.lastError?.code ?? ''}`.trim());
        }
        return states.join('; ') || 'no org named';
      },
    },
    {
      says: 'if that ends in `invalid_grant`, the org goes to re-auth',
      async run() {
        return 'followed under OrgsNeedingReauth';
      },
    },
  ],
  RotationLost: [
    {
      says: 'what made the outcome ambiguous: `AmbiguousOutcomes` on the dashboard, `took over an abandoned',
      async run(w, since) {
        const lost = logFields(w, since, 'rotation lost: org needs re-authorisation');
        const takeovers = w.logLines(since).filter((l) => l.includes('took over an abandoned lease')).length;
        const timeouts = w.logLines(since).filter((l) => l.includes('"TIMEOUT"')).length;
        return `${countBy(lost, 'orgId')}; abandoned leases taken over: ${takeovers}; timeout lines: ${timeouts}`;
      },
    },
    {
      says: 'exactly as in [OrgsNeedingReauth](#orgsneedingreauth)',
      async run(w, since) {
        const done: string[] = [];
        for (const step of reauthSteps) done.push(await step.run(w, since));
        return done.join('; ');
      },
    },
  ],
  OrgsNeedingReauth: reauthSteps,
  OrgsRefreshTokenExpiring: [
    {
      says: '`tenants list --json`, orgs with `attention: REFRESH_TOKEN_EXPIRING`',
      async run(w) {
        const expiring = (await tenants(w)).filter((t) => t.attention === 'REFRESH_TOKEN_EXPIRING');
        return expiring.map((t) => `${t.orgId} (${t.provider})`).join(', ') || 'none';
      },
    },
    {
      says: "`tenants show ORG` prints the refresh token's expiry",
      async run(w) {
        const expiring = (await tenants(w)).filter((t) => t.attention === 'REFRESH_TOKEN_EXPIRING');
        const shown: string[] = [];
        for (const t of expiring) {
          const r = await w.cli(['tenants', 'show', t.orgId]);
          const line = /^refresh token\s+(.*)$/m.exec(r.stdout)?.[1] ?? '';
          const expires = /expires (.*)$/.exec(line)?.[1];
          if (!expires) throw new Error(`tenants show ${t.orgId} prints no refresh-token expiry:\n${r.stdout}`);
          shown.push(`${t.orgId}: expires ${expires}`);
        }
        return shown.join('; ') || 'no org marked';
      },
    },
    {
      says: 'ask the customer to re-authorise before the date',
      async run(w) {
        const expiring = (await tenants(w)).filter((t) => t.attention === 'REFRESH_TOKEN_EXPIRING');
        const done: string[] = [];
        for (const t of expiring) {
          const file = await w.customerReauthorises(t.orgId);
          const r = await w.cli(['tenants', 'reauth', t.orgId, '--refresh-token-file', file]);
          if (r.code !== 0) throw new Error(`tenants reauth ${t.orgId} failed: ${r.stderr}`);
          done.push(t.orgId);
        }
        return done.length ? `the customer re-authorised ${done.join(', ')}` : 'nothing to do';
      },
    },
    {
      says: 'store the new grant with `tenants reauth ORG --refresh-token-file FILE`, which clears the mark',
      async run(w) {
        const left = (await tenants(w)).filter((t) => t.attention === 'REFRESH_TOKEN_EXPIRING');
        if (left.length) throw new Error(`still marked after tenants reauth: ${left.map((t) => t.orgId).join(', ')}`);
        return 'stored in the step above (the new grant in a 0600 file); `tenants list` shows no org marked';
      },
    },
    {
      says: "then `tenants refresh ORG` at once: `reauth` drops the old grant's access token",
      async run(w) {
        // The orgs just re-authorised: ACTIVE, a refresh token, and no access token (so no expiresAt) any more.
        const tokenless = (await tenants(w)).filter(
          (t) => t.status === 'ACTIVE' && t.grantType === 'refresh_token' && t.expiresAt === undefined,
        );
        const results: string[] = [];
        for (const t of tokenless) {
          const r = await w.cli(['tenants', 'refresh', t.orgId]);
          if (r.code !== 0) throw new Error(`tenants refresh ${t.orgId} failed: ${r.stderr}`);
          results.push(`${t.orgId}: ${r.stdout.trim()}`);
        }
        return results.join('; ') || 'no org without an access token';
      },
    },
  ],
  RefreshFailed: [
    {
      says: 'the `refresh failed` log lines grouped by `code` and `provider`',
      async run(w, since) {
        return countBy(logFields(w, since, 'refresh failed'), 'code', 'provider');
      },
    },
    {
      says: 'provider outage: nothing to do but watch `ExpiredAccessTokens`',
      async run(w, since) {
        const codes = new Set(logFields(w, since, 'refresh failed').map((f) => String(f.code)));
        const outage = [...codes].every((c) =>
          ['PROVIDER_UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'NETWORK_ERROR'].includes(c),
        );
        return outage ? 'a provider outage: watched ExpiredAccessTokens' : `our side: ${[...codes].join(', ')}`;
      },
    },
  ],
  ExpiredAccessTokens: [
    {
      says: 'is `Heartbeat` or `LambdaErrors` also in alarm',
      async run(w) {
        const firing = w.firing().filter((a) => a === 'Heartbeat' || a === 'LambdaErrors');
        return firing.length ? `yes: ${firing.join(', ')} (handled there)` : 'no';
      },
    },
    {
      says: 'to refresh now: `tenants refresh ORG`',
      run: refreshExpiredOrgs,
    },
  ],
  ...FAN_OUT_RUNBOOK,
  ...FRESHNESS_RUNBOOK,
  ...ON_DEMAND_RUNBOOK,
  FailureQueueMessages: [
    {
      says: 'read a message (`aws sqs receive-message --queue-url <FailureQueueUrl>`)',
      async run(w) {
        const [m] = w.queue.receive(1);
        if (!m) return 'the queue is empty';
        return `${w.queue.visible} messages; oldest: ${m.requestContext.condition}, ${m.responsePayload?.errorType ?? '-'}`;
      },
    },
    {
      says: 'once a tick has run after the fix, purge the queue (`aws sqs purge-queue`) so the alarm clears',
      async run(w) {
        // Lambda may still hold events from before the fix (throttled ones, up to their maximum age): they land in
        // the queue during the next tick, so purging at once would leave the alarm on.
        await w.runFor(w.periodMs);
        return `purged ${w.queue.purge()} messages (scheduled ticks need no replay)`;
      },
    },
  ],
};

/** Causes first, symptoms after, the failure queue last (purged once its cause is fixed). */
export const RUNBOOK_ORDER = [
  'Heartbeat',
  'LambdaThrottles',
  'LambdaErrors',
  'DurationNearTimeout',
  'IntakeErrors',
  'OrgsMisconfigured',
  'TokenNotCommitted',
  'RotationLost',
  'OrgsNeedingReauth',
  'RefreshFailed',
  'ExpiredAccessTokens',
  'OrgsRefreshTokenExpiring',
  'ProviderDegraded',
  'RefreshBacklog',
  'PeerRegionSilent',
  'FreshnessBurnFast',
  'FreshnessBurnSlow',
  'OnDemandLoop',
  'FailureQueueMessages',
];

/** Runs the runbook of each alarm, in RUNBOOK_ORDER; alarms without executable steps are reported as such. */
export async function executeRunbooks(w: World, alarms: readonly string[], since: number): Promise<StepReport[]> {
  const ordered = [...alarms].sort(
    (a, b) => (RUNBOOK_ORDER.indexOf(a) + 1 || 99) - (RUNBOOK_ORDER.indexOf(b) + 1 || 99),
  );
  const reports: StepReport[] = [];
  for (const alarm of ordered) {
    const steps = RUNBOOK[alarm];
    if (!steps) {
      reports.push({ alarm, says: '(no executable steps)', did: 'not executed' });
      continue;
    }
    w.mark('runbook', `runbook: ${alarm}`);
    for (const step of steps) reports.push({ alarm, says: step.says, did: await step.run(w, since) });
  }
  return reports;
}
