// The operator CLI invokes the deployment's refresher function where it runs: a multi-Region deployment's descriptor
// names the first Region's worker by ARN (docs/regions.md#the-operator-cli), so `tenants refresh` and `tenants remove`
// reach it whatever AWS_REGION the operator's shell has; a one-Region deployment's plain name is invoked in AWS_REGION.
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaClientFor } from '../../cli/refresher-invoke.js';

const saved = process.env.AWS_REGION;
afterEach(() => {
  if (saved === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = saved;
});

describe('Function: lambdaClientFor', () => {
  it.each([
    [
      'an ARN: its Region',
      'arn:aws:lambda:us-east-1:123456789012:function:TenantTokenRefresher-Refresher',
      'us-east-1',
    ],
    ['an ARN in another partition', 'arn:aws-eu:lambda:eusc-de-east-1:123456789012:function:worker', 'eusc-de-east-1'],
    ['a plain name: AWS_REGION', 'TenantTokenRefresher-RefresherFunction', 'us-west-2'],
  ])('%s', async (_name, functionName, region) => {
    process.env.AWS_REGION = 'us-west-2';
    const client = lambdaClientFor(functionName);
    expect(await client.config.region()).toBe(region);
    client.destroy();
  });
});
