// A Region lost in the middle of a sweep: us-east-1 dies right after its sweep claimed an org, holding that org's
// lease and its shards' sweep leases. The other two take its shards once the sweep leases lapse and the org once its
// lease lapses (carefully: it may have been sent), and keep every org fresh. Only the lost Region is paged for, by
// the Regions still running (a lost Region cannot page for itself); it comes back and rejoins by itself.
import type { RegionScenario } from '../../region-scenario.js';

const MIN = 60_000;
const LOST = 'us-east-1';
const SURVIVORS = ['us-east-2', 'us-west-2'];

export const regionLost: RegionScenario = {
  id: 'region-lost',
  title: `${LOST} lost mid-sweep (holding an org lease and sweep leases), back after 20 minutes`,
  expect: SURVIVORS.map((region) => ({
    alarm: `${region}/PeerRegionSilent`,
    why: 'its heartbeat 3 periods old, in 2 ticks in a row: ≤ 3 + 2 + 2 min',
    deadline: ({ faultAt }) => faultAt + 7 * MIN,
  })),
  async run({ rw, quick, fault, recover, runUntilFired }) {
    let lost = false;
    rw.mrsc.loseAfterNextClaim(LOST, () => {
      lost = true;
      rw.lose(LOST);
      fault(`${LOST} lost right after its sweep claimed an org`);
    });
    await rw.runUntil(() => lost, 3 * 60 * MIN);
    if (!lost) throw new Error(`region-lost: ${LOST} never claimed an org`);
    await runUntilFired(
      SURVIVORS.map((r) => `${r}/PeerRegionSilent`),
      15 * MIN,
    );
    await rw.runFor((quick ? 20 : 30) * MIN - (rw.now() - (rw.lostAt.get(LOST) as number)));
    rw.restore(LOST);
    recover(`${LOST} is back`);
  },
  checks(f) {
    return [
      { says: 'no hosted app was without a valid token', held: f.unauthorizedOrgMinutes === 0 },
      {
        says: 'the org the lost Region held was taken over by a Region still running',
        held: SURVIVORS.some((r) => (f.takeoversByRegion[r] ?? 0) > 0),
      },
      { says: '0 invalid_grant, 0 lost rotations', held: f.invalidGrants + f.rotationsLost === 0 },
      {
        says: 'the Regions still running refreshed every org that came due',
        held: SURVIVORS.reduce((a, r) => a + (f.refreshesByRegion[r] ?? 0), 0) > 0,
      },
    ];
  },
};
