// A Region cut off from the table's quorum for 20 minutes: every write and strongly consistent read of us-west-2 is
// refused. It refreshes nothing and says so — its planner cannot write its heartbeat, logs `region cut off from the
// table` and plans nothing (its own Heartbeat, LambdaErrors and failure queue page there) — while the other two keep
// the quorum, refresh every org and page for it. Nothing is lost: no write from the cut-off Region lands.
import type { RegionScenario } from '../../region-scenario.js';

const MIN = 60_000;
const CUT = 'us-west-2';
const OTHERS = ['us-east-1', 'us-east-2'];
let cutOffWindow: [number, number] = [0, 0];
let refreshedWhileCut = -1;

export const regionCutOff: RegionScenario = {
  id: 'region-cut-off',
  title: `${CUT} cut off from the global table's quorum for 20 minutes`,
  expect: [
    {
      alarm: `${CUT}/Heartbeat`,
      why: 'no tick planned in 3 periods: 3 + 1 min',
      deadline: ({ faultAt }) => faultAt + 4 * MIN,
    },
    {
      alarm: `${CUT}/LambdaErrors`,
      why: 'two failed plans in one five-tick window: ≤ 2 windows + 1 min',
      deadline: ({ faultAt }) => faultAt + 11 * MIN,
    },
    {
      alarm: `${CUT}/FailureQueueMessages`,
      why: 'the failed plans land in the failure queue: one window + 1 min',
      deadline: ({ faultAt }) => faultAt + 6 * MIN,
    },
    ...OTHERS.map((region) => ({
      alarm: `${region}/PeerRegionSilent`,
      why: 'its heartbeat 3 periods old, in 2 ticks in a row: ≤ 3 + 2 + 2 min',
      deadline: ({ faultAt }: { faultAt: number }) => faultAt + 7 * MIN,
    })),
  ],
  async run({ rw, quick, fault, recover, runUntilFired }) {
    rw.mrsc.cutOff.add(CUT);
    fault(`${CUT} cut off from the quorum: its writes and strongly consistent reads are refused`);
    const from = rw.now();
    await runUntilFired([`${CUT}/Heartbeat`, `${CUT}/FailureQueueMessages`], 15 * MIN);
    await rw.runFor((quick ? 20 : 30) * MIN - (rw.now() - from));
    rw.mrsc.cutOff.delete(CUT);
    const to = rw.now();
    recover(`${CUT} reaches the quorum again`);
    cutOffWindow = [from, to];
    refreshedWhileCut = rw.world(CUT).exchanges.filter((e) => e.t >= from && e.t <= to).length;
  },
  checks(f) {
    return [
      { says: `${CUT} sent no token request while cut off`, held: refreshedWhileCut === 0 },
      {
        says: `${CUT} said so: \`region cut off from the table\` in its planner's log`,
        held: (f.cutOffLinesByRegion[CUT] ?? 0) > 0,
      },
      {
        says: 'nothing lost: 0 uncommitted answers, 0 lost rotations, 0 invalid_grant',
        held: f.tokensNotCommitted + f.rotationsLost + f.invalidGrants === 0,
      },
      { says: 'no hosted app was without a valid token', held: f.unauthorizedOrgMinutes === 0 },
      {
        says: `the cut-off lasted ${Math.round((cutOffWindow[1] - cutOffWindow[0]) / MIN)} min and the others refreshed`,
        held: OTHERS.every((r) => (f.refreshesByRegion[r] ?? 0) > 0),
      },
    ];
  },
};
