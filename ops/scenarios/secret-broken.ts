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
    // The other broken client is the one of the next org due with another client: both show before the runbook
    // (on-call fixes what the table shows; a client whose org is due an hour later would page again then).
    const others = (await w.admin.list())
      .filter((t) => t.status === 'ACTIVE' && w.clientOf(t.orgId).secretId !== deleted.secretId)
      .sort((a, b) => (a.refreshAt ?? 0) - (b.refreshAt ?? 0));
    const second = others[0];
    if (!second) throw new Error('secret-broken: no org with another client');
    const other = w.clientOf(second.orgId);
    w.secrets.secrets.delete(deleted.secretId);
    w.secrets.faults.set(other.secretId, 'AccessDeniedException');
    fault(`secret ${deleted.secretId} deleted (${org.orgId}); ${other.secretId} access denied (${second.orgId})`);
    await runUntilFired(['OrgsMisconfigured'], 20 * MIN);
    // Until both orgs have met their broken secret (past the secret cache) and the table shows both codes.
    await w.runUntil(async () => {
      const shown = await Promise.all([org.orgId, second.orgId].map((id) => w.admin.summary(id)));
      return shown.every((t) => t?.attention === 'MISCONFIGURED');
    }, 90 * MIN);
  },
};
