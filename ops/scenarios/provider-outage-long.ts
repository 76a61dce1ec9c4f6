// The provider stays down longer than a token lives (75 minutes of 503s; tokens live an hour). Orgs keep retrying
// with backoff; once a token really expires the hosted app gets 401s, and ExpiredAccessTokens must page — this is the
// scenario that proves it fires, where the 10-minute outage proves it stays quiet. After recovery the runbook
// refreshes the expired orgs at once (`tenants refresh ORG`) and everything clears.
import { afterFault, type Scenario, whenTokensReallyExpired } from '../scenario.js';

const MIN = 60_000;

export const providerOutageLong: Scenario = {
  id: 'provider-outage-long',
  title: 'Provider down 75 minutes (past the token lifetime)',
  expect: [
    {
      alarm: 'RefreshFailed',
      why: 'failures in 2 of 3 five-minute windows: ≤ 15 min + 1 min',
      deadline: afterFault(3 * 300 + 60),
    },
    {
      alarm: 'ExpiredAccessTokens',
      why: 'two sweeps in a row find a hosted app without a valid token (the ground truth): within 2 min',
      deadline: whenTokensReallyExpired(),
    },
  ],
  async run({ w, fault, recover, nextDue, runUntilDueIn, runUntilFired }) {
    await runUntilDueIn((await nextDue()).orgId, MIN);
    w.oauth.faultHook = () => ({ kind: 'status', status: 503, body: '{"error":"temporarily_unavailable"}' });
    fault('every token request answered 503, for longer than a token lives');
    await w.runFor(75 * MIN);
    await runUntilFired(['RefreshFailed', 'ExpiredAccessTokens'], 0);
    w.oauth.faultHook = undefined;
    recover('the provider answers again');
  },
};
