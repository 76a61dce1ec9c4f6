// The provider is down for 10 minutes (every token request answered 503), then back. Refreshes fail and are retried
// with backoff; RefreshFailed must page; ExpiredAccessTokens only if a hosted app really lost its token (the ground
// truth: the provider rejects a stored token in two sweeps in a row). Everything clears after recovery.
import { afterFault, type Scenario, whenTokensReallyExpired } from '../scenario.js';

const MIN = 60_000;

export const providerOutage: Scenario = {
  id: 'provider-outage',
  title: 'Provider down 10 minutes (5xx), then back',
  expect: [
    {
      alarm: 'RefreshFailed',
      why: 'failures in two 5-minute windows: by the end of the outage + one period',
      deadline: afterFault(10 * 60 + 300 + 60),
    },
    {
      alarm: 'ExpiredAccessTokens',
      why: 'only if a token really expired in two sweeps in a row; then within 2 min',
      deadline: whenTokensReallyExpired(),
    },
  ],
  async run({ w, fault, recover, nextDue, runUntilDueIn }) {
    // The outage starts as the next org becomes due, so it meets refreshes (a quiet stretch would prove nothing).
    await runUntilDueIn((await nextDue()).orgId, MIN);
    w.oauth.faultHook = () => ({ kind: 'status', status: 503, body: '{"error":"temporarily_unavailable"}' });
    fault('every token request answered 503');
    await w.runFor(10 * MIN);
    w.oauth.faultHook = undefined;
    recover('the provider answers again');
  },
};
