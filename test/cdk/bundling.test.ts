// The one test that bundles the real handler the way `cdk synth` does (local esbuild, no Docker), then loads the
// bundle on Node.js 24 and invokes it: proof that the ESM output, the require banner and the external AWS SDK work
// together, not just that esbuild ran.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import { CDK_JSON_CONTEXT } from './synth-stack.js';

// Inside the project, so the bundle resolves `@aws-sdk/*` from node_modules as Lambda's runtime provides it.
const CACHE = path.join(PROJECT_ROOT, 'node_modules', '.cache');
let outdir: string;
let bundleDir: string;
let intakeBundleDir: string;
let onDemandBundleDir: string;

beforeAll(() => {
  mkdirSync(CACHE, { recursive: true });
  outdir = mkdtempSync(path.join(CACHE, 'cdk-bundling-test-'));
  const { app, stack } = buildApp({ outdir, context: { ...CDK_JSON_CONTEXT } });
  app.synth();
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  if (assets.length !== 3) {
    throw new Error(`expected three assets (refresher, grant intake, on-demand), found ${assets.join(', ')}`);
  }
  // Each function's code is the asset whose hash names its S3 key (`<hash>.zip` ↔ `asset.<hash>/`).
  const template = JSON.parse(readFileSync(path.join(outdir, `${stack.stackName}.template.json`), 'utf8'));
  const resources = template.Resources as Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  const assetOf = (prefix: string) => {
    const [, fn] =
      Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix)) ?? [];
    return path.join(outdir, `asset.${String(fn?.Properties.Code?.S3Key).replace(/\.zip$/, '')}`);
  };
  bundleDir = assetOf('RefresherFunction');
  intakeBundleDir = assetOf('GrantIntakeFunction');
  onDemandBundleDir = assetOf('OnDemandRefreshFunction');
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('Bundling: the refresher as NodejsFunction builds it', () => {
  it('is one ESM file with its source map, and leaves the AWS SDK to the runtime', () => {
    const files = readdirSync(bundleDir).sort();
    expect(files).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8');
    expect(code).toContain('createRequire');
    expect(code).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(code).toMatch(/export\s*\{[^}]*handler/);
  });

  it('loads on Node.js 24 with the deployed environment and answers an invocation', () => {
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(bundleDir, 'index.mjs')).href)});
      const context = { awsRequestId: 'bundle-test', functionName: 'refresher', functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:refresher', memoryLimitInMB: '512',
        getRemainingTimeInMillis: () => 60_000 };
      const result = await handler({ unexpected: true }, context);
      process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
    `;
    const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: bundleDir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        TABLE_NAME: 'bundle-test',
        EVENT_BUS_NAME: 'default',
        POWERTOOLS_SERVICE_NAME: 'tenant-token-refresher',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse((line as string).slice('RESULT '.length))).toMatchObject({ error: { code: 'INVALID_EVENT' } });
  });
});

describe('Bundling: the grant intake as NodejsFunction builds it', () => {
  it('is its own ESM file with its source map, answers an invocation, and carries no refresher entry point', () => {
    expect(readdirSync(intakeBundleDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    // The refresher's handler (which would validate and build a second runtime at cold start) is not in it.
    expect(readFileSync(path.join(intakeBundleDir, 'index.mjs'), 'utf8')).not.toContain('rejected invocation');
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(intakeBundleDir, 'index.mjs')).href)});
      const context = { awsRequestId: 'bundle-test', functionName: 'intake', functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:intake', memoryLimitInMB: '512',
        getRemainingTimeInMillis: () => 60_000 };
      const result = await handler({ action: 'submitGrant' }, context);
      process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
    `;
    const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: intakeBundleDir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        TABLE_NAME: 'bundle-test',
        EVENT_BUS_NAME: 'default',
        POWERTOOLS_SERVICE_NAME: 'tenant-token-refresher',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse((line as string).slice('RESULT '.length))).toMatchObject({
      ok: false,
      stored: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
  });
});

describe('Bundling: the on-demand refresh as NodejsFunction builds it', () => {
  it('is its own ESM file with its source map, answers an invocation, and carries no refresher entry point', () => {
    expect(readdirSync(onDemandBundleDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(readFileSync(path.join(onDemandBundleDir, 'index.mjs'), 'utf8')).not.toContain('rejected invocation');
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(onDemandBundleDir, 'index.mjs')).href)});
      const context = { awsRequestId: 'bundle-test', functionName: 'on-demand', functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:on-demand', memoryLimitInMB: '512',
        getRemainingTimeInMillis: () => 60_000 };
      const result = await handler({ action: 'refreshNow' }, context);
      process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
    `;
    const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: onDemandBundleDir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        TABLE_NAME: 'bundle-test',
        EVENT_BUS_NAME: 'default',
        POWERTOOLS_SERVICE_NAME: 'tenant-token-refresher',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse((line as string).slice('RESULT '.length))).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
  });
});
