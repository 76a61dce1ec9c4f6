// The operator CLI against DynamoDB Local, a real rotating OAuth server and the Secrets Manager stand-in.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fingerprint } from '../../lambdas/core/redact.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { type CliOptions, cli } from '../support/cli-io.js';
import { startDeployment, type TestDeployment } from '../support/deployment.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

const run = promisify(execFile);
/** The deployment's hosted apps: `zendesk` owns the ids starting "zd-", `bot` (the default app) every other id. */
const HOSTED_APPS = JSON.stringify([{ name: 'zendesk', orgIdPrefix: 'zd-' }, { name: 'bot' }]);
let h: Harness;
let deployment: TestDeployment;
let opts: CliOptions;
const dir = mkdtempSync(path.join(tmpdir(), 'cli-it-'));

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  // The deployment (4 shards, two hosted apps) has published its descriptor; `tenants refresh` invokes its worker.
  deployment = await startDeployment(h, { env: { HOSTED_APPS } });
  // Without SHARD_COUNT, as an operator's shell usually is: the deployment's count is used.
  const { SHARD_COUNT: _shards, ...env } = h.env;
  opts = { env, dynamoDb: h.ddb, secretsClient: h.secretsClient, lambdaClient: deployment.lambdaClient };
});
afterAll(async () => {
  await deployment.stop();
  await h.close();
});

const genericArgs = (client: keyof typeof CLIENTS) => [
  '--provider',
  'generic',
  '--token-url',
  h.oauth.tokenUrl,
  '--client-auth',
  CLIENTS[client].auth,
  '--secret-id',
  secretIdFor(CLIENTS[client].clientId),
  ...('requireOrgParam' in CLIENTS[client] ? ['--org-param', 'organization_id'] : []),
];

async function addGeneric(orgId: string, client: keyof typeof CLIENTS = 'basic') {
  const rt = await h.oauth.mintRefreshToken(CLIENTS[client].clientId, orgId);
  const out = await cli(['tenants', 'add', orgId, ...genericArgs(client), '--grant-type', 'refresh_token'], {
    ...opts,
    stdin: `${rt}\n`,
  });
  expect(out, out.stderr).toMatchObject({ code: 0 });
  return rt;
}

describe('Command: tenants add', () => {
  it("onboards an org with the refresh token from stdin: ACTIVE, version 0, due now, in the deployment's shard", async () => {
    // Prepare
    const before = Date.now();
    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'add-stdin');

    // Act
    const out = await cli(
      [
        ...['tenants', 'add', 'add-stdin', '--provider', 'genesys', '--region', 'eu-west-1'],
        ...['--grant-type', 'refresh_token', '--secret-id', 'tenant-tokens/genesys'],
      ],
      { ...opts, stdin: `${rt}\n` },
    );

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^added add-stdin \(genesys, refresh_token\): ACTIVE, due now/);
    const record = await h.getRecord('add-stdin');
    expect(record).toMatchObject({
      orgId: 'add-stdin',
      provider: 'genesys',
      region: 'eu-west-1',
      grantType: 'refresh_token',
      clientSecretId: 'tenant-tokens/genesys',
      refreshToken: rt,
      status: 'ACTIVE',
      version: 0,
      consecutiveFailures: 0,
      dueShard: dueShardFor('add-stdin', 4),
    });
    // Stamped by AWS's clock: its Date header has whole seconds, and the CLI takes the lower bound.
    expect(record?.refreshAt).toBeGreaterThanOrEqual(before - 1000);
    expect(record?.refreshAt).toBeLessThanOrEqual(Date.now());
    expect(out.stdout + out.stderr).not.toContain(rt);
  });

  it('reads the refresh token from --refresh-token-file; SHARD_COUNT set to the deployment’s own is accepted', async () => {
    const file = path.join(dir, 'rt.txt');
    writeFileSync(file, 'rt-from-file-0123456789\n');
    const out = await cli(
      [
        ...['tenants', 'add', 'add-file', '--provider', 'zendesk', '--subdomain', 'acme'],
        ...['--grant-type', 'refresh_token', '--secret-id', 'zd', '--refresh-token-file', file],
      ],
      { ...opts, env: { ...opts.env, SHARD_COUNT: '4' } },
    );
    expect(out.code).toBe(0);
    const record = await h.getRecord('add-file');
    expect(record?.refreshToken).toBe('rt-from-file-0123456789');
    expect(record?.dueShard).toBe(dueShardFor('add-file', 4));
  });

  it('onboards a client-credentials org without reading stdin', async () => {
    const out = await cli(
      ['tenants', 'add', 'add-cc', ...genericArgs('cc'), '--grant-type', 'client_credentials', '--scope', 'openid'],
      { ...opts, stdin: undefined },
    );
    expect(out.code).toBe(0);
    const record = await h.getRecord('add-cc');
    expect(record).toMatchObject({ grantType: 'client_credentials', scope: 'openid', status: 'ACTIVE' });
    expect(record).not.toHaveProperty('refreshToken');
  });

  it('refuses to overwrite an existing org (exit 1) and leaves it untouched', async () => {
    const rt = await addGeneric('add-twice');
    const out = await cli(['tenants', 'add', 'add-twice', ...genericArgs('basic'), '--grant-type', 'refresh_token'], {
      ...opts,
      stdin: 'rt-other-0123456789',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /org add-twice already exists \(status ACTIVE\): to store a new grant use `tenants reauth`/,
    );
    expect((await h.getRecord('add-twice'))?.refreshToken).toBe(rt);
  });
});

describe("Command: tenants add — the org's own client", () => {
  const OWN = { clientId: 'own-client-7d0c9a3e', clientSecret: 'own-client-secret-0123456789' };

  it('stores the client in the record (never through argv), refreshes with it, shows only a fingerprint', async () => {
    // Prepare: the customer's org has its own client at the provider (here: the loopback OAuth server's cc client)
    const secretFile = path.join(dir, 'own-secret.txt');
    writeFileSync(secretFile, `${CLIENTS.cc.clientSecret}\n`, { mode: 0o600 });
    const args = ['--provider', 'generic', '--token-url', h.oauth.tokenUrl, '--client-auth', 'basic'];

    // Act
    const added = await cli(
      [
        ...['tenants', 'add', 'own-cc', ...args, '--grant-type', 'client_credentials'],
        ...['--client-id', CLIENTS.cc.clientId, '--client-secret-file', secretFile],
      ],
      opts,
    );
    const refreshed = await cli(['tenants', 'refresh', 'own-cc'], opts);
    const show = await cli(['tenants', 'show', 'own-cc'], opts);
    const json = await cli(['tenants', 'show', 'own-cc', '--json'], opts);
    const list = await cli(['tenants', 'list', '--json'], opts);

    // Assess
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toMatch(/^added own-cc \(generic, client_credentials, its own client\): ACTIVE/);
    expect(await h.getRecord('own-cc')).toMatchObject({
      clientId: CLIENTS.cc.clientId,
      clientSecret: CLIENTS.cc.clientSecret,
      status: 'ACTIVE',
    });
    expect(await h.getRecord('own-cc')).not.toHaveProperty('clientSecretId');
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const fp = await fingerprint(CLIENTS.cc.clientSecret);
    expect(show.stdout).toContain(`its own: ${CLIENTS.cc.clientId}, secret ${fp} (in the record)`);
    expect(JSON.parse(json.stdout)).toMatchObject({ clientId: CLIENTS.cc.clientId, clientSecretFingerprint: fp });
    for (const out of [added, refreshed, show, json, list]) {
      expect(out.stdout + out.stderr).not.toContain(CLIENTS.cc.clientSecret);
      expect(out.stdout).not.toMatch(/"clientSecret"/);
    }
  });

  it('reads the client secret from stdin with --client-secret-file -', async () => {
    const out = await cli(
      [
        ...['tenants', 'add', 'own-stdin', '--provider', 'genesys', '--region', 'eusc-de-east-1'],
        ...['--grant-type', 'client_credentials', '--client-id', OWN.clientId, '--client-secret-file', '-'],
      ],
      { ...opts, stdin: `${OWN.clientSecret}\n` },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(await h.getRecord('own-stdin')).toMatchObject({
      region: 'eusc-de-east-1',
      clientId: OWN.clientId,
      clientSecret: OWN.clientSecret,
    });
  });

  it('reauth stores a new own client after a reinstall, replacing a shared one, and clears the failure', async () => {
    await addGeneric('own-reinstall', 'cc');
    const secretFile = path.join(dir, 'new-secret.txt');
    writeFileSync(secretFile, OWN.clientSecret, { mode: 0o600 });
    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'own-reinstall');
    const out = await cli(
      ['tenants', 'reauth', 'own-reinstall', '--client-id', OWN.clientId, '--client-secret-file', secretFile],
      { ...opts, stdin: rt },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^re-authorised own-reinstall with its new client: ACTIVE -> ACTIVE/);
    const record = await h.getRecord('own-reinstall');
    expect(record).toMatchObject({ clientId: OWN.clientId, clientSecret: OWN.clientSecret, refreshToken: rt });
    expect(record).not.toHaveProperty('clientSecretId');
    expect(out.stdout + out.stderr).not.toContain(OWN.clientSecret);
  });
});

describe('Command: tenants list / show', () => {
  it('lists tenants only: the fan-out’s coordination items (sweep leases, host backoffs) are not orgs', async () => {
    await addGeneric('listed-among-coordination');
    for (const orgId of ['#sweep', '#host:idp.example.com']) {
      await h.doc.send(new PutCommand({ TableName: h.table, Item: { orgId, degradedUntil: 1, highestShardCount: 4 } }));
    }
    const json = await cli(['tenants', 'list', '--json'], opts);
    expect(json.code).toBe(0);
    const ids = (JSON.parse(json.stdout) as { orgId: string }[]).map((o) => o.orgId);
    expect(ids).toContain('listed-among-coordination');
    expect(ids.filter((id) => id.startsWith('#'))).toEqual([]);
  });

  it('lists orgs in a table and as JSON, never with a token', async () => {
    // Prepare: one refreshed org, so there is an access token too
    const rt = await addGeneric('list-me');
    expect((await cli(['tenants', 'refresh', 'list-me'], opts)).code).toBe(0);
    const record = await h.getRecord('list-me');

    // Act
    const table = await cli(['tenants', 'list'], opts);
    const json = await cli(['tenants', 'list', '--json'], opts);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ORG\s+PROVIDER\s+GRANT TYPE\s+STATUS\s+EXPIRES IN\s+LAST REFRESH\s+FAILURES/);
    expect(table.stdout).toMatch(/\nlist-me\s+generic\s+refresh_token\s+ACTIVE\s+(59m \d\ds|1h 00m)\s+\d+s ago\s+0/);
    const orgs = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(orgs.find((o) => o.orgId === 'list-me')).toMatchObject({ status: 'ACTIVE', version: 1 });
    for (const text of [table.stdout, json.stdout]) {
      expect(text).not.toContain(record?.accessToken as string);
      expect(text).not.toContain(record?.refreshToken as string);
      expect(text).not.toContain(rt);
      expect(text).not.toMatch(/accessToken|refreshToken/);
    }
  });

  it('shows one org with token fingerprints only', async () => {
    await addGeneric('show-me');
    await cli(['tenants', 'refresh', 'show-me'], opts);
    const record = await h.getRecord('show-me');

    const text = await cli(['tenants', 'show', 'show-me'], opts);
    const json = await cli(['tenants', 'show', 'show-me', '--json'], opts);

    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `access token      ${await fingerprint(record?.accessToken as string)} Bearer, expires in`,
    );
    expect(text.stdout).toContain(`refresh token     ${await fingerprint(record?.refreshToken as string)}`);
    expect(text.stdout).toContain(`provider          generic (token URL) -> ${h.oauth.tokenUrl}`);
    expect(JSON.parse(json.stdout)).toMatchObject({
      orgId: 'show-me',
      accessTokenFingerprint: await fingerprint(record?.accessToken as string),
    });
    for (const out of [text.stdout, json.stdout]) {
      expect(out).not.toContain(record?.accessToken as string);
      expect(out).not.toContain(record?.refreshToken as string);
    }
  });

  it.each([['show'], ['refresh'], ['disable'], ['enable'], ['reauth']])(
    '%s of an unknown org fails with exit 1 and says so',
    async (command) => {
      const out = await cli(['tenants', command as string, 'nobody-here'], { ...opts, stdin: 'rt-0123456789' });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/no org nobody-here in (this )?table/);
    },
  );
});

describe('Command: tenants add / import / show / list — the hosted app an org belongs to', () => {
  const addArgs = (orgId: string, app: string) => [
    ...['tenants', 'add', orgId, ...genericArgs('cc'), '--grant-type', 'client_credentials', '--app', app],
  ];

  it("add --app records the app; an org outside its namespace in the deployment's declarations is refused (exit 2)", async () => {
    // The operator's shell declares other apps: the deployment's own declarations (its descriptor) decide.
    const shellApps = { ...opts, env: { ...opts.env, HOSTED_APPS: JSON.stringify([{ name: 'genesys' }]) } };

    const ok = await cli(addArgs('zd-cli-1', 'zendesk'), opts);
    const outside = await cli(addArgs('cli-2', 'zendesk'), opts);
    const unknown = await cli(addArgs('zd-cli-3', 'genesys'), shellApps);
    const badName = await cli(addArgs('cli-5', 'Zendesk'), opts);

    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^added zd-cli-1 \(generic, client_credentials, app zendesk\)/);
    expect((await h.getRecord('zd-cli-1'))?.app).toBe('zendesk');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--app zendesk does not own org id cli-2: its org ids start with "zd-"/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--app is not a declared app \(declared: zendesk, bot\)/);
    for (const orgId of ['cli-2', 'zd-cli-3', 'cli-5']) expect(await h.getRecord(orgId)).toBeUndefined();
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/--app must be 1-32 characters/);
  });

  it('import takes an app per line; show and list show it (list adds an APP column once any org has one)', async () => {
    const file = path.join(dir, 'apps.jsonl');
    const line = (orgId: string, app?: string) =>
      JSON.stringify({
        orgId,
        provider: 'generic',
        grantType: 'client_credentials',
        tokenUrl: h.oauth.tokenUrl,
        clientSecretId: secretIdFor(CLIENTS.cc.clientId),
        ...(app ? { app } : {}),
      });
    writeFileSync(file, [line('zd-imp-1', 'zendesk'), line('imp-2', 'bot'), line('imp-3')].join('\n'), { mode: 0o600 });
    const imported = await cli(['tenants', 'import', file, '--json'], opts);
    const show = await cli(['tenants', 'show', 'zd-imp-1'], opts);
    const showJson = await cli(['tenants', 'show', 'imp-2', '--json'], opts);
    const list = await cli(['tenants', 'list'], opts);

    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ added: 3, invalid: 0 });
    expect((await h.getRecord('zd-imp-1'))?.app).toBe('zendesk');
    expect((await h.getRecord('imp-3'))?.app).toBeUndefined();
    expect(show.stdout).toMatch(/\napp\s+zendesk\n/);
    expect(JSON.parse(showJson.stdout)).toMatchObject({ orgId: 'imp-2', app: 'bot' });
    expect(list.stdout).toMatch(
      /^ORG\s+PROVIDER\s+GRANT TYPE\s+STATUS\s+EXPIRES IN\s+LAST REFRESH\s+FAILURES\s+LAST ERROR\s+APP/,
    );
    expect(list.stdout).toMatch(/\nzd-imp-1\s.*\szendesk\n/);
    expect(list.stdout).toMatch(/\nimp-3\s.*\s-\n/);

    // A line outside its app's namespace blocks the import (nothing written), naming the line and the field.
    writeFileSync(file, line('imp-4', 'zendesk'), { mode: 0o600 });
    const refused = await cli(['tenants', 'import', file], opts);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/apps\.jsonl:1: app zendesk does not own org id imp-4/);
    expect(await h.getRecord('imp-4')).toBeUndefined();
  });
});

describe('Command: tenants refresh', () => {
  it("refreshes now through the refresher's claim/commit path (version +1, rotated refresh token stored)", async () => {
    const rt = await addGeneric('refresh-now', 'orgParam');
    const out = await cli(['tenants', 'refresh', 'refresh-now'], opts);
    expect(out.code, out.stderr).toBe(0);
    // Shown by AWS's clock (whole seconds, the lower bound): a fresh one-hour token reads 59m 5xs or 1h 00m.
    expect(out.stdout).toMatch(/^refreshed refresh-now: access token expires in (59m \d\ds|1h 00m), next refresh in/);
    const record = await h.getRecord('refresh-now');
    expect(record).toMatchObject({ version: 1, status: 'ACTIVE', consecutiveFailures: 0 });
    expect(record?.refreshToken).not.toBe(rt);
    expect(await h.oauth.refreshTokenUsable(record?.refreshToken as string)).toBe(true);
    expect(await h.oauth.accessTokenValid(record?.accessToken as string)).toBe(true);
  });

  it('reports a dead grant with exit 1 and the record moves to REAUTH_REQUIRED', async () => {
    const rt = await addGeneric('refresh-dead');
    await h.oauth.revokeGrant(rt);
    const out = await cli(['tenants', 'refresh', 'refresh-dead'], opts);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/refresh of refresh-dead failed: INVALID_GRANT .*status now REAUTH_REQUIRED/);
    expect(out.stderr).not.toContain(rt);
  });

  it('refuses a REAUTH_REQUIRED org and points at reauth', async () => {
    const out = await cli(['tenants', 'refresh', 'refresh-dead'], opts);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /org refresh-dead is REAUTH_REQUIRED: after the customer re-authorises, use `tenants reauth`/,
    );
  });
});

describe('Command: tenants disable / enable', () => {
  it('disables (out of the due index, grant kept), is idempotent, and enables again (due now)', async () => {
    const rt = await addGeneric('toggle');

    const off = await cli(['tenants', 'disable', 'toggle'], opts);
    const offAgain = await cli(['tenants', 'disable', 'toggle'], opts);
    const disabled = await h.getRecord('toggle');
    const shown = await cli(['tenants', 'show', 'toggle'], opts);
    const on = await cli(['tenants', 'enable', 'toggle'], opts);
    const enabled = await h.getRecord('toggle');

    expect(off).toMatchObject({ code: 0, stdout: 'disabled toggle: ACTIVE -> DISABLED (version 1)\n' });
    expect(offAgain).toMatchObject({ code: 0, stdout: 'org toggle is already DISABLED: nothing to do\n' });
    expect(disabled).toMatchObject({ status: 'DISABLED', refreshToken: rt, version: 1 });
    expect(disabled).not.toHaveProperty('dueShard');
    // The operator sees why and since when (the same stamp a hosted app's status read gets).
    expect(shown.stdout).toMatch(/^status +DISABLED \(DISABLED_BY_OPERATOR\), since \d+s ago \(/m);
    expect(on).toMatchObject({ code: 0, stdout: 'enabled toggle: DISABLED -> ACTIVE (version 2)\n' });
    expect(enabled).toMatchObject({ status: 'ACTIVE', dueShard: dueShardFor('toggle', 4), version: 2 });
    expect(enabled?.refreshAt).toBeLessThanOrEqual(Date.now());
  });

  it('refuses to change an org while a refresher holds its lease', async () => {
    await addGeneric('leased');
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: 'leased' },
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
        ExpressionAttributeValues: { ':o': 'someone', ':u': Date.now() + 60_000 },
      }),
    );
    const out = await cli(['tenants', 'disable', 'leased'], opts);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/a refresher holds org leased until .*: try again in \d+ s/);
    expect((await h.getRecord('leased'))?.status).toBe('ACTIVE');
  });

  it('refuses to enable a REAUTH_REQUIRED org, or a disabled org whose grant is gone', async () => {
    const reauth = await cli(['tenants', 'enable', 'refresh-dead'], opts);
    expect(reauth.code).toBe(1);
    expect(reauth.stderr).toMatch(/is REAUTH_REQUIRED, not DISABLED: .* with `tenants reauth`/);

    await h.doc.send(
      new PutCommand({
        TableName: h.table,
        Item: {
          orgId: 'disabled-no-grant',
          provider: 'generic',
          grantType: 'refresh_token',
          tokenUrl: h.oauth.tokenUrl,
          clientSecretId: 's',
          status: 'DISABLED',
          version: 4,
        },
      }),
    );
    const gone = await cli(['tenants', 'enable', 'disabled-no-grant'], opts);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/has no refresh token .*use `tenants reauth`/);
    expect((await h.getRecord('disabled-no-grant'))?.status).toBe('DISABLED');
  });
});

describe('Command: tenants reauth', () => {
  it('stores the new grant: ACTIVE, attention and errors cleared, due now, and the next refresh works', async () => {
    // Prepare: refresh-dead went to REAUTH_REQUIRED above; the customer re-authorises
    const before = await h.getRecord('refresh-dead');
    expect(before).toMatchObject({ status: 'REAUTH_REQUIRED', attention: 'REAUTH_REQUIRED' });
    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'refresh-dead');

    // Act
    const out = await cli(['tenants', 'reauth', 'refresh-dead'], { ...opts, stdin: rt });
    const after = await h.getRecord('refresh-dead');
    const refreshed = await cli(['tenants', 'refresh', 'refresh-dead'], opts);

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^re-authorised refresh-dead: REAUTH_REQUIRED -> ACTIVE, due now/);
    expect(after).toMatchObject({
      status: 'ACTIVE',
      refreshToken: rt,
      consecutiveFailures: 0,
      version: (before?.version as number) + 1,
      dueShard: dueShardFor('refresh-dead', 4),
    });
    for (const gone of ['attention', 'lastError', 'rotationAtRisk', 'leaseOwner', 'accessToken', 'expiresAt']) {
      expect(after).not.toHaveProperty(gone);
    }
    expect(after?.refreshAt).toBeLessThanOrEqual(Date.now());
    expect(refreshed.code, refreshed.stderr).toBe(0);
  });

  it('re-activates a client-credentials org without a token, and refuses one given to it', async () => {
    await cli(['tenants', 'disable', 'add-cc'], opts);
    const withFile = await cli(['tenants', 'reauth', 'add-cc', '--refresh-token-file', '/dev/null'], opts);
    const plain = await cli(['tenants', 'reauth', 'add-cc'], opts);
    expect(withFile.code).toBe(2);
    expect(withFile.stderr).toMatch(/uses client_credentials, which has no refresh token/);
    expect(plain.code).toBe(0);
    expect((await h.getRecord('add-cc'))?.status).toBe('ACTIVE');
  });
});

describe('Binary: bin/tenant-tokens.mjs', () => {
  const bin = path.resolve('bin/tenant-tokens.mjs');
  // The bin runs the compiled CLI (dist/cli): build it from the sources under test.
  beforeAll(async () => {
    await run('npm', ['run', '--silent', 'build:cli'], { timeout: 120_000 });
  }, 150_000);
  const env = () => ({
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    TABLE_NAME: h.table,
  });

  it('runs through npx, reaches DynamoDB Local via AWS_ENDPOINT_URL_DYNAMODB and reads a piped refresh token', async () => {
    // Act: `npx tenant-tokens` resolves the package's own bin
    const help = await run('npx', ['--no-install', 'tenant-tokens', '--help'], { env: env(), timeout: 60_000 });
    const added = await new Promise<{ code: number | null }>((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, 'tenants', 'add', 'bin-org', '--provider', 'zendesk', '--subdomain', 'acme'].concat([
          '--grant-type',
          'refresh_token',
          '--secret-id',
          'zd',
        ]),
        { env: env(), timeout: 60_000 },
        (err) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
      child.stdin?.end('rt-piped-0123456789\n');
    });
    const listed = await run(process.execPath, [bin, 'tenants', 'list', '--json'], { env: env(), timeout: 60_000 });

    // Assess
    expect(help.stdout).toMatch(/^Usage: tenant-tokens/);
    expect(added.code).toBe(0);
    expect((await h.getRecord('bin-org'))?.refreshToken).toBe('rt-piped-0123456789');
    expect(JSON.parse(listed.stdout).map((o: { orgId: string }) => o.orgId)).toContain('bin-org');
  });

  it('exits 2 when a refresh token is given on argv', async () => {
    const err = await run(process.execPath, [bin, 'tenants', 'reauth', 'bin-org', '--refresh-token', 'rt-x'], {
      env: env(),
      timeout: 60_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/refusing --refresh-token/);
  });
});
