// What one refresh costs in DynamoDB write units, as DynamoDB Local reports them (ReturnConsumedCapacity): the claim
// writes the table only (the version it leaves alone is what the due index projects), the commit writes the table
// and moves the org's due-index entry. The bench measures the same at two token sizes (writeUnitsPerRefresh).
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
});
afterAll(async () => {
  await h.close();
});

describe('Write units per refresh', () => {
  it('a claim is 1 write unit (no due-index write) and a commit 3 (table + index entry moved): 4 per refresh', async () => {
    await h.seedOrg('wcu-1');
    const units: Record<string, number> = {};
    const onCapacity = (operation: string, capacity: ConsumedCapacity | undefined) => {
      units[operation] = (units[operation] ?? 0) + (capacity?.CapacityUnits ?? 0);
    };
    const summary = await h.runtime({ onCapacity }).run.refreshOrgs(['wcu-1'], h.scope());
    expect(summary.refreshed).toBe(1);
    expect(units.claim).toBe(1);
    expect(units.commit).toBe(3);
  });
});
