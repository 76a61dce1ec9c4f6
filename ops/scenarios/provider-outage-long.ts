// The provider stays down longer than a token lives (75 minutes of 503s; tokens live an hour). Orgs keep retrying
// with backoff; once a token really expires the hosted app gets 401s, and ExpiredAccessTokens must page — this is the
// scenario that proves it fires, where the 10-minute outage proves it stays quiet. A host whose orgs keep failing is
// backed off as a whole, again and again: ProviderDegraded pages during the outage (the 10-minute one may be over
// before any host fails 5 times in a row twice). After recovery the runbook refreshes the expired orgs at once
// (`tenants refresh ORG`) and everything clears.
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
    {
      alarm: 'ProviderDegraded',
      // When a host's orgs have failed 5 times in a row depends on how many orgs it has and their backoff; the
      // promise is that a host down this long is reported while it is down.
      why: 'a host backed off in 2 of 4 windows while the outage lasts: by its end + two windows + 1 min',
      deadline: afterFault(75 * 60 + 2 * 300 + 60),
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
