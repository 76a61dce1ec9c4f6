// The deployment descriptor on DynamoDB Local: the `#deployment` item, written only when its content changes.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbDeployment } from '../../lambdas/adapters/dynamodb-deployment.js';
import { contentHash, type DeploymentDescriptor } from '../../lambdas/core/deployment-descriptor.js';
import { deploymentSettingsOf } from '../../lambdas/refresher/deployment-publisher.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let registry: DynamoDbDeployment;
beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  registry = new DynamoDbDeployment({ tableName: h.table, client: h.doc });
});
afterAll(async () => h.close());

async function descriptor(shardCount: number, publishedAt: number): Promise<DeploymentDescriptor> {
  const settings = deploymentSettingsOf(
    { shardCount, allowedTokenHosts: ['idp.example.com'], allowLoopbackHttp: false, eventBusName: 'default' },
    { refresherFunctionName: 'worker-fn', serviceName: 'svc' },
  );
  return { ...settings, contentHash: await contentHash(settings), publishedAt };
}

describe('Class: DynamoDbDeployment', () => {
  it('writes new content, refuses to rewrite the same content (its first stamp stays), writes changed content', async () => {
    const first = await registry.publish(await descriptor(4, 1_000));
    const again = await registry.publish(await descriptor(4, 2_000));
    const afterAgain = await registry.read({ consistent: true });
    const grown = await registry.publish(await descriptor(8, 3_000));
    const afterGrown = await registry.read({ consistent: true });

    expect([first, again, grown]).toEqual(['written', 'unchanged', 'written']);
    expect(afterAgain).toMatchObject({ state: 'found', descriptor: { shardCount: 4, publishedAt: 1_000 } });
    expect(afterGrown).toMatchObject({ state: 'found', descriptor: { shardCount: 8, publishedAt: 3_000 } });
    const item = await h.doc.send(new GetCommand({ TableName: h.table, Key: { orgId: '#deployment' } }));
    expect(Object.keys(item.Item ?? {})).not.toEqual(expect.arrayContaining(['dueShard']));
  });

  it('reads a missing or damaged item as such, never as defaults', async () => {
    const empty = await createHarness(inject('dynamoDbEndpoint'));
    try {
      const other = new DynamoDbDeployment({ tableName: empty.table, client: empty.doc });
      expect(await other.read({ consistent: true })).toEqual({ state: 'missing' });
      await empty.doc.send(
        new PutCommand({ TableName: empty.table, Item: { orgId: '#deployment', schemaVersion: 1, shardCount: 4 } }),
      );
      expect(await other.read({ consistent: true })).toMatchObject({ state: 'invalid' });
    } finally {
      await empty.close();
    }
  });
});
