// REGIONS and AWS_REGION (lambdas/regions.ts): a one-Region environment has no REGIONS; a multi-Region one names
// every Region and runs in one of them, or the cold start refuses it like any other variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/config.js';
import { regionsOf } from '../../lambdas/regions.js';

describe('Function: regionsOf', () => {
  it('one Region: no REGIONS, no Region of its own to report', () => {
    expect(regionsOf({ AWS_REGION: 'eu-west-1' })).toEqual({ regions: [], self: undefined });
    expect(regionsOf({ REGIONS: ' , ' })).toEqual({ regions: [], self: undefined });
  });

  it('several Regions: the list in order, and the one this function runs in', () => {
    expect(regionsOf({ REGIONS: 'us-east-1, us-east-2,us-west-2', AWS_REGION: 'us-east-2' })).toEqual({
      regions: ['us-east-1', 'us-east-2', 'us-west-2'],
      self: 'us-east-2',
    });
  });

  it.each([
    ['a Region outside the list', { REGIONS: 'us-east-1,us-east-2', AWS_REGION: 'eu-west-1' }, /not one of REGIONS/],
    ['no AWS_REGION', { REGIONS: 'us-east-1,us-east-2' }, /AWS_REGION \(unset\)/],
    ['a malformed name', { REGIONS: 'us-east-1,US_EAST_2', AWS_REGION: 'us-east-1' }, /Region names.*US_EAST_2/],
    ['a Region twice', { REGIONS: 'us-east-1,us-east-1', AWS_REGION: 'us-east-1' }, /twice/],
  ])('refuses %s (CONFIG_INVALID, naming the variable)', (_name, env, message) => {
    expect(() => regionsOf(env)).toThrow(ConfigError);
    expect(() => regionsOf(env)).toThrow(message);
  });
});
