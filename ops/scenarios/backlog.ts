// The sweep workers stop starting while the planner keeps planning: someone set the worker function's reserved
// concurrency to 0 (`aws lambda put-function-concurrency`, the documented way to stop a function — an emergency stop
// during an incident, never undone). The planner's Invoke is accepted (an asynchronous event is queued), Lambda
// throttles every attempt, keeps the event for its maximum age (one period) and then hands it to the failure queue.
// Nothing is refreshed, yet the planner completes every tick: Heartbeat stays quiet. RefreshBacklog must page (due
// orgs left unclaimed three ticks in a row), with LambdaThrottles and FailureQueueMessages. The runbook finds the
// reserved concurrency at 0, redeploys the stack (which sets it again) and purges the queue.
import { afterFault, type Scenario, whenTokensReallyExpired } from '../scenario.js';

const MIN = 60_000;

export const backlog: Scenario = {
  id: 'backlog',
  title: 'Sweep workers stopped (reserved concurrency 0): the backlog grows',
  expect: [
    {
      alarm: 'RefreshBacklog',
      // An org due at the next tick (we wait for one) is backlog once it has been due for longer than a lease hold
      // (2 × 60 s + 5 s: a claim may hold it that long), from the third tick after; three such ticks in a row, the
      // third judged when its minute ends + 1 min.
      why: 'an org due at the next tick is backlog a lease hold (3 ticks) later, for 3 ticks, + 1 min of evaluation',
      deadline: afterFault(60 + 3 * 60 + 3 * 60 + 60),
    },
    {
      alarm: 'LambdaThrottles',
      why: 'the first throttled worker at the next tick, one 5-minute window + 1 min',
      deadline: afterFault(60 + 300 + 60),
    },
    {
      alarm: 'FailureQueueMessages',
      why: 'the first throttled event older than its maximum age (1 period) at the tick after, one window + 1 min',
      deadline: afterFault(2 * 60 + 300 + 60),
    },
    {
      alarm: 'ExpiredAccessTokens',
      why: 'only if a token really expired in two sweeps in a row',
      deadline: whenTokensReallyExpired(),
    },
  ],
  async run({ w, fault, nextDue, runUntilDueIn, runUntilFired }) {
    const org = await nextDue();
    await runUntilDueIn(org.orgId, MIN);
    w.reservedConcurrency.refresher = 0;
    fault('the sweep worker’s reserved concurrency set to 0 by hand (aws lambda put-function-concurrency)');
    await runUntilFired(['RefreshBacklog', 'LambdaThrottles', 'FailureQueueMessages'], 20 * MIN);
  },
};
