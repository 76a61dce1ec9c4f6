// The schedule stops (the rule disabled, or EventBridge not delivering): no invocation at all. Heartbeat must page
// within three schedule periods; the runbook re-enables the rule and it clears.
import { afterFault, type Scenario } from '../scenario.js';

export const scheduleStopped: Scenario = {
  id: 'schedule-stopped',
  title: 'Schedule stopped (no invocations)',
  expect: [
    {
      alarm: 'Heartbeat',
      // The last sweep ran in the minute before; three empty periods, judged at the end of the third + 1 min.
      why: 'three schedule periods + 1 min of evaluation',
      deadline: afterFault(3 * 60 + 60),
    },
  ],
  async run({ w, fault, runUntilFired }) {
    w.scheduleEnabled = false;
    fault('the schedule rule is disabled');
    await runUntilFired(['Heartbeat'], 15 * 60_000);
  },
};
