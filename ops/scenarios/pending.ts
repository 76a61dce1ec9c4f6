// Scenarios for alarms that other work adds (issue 10: fleet scale). They stay pending — listed, not run, not
// counted — while the template has no such alarm; once it does, the harness requires a real scenario here (an alarm
// in the template that no scenario raises fails the run, see ops/coverage.ts).
import type { Scenario } from '../scenario.js';

const pending = (id: string, title: string, alarm: string): Scenario => ({
  id,
  title,
  requires: [alarm],
  expect: [{ alarm, why: 'not in this template yet', deadline: () => undefined }],
  async run() {
    throw new Error(`${id}: no scenario written yet for ${alarm}; write it in ops/scenarios/`);
  },
});

export const backlog = pending('backlog', 'A backlog one tick cannot clear', 'RefreshBacklog');
export const providerThrottling = pending('provider-throttling', 'A token host answering 429', 'ProviderDegraded');
