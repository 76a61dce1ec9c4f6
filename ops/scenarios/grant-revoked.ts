// A customer revokes the app at the provider: the org's next refresh gets invalid_grant and it goes to
// REAUTH_REQUIRED. OrgsNeedingReauth must page within one alarm period of that refresh; the runbook re-authorises the
// org with the customer's new grant (`tenants reauth`) and the alarm clears.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterFault, type Scenario } from '../scenario.js';

export const grantRevoked: Scenario = {
  id: 'grant-revoked',
  title: 'One org’s grant revoked at the provider',
  expect: [
    {
      alarm: 'OrgsNeedingReauth',
      // Revoked a minute before the org is due: its refresh comes at the next tick (≤ 2 min), the gauge follows in
      // that sweep, and the 5-minute period holding it is judged when it ends (≤ 5 min + 1 min of evaluation).
      why: 'the next refresh (≤ 2 min) + one 5-minute period + 1 min',
      deadline: afterFault(2 * 60 + 300 + 60),
    },
  ],
  async run({ w, fault, nextDue, runUntilDueIn, runUntilFired }) {
    const org = await nextDue(true);
    await runUntilDueIn(org.orgId, 60_000);
    const item = await w.doc.send(new GetCommand({ TableName: w.tableName, Key: { orgId: org.orgId } }));
    await w.oauth.revokeGrant(String(item.Item?.refreshToken));
    fault(`${org.orgId}'s customer revoked the app at the provider`);
    await runUntilFired(['OrgsNeedingReauth'], 15 * 60_000);
  },
};
