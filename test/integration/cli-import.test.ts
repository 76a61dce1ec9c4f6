// `tenants import` against DynamoDB Local: a thousand orgs in one go, bad lines, idempotency, spread first refreshes,
// and the imported orgs then refreshed by the real refresher.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { firstRefreshWindowMs } from '../../lambdas/core/first-refresh-spread.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { type CliOptions, cli } from '../support/cli-io.js';
import { publishDeployment } from '../support/deployment.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

let h: Harness;
let opts: CliOptions;
const dir = mkdtempSync(path.join(tmpdir(), 'cli-import-'));

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  await publishDeployment(h);
  const { SHARD_COUNT: _shards, ...env } = h.env;
  opts = { env, dynamoDb: h.ddb, secretsClient: h.secretsClient };
});
afterAll(async () => h.close());

function jsonl(name: string, lines: readonly unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  chmodSync(file, 0o600);
  return file;
}

/** A Zendesk-shaped org with its own client, as an AppFoundry-style install would hand it over. */
const ownClientOrg = (i: number) => ({
  orgId: `imp-${String(i).padStart(4, '0')}`,
  provider: 'genesys',
  region: 'eu-west-1',
  grantType: 'client_credentials',
  clientId: `client-${i}`,
  clientSecret: `client-secret-${i}-0123456789abcdef`,
});

async function scanOrgs(prefix: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await h.doc.send(new ScanCommand({ TableName: h.table, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []).filter((i) => String(i.orgId).startsWith(prefix)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

describe('Command: tenants import', () => {
  it('imports 1 000 good lines, spreading first refreshes; re-running changes nothing', async () => {
    // Prepare
    const lines = Array.from({ length: 1000 }, (_, i) => ownClientOrg(i));
    const file = jsonl('thousand.jsonl', lines);
    const before = Date.now();

    // Act
    const first = await cli(['tenants', 'import', file, '--json'], opts);
    const stored = await scanOrgs('imp-');
    const again = await cli(['tenants', 'import', file, '--json'], opts);
    const storedAgain = await scanOrgs('imp-');

    // Assess
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ lines: 1000, valid: 1000, invalid: 0, added: 1000, unchanged: 0, failed: 0 });
    expect(report.spreadSeconds).toBe(firstRefreshWindowMs(1000) / 1000);
    console.info(`tenants import: 1 000 orgs written to DynamoDB Local in ${report.durationMs} ms`);
    expect(stored).toHaveLength(1000);
    const refreshAts = stored.map((i) => i.refreshAt as number).sort((a, b) => a - b);
    // Stamped by AWS's clock: whole seconds, the lower bound.
    expect(refreshAts[0]).toBeGreaterThanOrEqual(before - 1000);
    expect((refreshAts.at(-1) as number) - (refreshAts[0] as number)).toBeGreaterThan(firstRefreshWindowMs(1000) / 2);
    expect(stored.find((i) => i.orgId === 'imp-0007')).toMatchObject({
      clientId: 'client-7',
      clientSecret: 'client-secret-7-0123456789abcdef',
      status: 'ACTIVE',
      version: 0,
      dueShard: dueShardFor('imp-0007', 4),
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, unchanged: 1000, failed: 0 });
    expect(storedAgain).toEqual(expect.arrayContaining(stored));
    for (const out of [first, again]) expect(out.stdout + out.stderr).not.toContain('client-secret-7-');
  });

  it('writes nothing when any line is bad, reports every bad line; --skip-invalid imports the rest', async () => {
    const good = [0, 1, 2].map((i) => ({ ...ownClientOrg(i), orgId: `bad-batch-${i}` }));
    const file = jsonl('mixed.jsonl', [
      good[0],
      { ...good[1], region: 'mars-1' },
      { ...good[2], clientSecret: undefined },
      'not json at all',
      {
        orgId: 'bad-batch-zd',
        provider: 'zendesk',
        subdomain: 'acme',
        grantType: 'refresh_token',
        clientSecretId: 'z',
      },
    ]);

    const blocked = await cli(['tenants', 'import', file], opts);
    expect(blocked.code).toBe(1);
    expect(await scanOrgs('bad-batch-')).toEqual([]);
    for (const [line, field] of [
      [2, 'region'],
      [3, 'clientSecret'],
      [4, 'line'],
      [5, 'refreshToken'],
    ] as const) {
      expect(blocked.stderr).toMatch(new RegExp(`mixed\\.jsonl:${line}: ${field} `));
    }
    expect(blocked.stderr).toMatch(/mixed\.jsonl:5: refreshToken .*Zendesk .*re-authorise/);

    const skipped = await cli(['tenants', 'import', file, '--skip-invalid', '--json'], opts);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ lines: 5, valid: 1, invalid: 4, skipped: 4, added: 1 });
    expect((await scanOrgs('bad-batch-')).map((i) => i.orgId)).toEqual(['bad-batch-0']);
  });

  it('never overwrites an org that exists: it is reported unchanged, its grant untouched', async () => {
    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, 'imp-existing');
    await h.seedOrg('imp-existing', { refreshToken: rt });
    const file = jsonl('existing.jsonl', [
      {
        orgId: 'imp-existing',
        provider: 'generic',
        tokenUrl: h.oauth.tokenUrl,
        grantType: 'refresh_token',
        clientSecretId: secretIdFor(CLIENTS.basic.clientId),
        refreshToken: 'rt-from-an-old-export-0123456789',
      },
    ]);
    const out = await cli(['tenants', 'import', file], opts);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/0 added, 1 unchanged \(already there, not overwritten\), 0 failed/);
    expect((await h.getRecord('imp-existing'))?.refreshToken).toBe(rt);
  });

  it('imported orgs are refreshed by the real refresher with their own clients', async () => {
    const file = jsonl('live.jsonl', [
      {
        orgId: 'imp-live-cc',
        provider: 'generic',
        tokenUrl: h.oauth.tokenUrl,
        grantType: 'client_credentials',
        clientId: CLIENTS.cc.clientId,
        clientSecret: CLIENTS.cc.clientSecret,
      },
    ]);
    expect((await cli(['tenants', 'import', file], opts)).code).toBe(0);
    const reads = h.secrets.calls;
    const summary = await h.runtime().run.refreshOrgs(['imp-live-cc'], h.scope());
    expect(summary).toMatchObject({ refreshed: 1, failedTotal: 0 });
    expect(h.secrets.calls).toBe(reads);
    expect(await h.oauth.accessTokenValid((await h.getRecord('imp-live-cc'))?.accessToken as string)).toBe(true);
  });
});
