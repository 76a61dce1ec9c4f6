// `tenant-tokens tenants remove` against DynamoDB Local, oidc-provider (RFC 7009 on) and the Secrets Manager stand-in:
// the operator's door to the same removal as a hosted app's removeOrg, run by the deployment's refresher function
// (the Lambda stand-in runs the real handler), and what every other command does with a removed org (refuse, show,
// list, onboard again, leave alone on import). The operator's shell has the table and AWS access only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { replaceRemovedOrg } from '../../lambdas/adapters/tenant-onboarding.js';
import { type CliOptions, type CliRun, cli } from '../support/cli-io.js';
import { startDeployment, type TestDeployment } from '../support/deployment.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

let h: Harness;
let deployment: TestDeployment;
let opts: CliOptions;
const dir = mkdtempSync(path.join(tmpdir(), 'cli-remove-'));

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  deployment = await startDeployment(h);
  opts = { env: { TABLE_NAME: h.table }, dynamoDb: h.ddb, lambdaClient: deployment.lambdaClient };
});
afterAll(async () => {
  await deployment.stop();
  await h.close();
});

/** Every secret the org ever held, so no output can be checked without them. */
const secrets: string[] = [CLIENTS.basic.clientSecret];

async function addAndRefresh(orgId: string, revocation = true): Promise<Record<string, unknown>> {
  const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
  secrets.push(rt);
  const out = await cli(
    [
      ...['tenants', 'add', orgId, '--provider', 'generic', '--token-url', h.oauth.tokenUrl],
      ...(revocation ? ['--revocation-url', h.oauth.revocationUrl] : []),
      ...['--secret-id', secretIdFor(CLIENTS.basic.clientId), '--grant-type', 'refresh_token'],
    ],
    { ...opts, stdin: `${rt}\n` },
  );
  expect(out, out.stderr).toMatchObject({ code: 0 });
  expect(await cli(['tenants', 'refresh', orgId], opts)).toMatchObject({ code: 0 });
  const record = (await h.getRecord(orgId)) as Record<string, unknown>;
  secrets.push(record.refreshToken as string, record.accessToken as string);
  return record;
}

function noSecretIn(...runs: CliRun[]): void {
  const text = runs.map((r) => r.stdout + r.stderr).join('\n');
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('Command: tenants remove', () => {
  it('removes: REMOVED, both tokens revoked and dead, the record holds no secret; --json says the same', async () => {
    const before = await addAndRefresh('cr-good');

    const out = await cli(['tenants', 'remove', 'cr-good'], opts);

    expect(out, out.stderr).toMatchObject({ code: 0 });
    expect(out.stdout).toBe(
      'removed cr-good: REMOVED, no longer refreshed; refresh token revoked; access token revoked; the record ' +
        'holds no token or client secret\n',
    );
    const after = await h.getRecord('cr-good');
    expect(after).toMatchObject({ status: 'REMOVED', statusReason: 'REMOVED_BY_OPERATOR' });
    expect(after).not.toHaveProperty('refreshToken');
    expect(after).not.toHaveProperty('accessToken');
    expect(await h.oauth.refreshTokenUsable(before.refreshToken as string)).toBe(false);

    const again = await cli(['tenants', 'remove', 'cr-good', '--json'], opts);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      ok: true,
      orgId: 'cr-good',
      status: 'REMOVED',
      alreadyRemoved: true,
      removedAt: new Date(after?.removedAt as number).toISOString(),
      secretsHeld: false,
    });
    noSecretIn(out, again);
  });

  it('says what was not revoked: no revocation URL, so the refresh token is NOT revoked and the access token left to expire', async () => {
    await addAndRefresh('cr-no-url', false);

    const out = await cli(['tenants', 'remove', 'cr-no-url', '--json'], opts);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      status: 'REMOVED',
      alreadyRemoved: false,
      revocation: {
        refreshToken: 'NOT_REVOKED',
        refreshTokenReason: 'NO_REVOCATION_ENDPOINT',
        accessToken: 'LEFT_TO_EXPIRE',
        accessTokenReason: 'NO_REVOCATION_ENDPOINT',
        accessTokenExpiresAt: expect.any(String),
      },
      secretsHeld: false,
    });
  });

  it('exits 1 for an unknown org, and for a live lease with "try again in N s", writing nothing', async () => {
    await addAndRefresh('cr-leased');
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: 'cr-leased' },
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
        ExpressionAttributeValues: { ':o': 'run-x', ':u': Date.now() + 20_000 },
      }),
    );
    const held = await h.getRecord('cr-leased');

    const leased = await cli(['tenants', 'remove', 'cr-leased'], opts);
    const unknown = await cli(['tenants', 'remove', 'cr-nobody'], opts);

    expect(leased).toMatchObject({ code: 1, stdout: '' });
    expect(leased.stderr).toMatch(/refreshing org cr-leased right now: nothing was removed; try again in (19|20|21) s/);
    expect(await h.getRecord('cr-leased')).toEqual(held);
    expect(unknown).toMatchObject({ code: 1, stderr: 'tenant-tokens: no org cr-nobody in this table\n' });
  });

  it('every other change refuses a removed org; show and list say REMOVED; refresh points at add', async () => {
    await addAndRefresh('cr-refused');
    await cli(['tenants', 'remove', 'cr-refused'], opts);
    const tombstone = await h.getRecord('cr-refused');

    for (const verb of ['disable', 'enable']) {
      const out = await cli(['tenants', verb, 'cr-refused'], opts);
      expect(out.code, verb).toBe(1);
      expect(out.stderr).toMatch(
        new RegExp(`was removed: ${verb} does not apply; onboard it again with \`tenants add\``),
      );
    }
    const reauth = await cli(['tenants', 'reauth', 'cr-refused'], { ...opts, stdin: 'rt-new-0123456789\n' });
    expect(reauth.code).toBe(1);
    expect(reauth.stderr).toMatch(/was removed: reauth does not apply/);
    const refresh = await cli(['tenants', 'refresh', 'cr-refused'], opts);
    expect(refresh).toMatchObject({ code: 1 });
    expect(refresh.stderr).toMatch(/is REMOVED: it was offboarded; `tenants add` onboards it again/);
    expect(await h.getRecord('cr-refused')).toEqual(tombstone);

    const show = await cli(['tenants', 'show', 'cr-refused'], opts);
    expect(show.stdout).toMatch(/^status +REMOVED \(REMOVED_BY_OPERATOR\), since /m);
    expect(show.stdout).toMatch(/^removed +.* ago \(/m);
    expect(show.stdout).toMatch(/^access token +none yet$/m);
    expect(show.stdout).toMatch(/^next refresh +not scheduled \(removed: never again\)$/m);
    const list = await cli(['tenants', 'list', '--json'], opts);
    expect(JSON.parse(list.stdout).find((t: { orgId: string }) => t.orgId === 'cr-refused')).toMatchObject({
      status: 'REMOVED',
    });
    noSecretIn(reauth, refresh, show, list);
  });

  it('tenants add onboards a removed org again (its version continues); tenants import leaves the tombstone alone', async () => {
    await addAndRefresh('cr-again');
    await addAndRefresh('cr-import');
    await cli(['tenants', 'remove', 'cr-again'], opts);
    await cli(['tenants', 'remove', 'cr-import'], opts);
    const tombstone = await h.getRecord('cr-again');
    const importTombstone = await h.getRecord('cr-import');

    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'cr-again');
    const added = await cli(
      [
        ...['tenants', 'add', 'cr-again', '--provider', 'generic', '--token-url', h.oauth.tokenUrl],
        ...['--secret-id', secretIdFor(CLIENTS.basic.clientId), '--grant-type', 'refresh_token'],
      ],
      { ...opts, stdin: `${rt}\n` },
    );
    const file = path.join(dir, 'orgs.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({
        orgId: 'cr-import',
        provider: 'generic',
        grantType: 'refresh_token',
        tokenUrl: h.oauth.tokenUrl,
        clientSecretId: secretIdFor(CLIENTS.basic.clientId),
        refreshToken: await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'cr-import'),
      })}\n`,
      { mode: 0o600 },
    );
    const imported = await cli(['tenants', 'import', file, '--json'], opts);

    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(await h.getRecord('cr-again')).toMatchObject({
      status: 'ACTIVE',
      refreshToken: rt,
      version: (tombstone?.version as number) + 1,
    });
    // An import re-run after a removal must not bring the org back: only an explicit add (or a new grant) does.
    expect(JSON.parse(imported.stdout)).toMatchObject({ added: 0, unchanged: 1 });
    expect(await h.getRecord('cr-import')).toEqual(importTombstone);
  });

  it('has its help and usage errors like every command (no AWS call)', async () => {
    expect(await cli(['tenants', 'remove', '--help'], opts)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: tenant-tokens \[--table NAME\] tenants remove ORG \[--json\]/),
    });
    expect(await cli(['tenants', 'remove'], opts)).toMatchObject({ code: 2 });
    expect(await cli(['tenants', 'remove', 'a', 'b'], opts)).toMatchObject({ code: 2 });
    expect((await cli(['--help'], opts)).stdout).toMatch(/tenants remove ORG +offboard an org/);
  });

  it('the re-onboarding Put is conditional: never over a live org, a tombstone at another version, or an older grant', async () => {
    await addAndRefresh('cr-cond');
    const live = (await h.getRecord('cr-cond')) as Record<string, unknown>;
    const item = { ...live, grantIssuedAt: Date.now() + 60_000 };
    expect(await replaceRemovedOrg(h.doc, h.table, item, { version: live.version as number })).toBe(false);
    await cli(['tenants', 'remove', 'cr-cond'], opts);
    const tombstone = (await h.getRecord('cr-cond')) as Record<string, unknown>;
    expect(await replaceRemovedOrg(h.doc, h.table, item, { version: (tombstone.version as number) - 1 })).toBe(false);
    // A grant not issued after the removal does not onboard it again.
    const older = { ...item, grantIssuedAt: tombstone.grantIssuedAt };
    expect(await replaceRemovedOrg(h.doc, h.table, older, { version: tombstone.version as number })).toBe(false);
    expect(await h.getRecord('cr-cond')).toEqual(tombstone);
    expect(await replaceRemovedOrg(h.doc, h.table, item, { version: tombstone.version as number })).toBe(true);
  });

  it('refuses a revocation URL off the allow-list at add, naming the flag', async () => {
    const out = await cli(
      [
        ...['tenants', 'add', 'cr-evil', '--provider', 'generic', '--token-url', h.oauth.tokenUrl],
        ...['--revocation-url', 'https://evil.example.net/revoke'],
        ...['--secret-id', secretIdFor(CLIENTS.basic.clientId), '--grant-type', 'client_credentials'],
      ],
      opts,
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--revocation-url: revocation host evil.example.net is not on the generic allow-list/);
    expect(await h.getRecord('cr-evil')).toBeUndefined();
  });
});
