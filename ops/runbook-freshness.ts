// docs/runbook.md, executed, for the freshness objective's alarms (FreshnessBurnFast, FreshnessBurnSlow) and a
// multi-Region deployment's PeerRegionSilent. Each step reads what on-call reads — the other alarms in ALARM, the
// operator CLI's list, the planner's `peer region silent` line — and acts as the runbook says.
import { logFields, type RunbookStep, refreshExpiredOrgs, tenants } from './runbook-reading.js';

/** The alarms that name a cause of burning freshness budget, in the runbook's order. */
const CAUSES = [
  'ExpiredAccessTokens',
  'RefreshFailed',
  'ProviderDegraded',
  'Heartbeat',
  'LambdaErrors',
  'RefreshBacklog',
  'PeerRegionSilent',
];

const burnSteps: RunbookStep[] = [
  {
    says: 'which alarm names the cause',
    async run(w) {
      const firing = w.firing().filter((a) => CAUSES.includes(a));
      return firing.length ? `${firing.join(', ')} (their runbooks run too)` : 'none any more';
    },
  },
  {
    says: '`tenants refresh ORG` for each ACTIVE org whose `expiresAt` is in the past',
    run: refreshExpiredOrgs,
  },
];

export const FRESHNESS_RUNBOOK: Record<string, RunbookStep[]> = {
  FreshnessBurnFast: burnSteps,
  FreshnessBurnSlow: burnSteps,
  PeerRegionSilent: [
    {
      says: "the `peer region silent` log line in this Region's planner log group",
      async run(w, since) {
        const silent = logFields(w, since, 'peer region silent: its planner has not planned for 3 periods').at(-1);
        return silent ? `silent: ${JSON.stringify(silent.silentRegions)}` : 'no such line';
      },
    },
    {
      says: '`tenants list --json`: no ACTIVE org with an expired token',
      async run(w) {
        const now = w.now();
        const expired = (await tenants(w)).filter((t) => t.status === 'ACTIVE' && (t.expiresAt ?? 0) <= now);
        return expired.length === 0
          ? 'none: the Regions still running keep every org fresh'
          : `expired: ${expired.map((t) => t.orgId).join(', ')}`;
      },
    },
  ],
};
