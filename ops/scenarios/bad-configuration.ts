// A bad configuration reaches the function (its environment edited by hand: HTTP_TIMEOUT_MS raised past a third of
// the lease, which the handler refuses at cold start): every invocation fails as a whole. LambdaErrors must page, the
// failed ticks land in the failure queue (FailureQueueMessages), and with no sweep completing Heartbeat pages too.
// The runbook reads the error (it names the variable), redeploys the stack's configuration and purges the queue.
import { afterFault, type Scenario, whenTokensReallyExpired } from '../scenario.js';

export const badConfiguration: Scenario = {
  id: 'bad-configuration',
  title: 'Invocation failing as a whole (bad configuration)',
  expect: [
    {
      alarm: 'LambdaErrors',
      why: '2 failed invocations in a 5-minute window, judged at its end + 1 min',
      deadline: afterFault(2 * 300 + 60),
    },
    {
      alarm: 'FailureQueueMessages',
      why: 'the first failed tick, one 5-minute period + 1 min',
      deadline: afterFault(300 + 60),
    },
    { alarm: 'Heartbeat', why: 'no sweep completes: three periods + 1 min', deadline: afterFault(3 * 60 + 60) },
    {
      alarm: 'ExpiredAccessTokens',
      why: 'only if a token really expired in two sweeps in a row',
      deadline: whenTokensReallyExpired(),
    },
  ],
  async run({ w, fault, runUntilFired }) {
    w.deploy({ ...w.deployedEnv, HTTP_TIMEOUT_MS: String(Number(w.deployedEnv.LEASE_SECONDS) * 1000) });
    fault('HTTP_TIMEOUT_MS set to the lease length by hand: every cold start refuses the configuration');
    await runUntilFired(['LambdaErrors', 'FailureQueueMessages', 'Heartbeat'], 15 * 60_000);
  },
};
