// A hosted app stuck in a 401 loop: its API refuses every token of one org although the provider issues them (the
// customer removed the app's role in the org). After each 401 the app asks for a fresh token (`withAccessToken`, whose
// 401 path is refreshNow), once a tick: each forced refresh succeeds and its token is refused again. OnDemandLoop must
// page; the runbook finds the org in the on-demand function's log group, sees its refreshes work, disables it (the app
// then gets TENANT_DISABLED and stops asking), and enables it once the customer has restored the app's role.
import { afterFault, type Scenario } from '../scenario.js';

const MIN = 60_000;

export const app401Loop: Scenario = {
  id: 'app-401-loop',
  title: 'A hosted app stuck in a 401 loop on one org (fresh tokens refused too)',
  requires: ['OnDemandLoop'],
  expect: [
    {
      alarm: 'OnDemandLoop',
      // The first forced refresh at the next tick, a repeat every tick after it; 3 or more in each of two whole
      // 5-minute windows, the first window possibly short of them: 2 ticks + 3 windows + 1 min of evaluation.
      why: 'a repeat every tick from the second: 2 ticks + three 5-minute windows + 1 min',
      deadline: afterFault(2 * 60 + 3 * 300 + 60),
    },
  ],
  async run({ w, fault, nextDue, runUntilFired }) {
    const onDemand = w.onDemand;
    if (!onDemand) throw new Error('app-401-loop: the stack has OnDemandLoop but the world has no on-demand refresh');
    const { orgId } = await nextDue(true);
    onDemand.apiRefuses.add(orgId);
    // The app keeps serving this org's users: one API call a tick, through the reader, until told otherwise.
    w.onTick = async () => {
      await onDemand.callApi(orgId);
    };
    fault(`the app's API refuses every token of ${orgId} (its role removed); the app asks for a fresh token each tick`);
    await runUntilFired(['OnDemandLoop'], 20 * MIN);
  },
};
