// Three Regions on one MRSC table through a healthy day: every Region plans every tick, their sweeps race for the
// shards, 1 % of writes is refused as a replicated write conflict besides the real races. Nothing may page anywhere;
// each org is refreshed once per token lifetime by whichever Region won its shard, never twice, and no provider ever
// sees a refresh token twice (0 invalid_grant).
import type { RegionScenario } from '../../region-scenario.js';

const HOUR = 3_600_000;
let hours = 0;

export const regionHealthyDay: RegionScenario = {
  id: 'region-healthy-day',
  title: 'Three Regions, a healthy day (replicated write conflicts injected)',
  expect: [],
  async run({ rw, quick, fault }) {
    fault('start of the day: three Regions, no fault (nothing may fire)');
    hours = quick ? 2 : 24;
    await rw.runFor(hours * HOUR);
  },
  checks(f) {
    const orgs = Object.entries(f.perOrg);
    // One-hour tokens are refreshed every ~50 minutes (due 10 minutes before they expire).
    const most = Math.ceil((hours * 60) / 45);
    const conflicts = Object.values(f.conflictsByRegion).reduce((a, c) => a + c.raced + c.injected, 0);
    return [
      {
        says: `every refresh-token org rotated once per token lifetime (${Math.max(1, hours - 1)}-${most} times in ${hours} h)`,
        held: orgs.length > 0 && orgs.every(([, o]) => o.refreshes >= Math.max(1, hours - 1) && o.refreshes <= most),
      },
      {
        says: 'no refresh token rotated twice within 40 minutes (one sender per refresh token, across Regions)',
        held: orgs.every(([, o]) => o.shortestGapMinutes === undefined || o.shortestGapMinutes >= 40),
      },
      {
        says: '0 invalid_grant, 0 lost rotations, 0 uncommitted answers',
        held: f.invalidGrants + f.rotationsLost + f.tokensNotCommitted === 0,
      },
      {
        says: 'every Region refreshed orgs (active-active)',
        held: Object.values(f.refreshesByRegion).every((n) => n > 0),
      },
      { says: 'replicated write conflicts were met and absorbed', held: conflicts > 0 },
      { says: 'no hosted app was without a valid token', held: f.unauthorizedOrgMinutes === 0 },
    ];
  },
};
