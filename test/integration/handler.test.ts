// The real Lambda entry point, configured only through environment variables (the standard AWS SDK endpoint
// variables included), exactly as Lambda would run it.
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { METRIC_NAMESPACE, MetricName } from '../../lambdas/metrics.js';
import { captureOutput } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { CLIENTS, createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let handler: (event: unknown, context: Context) => Promise<Record<string, unknown>>;
const savedEnv = { ...process.env };

// The function's own timeout, as Lambda gives it: a run claims only with a whole lease hold of time left.
const context = (remainingMs = h.config.lambdaTimeoutMs): Context => lambdaContext(remainingMs);

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  Object.assign(process.env, h.env, {
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: h.secrets.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'tenant-token-refresher',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  ({ handler } = (await import('../../lambdas/refresher/handler.js')) as never);
});

afterAll(async () => {
  process.env = savedEnv;
  await h.close();
});

describe('Lambda handler (lambdas/refresher/handler.ts)', () => {
  it('a scheduled event sweeps due orgs and emits EMF metrics in our namespace; no token in any output', async () => {
    await h.seedOrg('h-org-1');
    await h.seedOrg('h-org-2', { clientKey: 'orgParam' });

    const { result, lines } = await captureOutput(() =>
      handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, context()),
    );

    expect(result).toMatchObject({ mode: 'sweep', due: 2, refreshed: 2, failedTotal: 0 });
    const emf = lines.map((l) => JSON.parse(l)).find((o) => o._aws?.CloudWatchMetrics);
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe(METRIC_NAMESPACE);
    expect(emf[MetricName.RefreshSucceeded]).toBe(2);
    expect(emf[MetricName.RunCompleted]).toBe(1);
    expect(emf.service).toBe('tenant-token-refresher');

    const out = lines.join('\n') + JSON.stringify(result);
    for (const id of ['h-org-1', 'h-org-2']) {
      const rec = await h.getRecord(id);
      expect(out).not.toContain(rec?.accessToken as string);
      expect(out).not.toContain(rec?.refreshToken as string);
    }
    for (const c of Object.values(CLIENTS)) expect(out).not.toContain(c.clientSecret);
  });

  it('a direct invocation refreshes just the named orgs and reports each outcome', async () => {
    await h.seedOrg('h-direct', { refreshAt: Date.now() + 3_600_000 });
    const { result } = await captureOutput(() => handler({ orgIds: ['h-direct', 'h-unknown'] }, context()));
    expect(result).toMatchObject({ mode: 'direct', refreshed: 1, skipped: { NOT_FOUND: 1 } });
    expect((await h.getRecord('h-direct'))?.version).toBe(1);
  });

  it('a malformed payload is answered with INVALID_EVENT and a message saying what was expected', async () => {
    const { result } = await captureOutput(() => handler({ orgIds: 'h-direct' }, context()));
    expect(result).toEqual({
      error: { code: 'INVALID_EVENT', message: expect.stringContaining('orgIds must be an array') },
    });
  });
});
