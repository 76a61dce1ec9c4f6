// An org's IdP ends its grant on a fixed date a few days away — an absolute refresh-token lifetime counted from the
// customer's consent long ago: every refresh rotates the refresh token with that same expiry and says so
// (`refresh_token_expires_in`), so refreshing cannot extend it. Every other org stays healthy. The org works today,
// but on that date it will need its customer: OrgsRefreshTokenExpiring must warn, and nothing else may fire. The
// runbook has the customer re-authorise (a new consent: a new grant whose refresh token lives long) and stores it
// with `tenants reauth`, which clears the mark; the alarm clears.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { leadTimeMs } from '../../lambdas/core/schedule.js';
import type { RunFacts, Scenario } from '../scenario.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../world/fleet.js';

const MIN = 60_000;
const DAY = 86_400_000;
const ALARM = 'OrgsRefreshTokenExpiring';

export interface ExpiringDeadlineInput {
  /** The access token's lifetime: the org is refreshed once per lifetime (less the lead). */
  accessTokenTtlSeconds: number;
  /** REFRESH_WINDOW_SECONDS: how long before the access token's expiry the org becomes due. */
  refreshWindowSeconds: number;
  /** The schedule's period: one sweep (and one gauge reading) per tick. */
  tickSeconds: number;
  /** The alarm's period. */
  alarmPeriodSeconds: number;
}

/**
 * The latest time OrgsRefreshTokenExpiring may fire, in seconds after the grant's end was set (a tick before the org
 * is due). The refresher can only tell an unextendable expiry at the second refresh after that: the first one learns
 * the expiry and counts it as an extension, as a warning then would be a false alarm for every provider that does
 * extend it (core/refresh-token-outlook.ts). So: the next refresh (≤ 2 ticks); the one after it, an access-token
 * lifetime less the refresh lead later (the refresher's own leadTimeMs; jitter only makes it earlier), picked up by
 * the next tick; the gauge, read at the start of every sweep, shows the mark in the sweep after (1 tick); the alarm's
 * period holding it ends (≤ 1 period) and is evaluated (≤ 1 min).
 */
export function expiringDeadlineSeconds(i: ExpiringDeadlineInput): number {
  const lead = leadTimeMs(i.accessTokenTtlSeconds * 1000, i.refreshWindowSeconds * 1000) / 1000;
  const secondRefresh = 2 * i.tickSeconds + (i.accessTokenTtlSeconds - lead) + i.tickSeconds;
  return secondRefresh + i.tickSeconds + i.alarmPeriodSeconds + 60;
}

/** The deployment's numbers for expiringDeadlineSeconds: the template's environment, schedule and alarm. */
function deadlineInput(run: RunFacts): ExpiringDeadlineInput {
  const { deployment } = run.world;
  const alarm = deployment.alarms.find((a) => a.id === ALARM);
  if (!alarm) throw new Error(`${ALARM} is not in this template`);
  return {
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    refreshWindowSeconds: Number(deployment.fn.environment.REFRESH_WINDOW_SECONDS ?? 600),
    tickSeconds: deployment.schedule.periodSeconds,
    alarmPeriodSeconds: alarm.periodSeconds,
  };
}

export const refreshTokenExpiring: Scenario = {
  id: 'refresh-token-expiring',
  title: 'One org’s grant ends on a fixed date inside the warning period',
  requires: [ALARM],
  expect: [
    {
      alarm: ALARM,
      why:
        'the next refresh learns the expiry (≤ 2 min), the one after finds it unmoved (an access-token lifetime less ' +
        'the refresh lead, + 1 tick), the gauge in the next sweep (1 tick), one alarm period + 1 min',
      deadline: (run) => run.faultAt + expiringDeadlineSeconds(deadlineInput(run)) * 1000,
    },
  ],
  async run({ w, fault, runUntilDueIn, runUntilFired }) {
    const warningMs = Number(w.env.REFRESH_TOKEN_WARNING_SECONDS ?? 604_800) * 1000;
    // Half the warning period, at most 3 days: inside it, and far beyond the simulated hours (the grant must not
    // actually end here: that would be OrgsNeedingReauth's scenario).
    const endsInMs = Math.min(3 * DAY, warningMs / 2);
    if (endsInMs < DAY) throw new Error(`REFRESH_TOKEN_WARNING_SECONDS ${warningMs / 1000} is under 2 days`);
    // An org of the generic IdP (scoped by an org parameter): its own IdP tenant, whose admin can set such a policy.
    const org = (await w.admin.list())
      .filter((t) => t.status === 'ACTIVE' && t.provider === 'generic' && t.grantType === 'refresh_token')
      .sort((a, b) => (a.refreshAt ?? 0) - (b.refreshAt ?? 0))[0];
    if (!org) throw new Error('no ACTIVE generic refresh_token org in the fleet');
    await runUntilDueIn(org.orgId, MIN);
    const item = await w.doc.send(new GetCommand({ TableName: w.tableName, Key: { orgId: org.orgId } }));
    const endsAt = w.now() + endsInMs;
    await w.oauth.endGrantAt(String(item.Item?.refreshToken), endsAt);
    fault(`${org.orgId}'s IdP ends its grant on ${new Date(endsAt).toISOString()}: refreshing cannot extend it`);
    await runUntilFired([ALARM], 75 * MIN);
  },
};
