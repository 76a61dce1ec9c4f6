// Which peer Regions have stopped planning: a row per rule (core/region-heartbeats.ts).
import { describe, expect, it } from 'vitest';
import { PEER_SILENT_PERIODS, silentPeers } from '../../lambdas/core/region-heartbeats.js';

const NOW = 1_800_000_000_000;
const P = 60_000;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const peers = (beats: Record<string, unknown>, self = 'us-east-1') =>
  silentPeers({ regions: REGIONS, self, beats, now: NOW, schedulePeriodMs: P });

describe('Function: silentPeers', () => {
  it.each([
    ['every peer planned this tick', { 'us-east-2': NOW - 5_000, 'us-west-2': NOW - 30_000 }, []],
    ['a peer exactly at the limit is not yet silent', { 'us-east-2': NOW - PEER_SILENT_PERIODS * P }, []],
    ['a peer past the limit is silent', { 'us-east-2': NOW - PEER_SILENT_PERIODS * P - 1 }, ['us-east-2']],
    [
      'two silent peers, in REGIONS order',
      { 'us-west-2': NOW - 10 * P, 'us-east-2': NOW - 4 * P },
      ['us-east-2', 'us-west-2'],
    ],
    ['a peer that never wrote a heartbeat (not deployed yet) is not counted', {}, []],
    ['a heartbeat that is not a number is not counted', { 'us-east-2': 'yesterday' }, []],
  ])('%s', (_name, beats, expected) => {
    expect(peers(beats)).toEqual(expected);
  });

  it('never counts its own Region, however old its stored heartbeat', () => {
    expect(peers({ 'us-east-1': NOW - 100 * P })).toEqual([]);
  });
});
