// The Python grant intake client (examples/python/grant_intake.py) with Debian's python3-boto3, against the Lambda
// Invoke stand-in running the REAL intake handler, DynamoDB Local and the loopback OAuth server, which mints the
// refresh tokens the Python tests hand over (.ci/run installs boto3 and sets REQUIRE_PYTHON_READER).
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';
import { APP_FUNCTION, APPS_INTAKE_FUNCTION, TWO_APPS, twoAppsEnv } from '../support/two-apps.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
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
if (missing && process.env.REQUIRE_PYTHON_READER) throw new Error(missing);
if (missing) console.warn(`skipping the Python grant intake client's tests: ${missing}`);

let h: Harness;
let standIn: LambdaInvokeStandIn;

beforeAll(async () => {
  if (missing) return;
  h = await createHarness(inject('dynamoDbEndpoint'));
  const { buildIntakeHandler, createIntakeParts } = await import('../../lambdas/intake/handler.js');
  const overrides = { documentClient: h.doc, secretsClient: h.secretsClient };
  const intake = buildIntakeHandler(createIntakeParts(h.env, overrides));
  standIn = await LambdaInvokeStandIn.start({
    functions: {
      'grant-intake': { handler: intake, timeoutMs: h.config.lambdaTimeoutMs },
      // The same intake with two apps declared, one alias each (test/support/two-apps.ts).
      [APPS_INTAKE_FUNCTION]: {
        newInstance: () => buildIntakeHandler(createIntakeParts(twoAppsEnv(h.env), overrides)),
        aliases: TWO_APPS.map((a) => `app-${a.name}`),
        timeoutMs: h.config.lambdaTimeoutMs,
      },
      // An intake at its reserved concurrency: every call is throttled (429), as Lambda throttles.
      'grant-intake-throttled': { handler: intake, timeoutMs: h.config.lambdaTimeoutMs, reservedConcurrency: 0 },
      // A function that fails as a whole, quoting its event (what a crash could print): the client must not.
      'grant-intake-broken': {
        timeoutMs: 5_000,
        handler: async (event) => {
          throw new Error(`crashed on ${JSON.stringify(event)}`);
        },
      },
    },
  });
}, 60_000);

afterAll(async () => {
  if (missing) return;
  await standIn.stop();
  await h.close();
});

describe.skipIf(missing !== undefined)('Python example: grant_intake.py', () => {
  it('passes its unittest suite against the real intake handler (lifecycle, removal, every error, Python 3.9 syntax)', async () => {
    // Prepare: one minted refresh token per case
    const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
    const tokens: Record<string, string> = {};
    for (const [name, orgId] of Object.entries({
      good: 'py-good',
      repeat: 'py-repeat',
      revoked: 'py-revoked',
      fresh: 'py-revoked',
      stale_newer: 'py-stale',
      stale_older: 'py-stale',
      exists: 'py-exists',
      exists_again: 'py-exists',
      unused: 'py-bad',
      env: 'py-env',
      remove: 'py-remove',
      reinstall: 'py-remove',
      alpha: 'alpha-py-1',
      alpha_stolen: 'alpha-py-1',
      order_a: 'alpha-py-order',
      order_b: 'alpha-py-order',
    })) {
      tokens[name] = await mint(orgId);
    }
    await h.oauth.revokeGrant(tokens.revoked as string);
    const fixture = {
      functionName: 'grant-intake',
      brokenFunctionName: 'grant-intake-broken',
      lambdaEndpoint: standIn.endpoint,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      table: h.table,
      org: {
        provider: 'generic',
        grantType: 'refresh_token',
        tokenUrl: h.oauth.tokenUrl,
        revocationUrl: h.oauth.revocationUrl,
        clientAuth: 'basic',
        clientSecretId: secretIdFor(CLIENTS.basic.clientId),
      },
      tokens,
      // A client_credentials org that hands its own OAuth client over (a premium app's install).
      ownClient: { clientId: CLIENTS.cc.clientId, clientSecret: CLIENTS.cc.clientSecret },
      throttledFunctionName: 'grant-intake-throttled',
      apps: {
        functionName: APPS_INTAKE_FUNCTION,
        alpha: APP_FUNCTION.alpha,
        beta: APP_FUNCTION.beta,
        betaClientSecretId: secretIdFor(CLIENTS.cc.clientId),
        ungrantedClientSecretId: secretIdFor(CLIENTS.post.clientId),
        betaOnlyTokenUrl: h.oauth.tokenUrl.replace('127.0.0.1', 'localhost'),
      },
    };

    // Act
    const out = await run(PYTHON, ['-m', 'unittest', '-v', 'test_grant_intake'], {
      cwd: path.resolve('examples/python'),
      env: {
        PATH: process.env.PATH,
        INTAKE_FIXTURE: JSON.stringify(fixture),
        AWS_ENDPOINT_URL_LAMBDA: standIn.endpoint,
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

    // Assess: unittest reports on stderr
    expect(out.stderr).toMatch(/Ran 16 tests/);
    expect(out.stderr).toMatch(/\nOK\n?$/);
    expect(standIn.invocations.filter((i) => i.functionName === 'grant-intake').length).toBeGreaterThanOrEqual(10);
    expect(standIn.invocations.filter((i) => i.functionName === APPS_INTAKE_FUNCTION).length).toBeGreaterThanOrEqual(8);
    expect(standIn.throttled.length).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
