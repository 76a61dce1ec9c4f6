// An org's OAuth client secret is deleted, and another client's secret becomes unreadable (access denied: a key
// policy or a secret moved outside the prefix). The orgs using them fail as misconfigured and back off for ~30
// minutes; OrgsMisconfigured must page. The runbook restores the secret and the access, refreshes the orgs with
// `tenants refresh`, and the alarm clears.
import { afterFault, type Scenario } from '../scenario.js';

const MIN = 60_000;

export const secretBroken: Scenario = {
  id: 'secret-broken',
  title: 'An org’s client secret deleted, another denied',
  expect: [
    {
      alarm: 'OrgsMisconfigured',
      // The secret is cached for SECRET_CACHE_SECONDS (5 min): broken 6 min before the org is due, its refresh
      // fails at the next tick; the gauge's 5-minute period is judged when it ends.
      why: 'the org’s refresh 6 min later (past the 5-min secret cache) + one 5-minute period + 1 min',
      deadline: afterFault(7 * 60 + 300 + 60),
    },
  ],
  async run({ w, fault, nextDue, runUntilDueIn, runUntilFired }) {
    const org = await nextDue(true);
    await runUntilDueIn(org.orgId, 6 * MIN);
    const deleted = w.clientOf(org.orgId);
    const other = Object.values(w.clients).find((c) => c.secretId !== deleted.secretId) as { secretId: string };
    w.secrets.secrets.delete(deleted.secretId);
    w.secrets.faults.set(other.secretId, 'AccessDeniedException');
    fault(`secret ${deleted.secretId} deleted; ${other.secretId} access denied`);
    await runUntilFired(['OrgsMisconfigured'], 20 * MIN);
  },
};
