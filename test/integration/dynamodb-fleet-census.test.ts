// The planner's census on DynamoDB Local: the ACTIVE org count without reading an item (DescribeTable's item count of
// the sparse due index: coordination items and orgs out of the due index are not in it), and the Regions' heartbeats
// (one item per Region, so no two Regions ever write the same item).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbFleetCensus } from '../../lambdas/adapters/dynamodb-fleet-census.js';
import { DynamoDbFleetStore } from '../../lambdas/adapters/dynamodb-fleet-store.js';
import { createHarness, type Harness } from '../support/harness.js';

describe('Class: DynamoDbFleetCensus', () => {
  let h: Harness;
  let census: DynamoDbFleetCensus;
  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'));
    census = new DynamoDbFleetCensus({ tableName: h.table, client: h.doc });
  });
  afterAll(async () => {
    await h.close();
  });

  it('activeOrgs: the due index’s item count (ACTIVE orgs only, no coordination item)', async () => {
    for (let i = 0; i < 5; i++) await h.seedOrg(`census-${i}`);
    // Not ACTIVE: no dueShard, so not in the sparse due index.
    await h.seedOrg('census-dead', { extra: { status: 'REAUTH_REQUIRED', dueShard: undefined } });
    await new DynamoDbFleetStore({ tableName: h.table, client: h.doc }).claimShards({
      shards: [0],
      owner: 'o',
      tick: 't',
      until: Date.now() + 1000,
      now: Date.now(),
      shardCount: 4,
    });
    await census.regionBeat('us-east-1', Date.now(), ['us-east-1']);
    expect(await census.activeOrgs()).toBe(5);
  });

  it('regionBeat: writes this Region’s heartbeat and answers every Region’s last one', async () => {
    await census.regionBeat('us-east-2', 1_000, ['us-east-1', 'us-east-2', 'us-west-2']);
    const beats = await census.regionBeat('us-east-1', 2_000, ['us-east-1', 'us-east-2', 'us-west-2']);
    expect(beats).toEqual({ 'us-east-1': 2_000, 'us-east-2': 1_000 });
    const item = await h.getRecord('#region:us-east-1');
    expect(item).toEqual({ orgId: '#region:us-east-1', at: 2_000 });
  });
});
