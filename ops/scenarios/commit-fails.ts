// The provider answered, but DynamoDB refuses to store the answer (every write of that org's new tokens fails with a
// 500 until the commit retries are spent): a token response received and not committed. TokenNotCommitted pages;
// with a rotating refresh token the grant is gone, so RotationLost pages in the same run, and the org's next refresh
// (with the spent token) ends in re-auth: OrgsNeedingReauth.
import { afterFault, LOST_ROTATION_FRESHNESS, type Scenario } from '../scenario.js';

export const commitFails: Scenario = {
  id: 'commit-fails',
  title: 'Token response received, commit impossible',
  expect: [
    {
      alarm: 'TokenNotCommitted',
      why: 'reported in the same run: one 5-minute period + 1 min',
      deadline: afterFault(2 * 60 + 300 + 60),
    },
    { alarm: 'RotationLost', why: 'the same run', deadline: afterFault(2 * 60 + 300 + 60) },
    {
      alarm: 'OrgsNeedingReauth',
      why: 'the lease expires, the next refresh meets invalid_grant (≤ 3 ticks) + one period + 1 min',
      deadline: afterFault(60 + 3 * 60 + 300 + 60),
    },
    ...LOST_ROTATION_FRESHNESS,
  ],
  async run({ w, fault, nextDue, runUntilDueIn, runUntilFired, recover }) {
    const org = await nextDue(true);
    await runUntilDueIn(org.orgId, 60_000);
    w.switches = { ...w.switches, commitFails: (orgId) => orgId === org.orgId };
    fault(`DynamoDB fails every write of ${org.orgId}'s new tokens`);
    await runUntilFired(['TokenNotCommitted'], 10 * 60_000);
    w.switches = { ...w.switches, commitFails: () => false };
    recover('DynamoDB stores writes again');
    await runUntilFired(['TokenNotCommitted', 'RotationLost', 'OrgsNeedingReauth'], 15 * 60_000);
  },
};
