// Which peer Regions have stopped planning (docs/regions.md#a-region-lost). In a multi-Region deployment every
// Region's planner writes its heartbeat to the table each tick and reads the others' in the same write's answer; a
// Region that is lost, or cut off from the table's quorum, stops writing, and the Regions still running say so
// (PeerRegionsSilent, alarm PeerRegionSilent). Pure, so every rule is a row in test/unit/region-heartbeats.test.ts.

/** A peer is silent once its last heartbeat is older than this many schedule periods. */
export const PEER_SILENT_PERIODS = 3;

export interface PeerInput {
  /** Every Region of the deployment (REGIONS). */
  regions: readonly string[];
  /** This planner's own Region. */
  self: string;
  /** Each Region's last heartbeat (epoch ms), as the table holds them after this planner's own. */
  beats: Readonly<Record<string, unknown>>;
  now: number;
  schedulePeriodMs: number;
}

/**
 * The peers whose last heartbeat is older than PEER_SILENT_PERIODS periods, in REGIONS order. A peer that has never
 * written one is not counted: while a deployment rolls out Region by Region, the Regions not yet deployed are not
 * lost (a Region lost before its first tick would be found by its own deployment failing).
 */
export function silentPeers(input: PeerInput): string[] {
  const limit = input.now - PEER_SILENT_PERIODS * input.schedulePeriodMs;
  return input.regions.filter((region) => {
    if (region === input.self) return false;
    const at = input.beats[region];
    return typeof at === 'number' && at < limit;
  });
}
