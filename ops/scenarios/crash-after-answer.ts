// The refresher's process dies after the provider answered and before the commit (an out-of-memory kill, a runtime
// crash): the provider has rotated the refresh token, the new one died with the process, the org's lease is left
// behind. As the design says (docs/design.md, I2): the next run takes the abandoned lease over, its refresh meets
// invalid_grant after an ambiguous outcome, and the org is ROTATION_LOST — RotationLost and OrgsNeedingReauth page.
// The crashed invocation itself failed as a whole: with no Lambda retries it lands in the failure queue.
// TokenNotCommitted stays quiet: nothing was alive to report the unstored answer (that is the next scenario).
import { afterFault, type Scenario } from '../scenario.js';

export const crashAfterAnswer: Scenario = {
  id: 'crash-after-answer',
  title: 'Crash after the provider answered',
  expect: [
    {
      alarm: 'RotationLost',
      // The crashed claim holds the org for a whole lease hold: a live holder could still be committing its answer
      // through a store brownout (docs/design.md, "Lease: the claim"), and nobody can tell the two apart.
      why: 'the lease hold ends (2 min 5 s), the next sweep takes it over (≤ 2 ticks) + one 5-minute period + 1 min',
      deadline: afterFault(125 + 2 * 60 + 300 + 60),
    },
    { alarm: 'OrgsNeedingReauth', why: 'the same org, the same time', deadline: afterFault(125 + 2 * 60 + 300 + 60) },
    {
      alarm: 'FailureQueueMessages',
      why: 'the crashed invocation is in the queue at once; one 5-minute period + 1 min',
      deadline: afterFault(300 + 60),
    },
  ],
  async run({ w, fault, nextDue, runUntilDueIn, runUntilFired }) {
    const org = await nextDue(true);
    await runUntilDueIn(org.orgId, 60_000);
    let armed = true;
    w.switches = {
      ...w.switches,
      crashAfterAnswer: (orgId) => {
        if (!armed || orgId !== org.orgId) return false;
        armed = false;
        return true;
      },
    };
    fault(`the process dies after the provider answers ${org.orgId}'s refresh`);
    await runUntilFired(['RotationLost', 'OrgsNeedingReauth', 'FailureQueueMessages'], 20 * 60_000);
  },
};
