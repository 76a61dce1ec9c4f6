// The Python example (examples/python/read_token.py) against DynamoDB Local, with Debian's python3-boto3
// (.ci/run installs it). The Python tests seed their own items into a table created here with the real schema.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it, vi } from 'vitest';
import { onDemandTimeoutSeconds } from '../../cdk/constructs/on-demand-refresh-function.js';
import { fingerprint } from '../../lambdas/core/redact.js';
import { createTokenTable, deleteTokenTable, localDynamoDbClient } from '../../local/dynamodb-local.js';
import { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import { createHarness } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-on-demand-parts';
});

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

function boto3Missing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} with boto3 is not available (Debian: apt-get install python3-boto3; .ci/run installs it)`;
  }
}

const missing = boto3Missing();
// .ci/run installs python3-boto3 and sets REQUIRE_PYTHON_READER, so CI fails instead of skipping.
if (missing && process.env.REQUIRE_PYTHON_READER) throw new Error(missing);
if (missing) console.warn(`skipping the Python example's tests: ${missing}`);

describe.skipIf(missing !== undefined)('Python example: read_token.py', () => {
  it('passes its unittest suite against DynamoDB Local (projection, cache, every error, Python 3.9 syntax)', async () => {
    // Prepare
    const endpoint = inject('dynamoDbEndpoint');
    const table = `py-tokens-${randomUUID().slice(0, 8)}`;
    const ddb = localDynamoDbClient(endpoint);
    await createTokenTable(ddb, table);
    try {
      // Act
      const out = await run(PYTHON, ['-m', 'unittest', '-v', 'test_read_token'], {
        cwd: path.resolve('examples/python'),
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: table,
          AWS_ENDPOINT_URL_DYNAMODB: endpoint,
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_EC2_METADATA_DISABLED: 'true',
          PYTHONDONTWRITEBYTECODE: '1',
        },
        timeout: 60_000,
      }).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`python tests failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
      });

      // Assess: unittest reports on stderr
      expect(out.stderr).toMatch(/Ran 1[0-9] tests/);
      expect(out.stderr).toMatch(/\nOK\n?$/);
    } finally {
      await deleteTokenTable(ddb, table);
      ddb.destroy();
    }
  });
});

describe.skipIf(missing !== undefined)('Python example: read_token.py on demand', () => {
  it('passes its unittest suite against the real on-demand handler (refresh_now, min_validity_ms, every error)', async () => {
    // Prepare: orgs with fresh tokens, one revoked at the provider, one this app may not refresh
    const h = await createHarness(inject('dynamoDbEndpoint'));
    const orgs = {
      main: 'py-od-main',
      long: 'py-od-long',
      threads: 'py-od-threads',
      revoked: 'py-od-revoked',
      denied: 'py-denied-od',
    };
    for (const orgId of Object.values(orgs)) await h.seedOrg(orgId);
    expect((await h.runtime().run.refreshOrgs(Object.values(orgs), h.scope())).refreshed).toBe(5);
    const revokedToken = String((await h.getRecord(orgs.revoked))?.accessToken);
    await h.oauth.revokeGrant(String((await h.getRecord(orgs.revoked))?.refreshToken));
    const { buildOnDemandHandler, createOnDemandParts } = await import('../../lambdas/on-demand/handler.js');
    const handler = buildOnDemandHandler(
      createOnDemandParts(h.env, {
        documentClient: h.doc,
        secretsClient: h.secretsClient,
        orgAccess: (orgId) =>
          orgId.startsWith('py-denied') ? { decision: 'deny', reason: 'TEST' } : { decision: 'allow', reason: 'TEST' },
      }),
    );
    const standIn = await LambdaInvokeStandIn.start({
      functions: {
        // The function's own timeout as the stack sets it: a lease hold and 20 s.
        'on-demand': {
          handler,
          timeoutMs:
            onDemandTimeoutSeconds({
              leaseSeconds: h.config.leaseMs / 1000,
              lambdaTimeoutSeconds: h.config.lambdaTimeoutMs / 1000,
            }) * 1000,
        },
        'on-demand-broken': {
          timeoutMs: 5_000,
          handler: async (event) => {
            throw new Error(`crashed on ${JSON.stringify(event)}`);
          },
        },
      },
    });
    const sample = 'at-sample-0123456789-for-the-fingerprint';
    const fixture = {
      functionName: 'on-demand',
      brokenFunctionName: 'on-demand-broken',
      lambdaEndpoint: standIn.endpoint,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      table: h.table,
      orgs,
      revokedToken,
      sample: { token: sample, fingerprint: await fingerprint(sample) },
    };
    const requestsBefore = h.oauth.stats.tokenRequests;
    try {
      // Act
      const out = await run(PYTHON, ['-m', 'unittest', '-v', 'test_read_token_on_demand'], {
        cwd: path.resolve('examples/python'),
        env: {
          PATH: process.env.PATH,
          ON_DEMAND_FIXTURE: JSON.stringify(fixture),
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_EC2_METADATA_DISABLED: 'true',
          PYTHONDONTWRITEBYTECODE: '1',
        },
        timeout: 120_000,
      }).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`python tests failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
      });

      // Assess: unittest reports on stderr; one refresh each of the main org and of the threads' org, and the revoked
      // grant's failed one
      expect(out.stderr).toMatch(/Ran 6 tests/);
      expect(out.stderr).toMatch(/\nOK\n?$/);
      expect(h.oauth.stats.tokenRequests - requestsBefore).toBe(3);
      expect(h.oauth.stats.invalidGrant).toBe(1);
    } finally {
      await standIn.stop();
      await h.close();
    }
  }, 180_000);
});
