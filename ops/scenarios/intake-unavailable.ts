// A hosted app hands a customer's new grant over (the customer re-installed the app) while the grant intake is
// deployed with an invalid configuration: every invocation fails as a whole at cold start, the app's three tries a
// minute apart get INTAKE_UNAVAILABLE. IntakeErrors must page; the runbook reads the intake's log group (the error
// names the variable), redeploys the intake's configuration, and the app hands the grant over again.
import { afterFault, type Scenario } from '../scenario.js';

const MIN = 60_000;

export const intakeUnavailable: Scenario = {
  id: 'intake-unavailable',
  title: 'Grant intake failing as a whole (bad configuration)',
  requires: ['IntakeErrors'],
  expect: [
    {
      alarm: 'IntakeErrors',
      why: 'the first failed hand-over, judged at the end of its 5-minute period + 1 min',
      deadline: afterFault(300 + 60),
    },
  ],
  async run({ w, fault, nextDue, runUntilFired }) {
    const intake = w.intake;
    if (!intake) throw new Error('intake-unavailable: the stack has IntakeErrors but the world has no intake');
    const org = await nextDue(true);
    intake.deploy({ ...intake.env, LEASE_SECONDS: '2' });
    fault(`the intake deployed with LEASE_SECONDS=2; ${org.orgId}'s customer re-installs the app`);
    const file = await w.customerReauthorises(org.orgId);
    const refreshToken = (await import('node:fs')).readFileSync(file, 'utf8');
    const handOver = { orgId: org.orgId, refreshToken, issuedAt: w.now() };
    for (let attempt = 0; attempt < 3; attempt++) {
      await intake.reauthorise(handOver);
      await w.runFor(MIN);
    }
    await runUntilFired(['IntakeErrors'], 10 * MIN);
  },
};
