// The operator CLI acts with the deployment's settings, not the laptop's (issue 16, item 4): a deployment of 8 shards
// with an event bus, whose planner published its descriptor, and an operator's shell that sets none of it. Every
// writing command refuses a shell that disagrees, refuses a table without a descriptor, `tenants refresh` runs in the
// deployment's refresher function, and no lease decision or stamp follows the laptop's clock.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { captureOutput, emfMetrics } from '../../local/handler-output.js';
import { LOCAL_WORKER_FUNCTION } from '../../local/local-fleet.js';
import { type CliOptions, cli } from '../support/cli-io.js';
import { startDeployment, type TestDeployment } from '../support/deployment.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

const BUS = 'tenant-events';
let h: Harness;
let deployment: TestDeployment;
/** The operator's shell: the table and AWS access, no refresher setting. */
let opts: CliOptions;
/** Every entry the deployment's refresher put on EventBridge. */
const published: { EventBusName?: string; DetailType?: string; Detail?: string }[] = [];
/** The deployment's DynamoDB operations on the descriptor, by the planner's capacity observer. */
const descriptorOps: string[] = [];

/** An org id whose shard differs between 4 and 8 shards and is not shard 0: a wrong count shows in its record. */
const probe = (prefix: string) => {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    const shard = dueShardFor(id, 8);
    if (shard !== 0 && shard !== dueShardFor(id, 4)) return id;
  }
};

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), { settings: { shardCount: 8 }, env: { EVENT_BUS_NAME: BUS } });
  const eventBridge = {
    send: async (command: PutEventsCommand) => {
      published.push(...(command.input.Entries ?? []));
      return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
    },
  } as unknown as EventBridgeClient;
  deployment = await startDeployment(h, {
    overrides: {
      eventBridgeClient: eventBridge,
      onCapacity: (operation) => {
        if (/Deployment$/.test(operation)) descriptorOps.push(operation);
      },
    },
  });
  opts = { env: { TABLE_NAME: h.table }, dynamoDb: h.ddb, lambdaClient: deployment.lambdaClient };
});
afterAll(async () => {
  await deployment.stop();
  await h.close();
});

async function addOrg(orgId: string): Promise<string> {
  const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
  const out = await cli(
    [
      ...['tenants', 'add', orgId, '--provider', 'generic', '--token-url', h.oauth.tokenUrl],
      ...['--grant-type', 'refresh_token', '--secret-id', secretIdFor(CLIENTS.basic.clientId)],
    ],
    { ...opts, stdin: rt },
  );
  expect(out, out.stderr).toMatchObject({ code: 0 });
  return rt;
}

describe('The deployment descriptor', () => {
  it('is published by the planner at its first tick, then costs nothing: 10 more ticks, 0 descriptor requests', async () => {
    const item = await h.doc.send(new GetCommand({ TableName: h.table, Key: { orgId: '#deployment' } }));
    const first = [...descriptorOps];
    for (let tick = 0; tick < 10; tick++) await deployment.fleet.tick();

    expect(item.Item).toMatchObject({
      shardCount: 8,
      allowedTokenHosts: ['127.0.0.1'],
      allowLoopbackHttp: true,
      eventBusName: BUS,
      refresherFunctionName: LOCAL_WORKER_FUNCTION,
      metricNamespace: 'TenantTokenRefresher',
    });
    expect(item.Item).not.toHaveProperty('dueShard');
    expect(item.Item).not.toHaveProperty('attention');
    expect(first).toEqual(['readDeployment', 'publishDeployment']);
    expect(descriptorOps).toEqual(first);
    console.info(`deployment descriptor: ${first.length} requests at the first tick, 0 in the next 10 ticks`);
  });
});

describe('Every writing command uses the deployment’s settings', () => {
  it('add puts the org in the deployment’s shard, and checks a token URL against the deployment’s allow-list', async () => {
    const orgId = probe('dep-add');
    await addOrg(orgId);
    const offList = await cli(
      [
        ...['tenants', 'add', 'dep-off-list', '--provider', 'generic', '--token-url', 'https://idp.example.com/t'],
        ...['--grant-type', 'client_credentials', '--secret-id', 's'],
      ],
      opts,
    );

    expect((await h.getRecord(orgId))?.dueShard).toBe(dueShardFor(orgId, 8));
    expect(offList.code).toBe(2);
    expect(offList.stderr).toMatch(/token host idp.example.com is not on the generic allow-list/);
    expect(await h.getRecord('dep-off-list')).toBeUndefined();
  });

  it('refresh runs in the deployment’s refresher function: the org lands in the deployment’s shard', async () => {
    // Prepare: an org in shard 0 (where an operator's laptop used to put it), refreshed with no SHARD_COUNT here
    const orgId = probe('dep-refresh');
    await addOrg(orgId);
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId },
        UpdateExpression: 'SET dueShard = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
    const invocations = deployment.fleet.invocations.length;

    // Act: the function's output (Powertools' log and EMF lines) is captured as its log group would hold it
    const { result: out, lines } = await captureOutput(() => cli(['tenants', 'refresh', orgId], opts));

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(await h.getRecord(orgId)).toMatchObject({ version: 1, dueShard: dueShardFor(orgId, 8) });
    // Its metrics are the deployment's: EMF from the function, in the deployment's namespace.
    const emf = lines.filter((l) => Object.keys(emfMetrics(l)).length > 0);
    expect(emf.map(emfMetrics)).toContainEqual(expect.objectContaining({ RefreshSucceeded: 1 }));
    expect(emf.join('\n')).toContain('"Namespace":"TenantTokenRefresher"');
    expect(deployment.fleet.invocations.slice(invocations)).toEqual([
      expect.objectContaining({ functionName: LOCAL_WORKER_FUNCTION, type: 'RequestResponse', outcome: 'ok' }),
    ]);
  });

  it('refresh of a dead grant: the deployment, not the laptop, puts the org event on the deployment’s bus', async () => {
    const orgId = probe('dep-dead');
    const rt = await addOrg(orgId);
    await h.oauth.revokeGrant(rt);
    const before = published.length;

    const out = await cli(['tenants', 'refresh', orgId], opts);

    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`refresh of ${orgId} failed: INVALID_GRANT .*status now REAUTH_REQUIRED`));
    const events = published.slice(before);
    expect(events).toEqual([expect.objectContaining({ EventBusName: BUS, DetailType: 'Org Reauth Required' })]);
    expect(JSON.parse(events[0]?.Detail as string)).toMatchObject({ orgId, reason: 'INVALID_GRANT' });
  });
});

describe('An operator environment that disagrees with the deployment', () => {
  const orgId = 'dep-guarded';
  beforeAll(async () => {
    await addOrg(orgId);
  });

  it.each([
    ['add', ['tenants', 'add', 'dep-new', '--provider', 'genesys', '--region', 'eu-west-1', '--grant-type']],
    ['disable', ['tenants', 'disable', orgId]],
    ['enable', ['tenants', 'enable', orgId]],
    ['reauth', ['tenants', 'reauth', orgId]],
    ['refresh', ['tenants', 'refresh', orgId]],
    ['remove', ['tenants', 'remove', orgId]],
  ])('%s refuses SHARD_COUNT=4 against a deployment of 8, names both, writes nothing', async (command, argv) => {
    const before = await h.getRecord(orgId);
    const args = command === 'add' ? [...argv, 'client_credentials', '--secret-id', 's'] : argv;
    const invocations = deployment.fleet.invocations.length;

    const out = await cli(args, { ...opts, env: { ...opts.env, SHARD_COUNT: '4' }, stdin: 'rt-new-0123456789' });

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /SHARD_COUNT is 4 here but 8 in the deployment\. Nothing was written\. .* \[SETTINGS_DISAGREE\]/,
    );
    expect(await h.getRecord(orgId)).toEqual(before);
    expect(await h.getRecord('dep-new')).toBeUndefined();
    expect(deployment.fleet.invocations.length).toBe(invocations);
  });

  it('import refuses another ALLOWED_TOKEN_HOSTS, naming both lists', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cli-dep-')), 'orgs.jsonl');
    const line = { orgId: 'dep-imported', provider: 'genesys', region: 'eu-west-1', grantType: 'client_credentials' };
    writeFileSync(file, `${JSON.stringify({ ...line, clientSecretId: 's' })}\n`, { mode: 0o600 });

    const out = await cli(['tenants', 'import', file], {
      ...opts,
      env: { ...opts.env, ALLOWED_TOKEN_HOSTS: 'idp.example.com' },
    });

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/ALLOWED_TOKEN_HOSTS is idp.example.com here but 127.0.0.1 in the deployment/);
    expect(await h.getRecord('dep-imported')).toBeUndefined();
  });

  it('another event bus, or loopback http refused here, is refused too; the same values are accepted', async () => {
    const bus = await cli(['tenants', 'disable', orgId], { ...opts, env: { ...opts.env, EVENT_BUS_NAME: 'x' } });
    const loopback = await cli(['tenants', 'disable', orgId], {
      ...opts,
      env: { ...opts.env, ALLOW_LOOPBACK_HTTP: 'false' },
    });
    const same = await cli(['tenants', 'disable', orgId], {
      ...opts,
      env: { ...opts.env, SHARD_COUNT: '8', ALLOWED_TOKEN_HOSTS: '127.0.0.1', EVENT_BUS_NAME: BUS },
    });

    expect(bus.stderr).toMatch(/EVENT_BUS_NAME is x here but tenant-events in the deployment/);
    expect(loopback.stderr).toMatch(/ALLOW_LOOPBACK_HTTP is false here but true in the deployment/);
    expect(same).toMatchObject({ code: 0, stdout: `disabled ${orgId}: ACTIVE -> DISABLED (version 1)\n` });
  });
});

describe('A table without a deployment descriptor', () => {
  it('every writing command refuses and says what to do; reading commands still work', async () => {
    const orgId = probe('dep-none');
    await addOrg(orgId);
    const descriptor = await h.doc.send(new GetCommand({ TableName: h.table, Key: { orgId: '#deployment' } }));
    await h.doc.send(new DeleteCommand({ TableName: h.table, Key: { orgId: '#deployment' } }));
    try {
      const before = await h.getRecord(orgId);
      const runs = await Promise.all(
        [
          ['tenants', 'add', 'dep-none-new', '--provider', 'genesys', '--region', 'eu-west-1'],
          ['tenants', 'disable', orgId],
          ['tenants', 'reauth', orgId],
          ['tenants', 'refresh', orgId],
        ].map((argv) =>
          cli(argv[2] === 'dep-none-new' ? [...argv, '--grant-type', 'client_credentials', '--secret-id', 's'] : argv, {
            ...opts,
            stdin: 'rt-new-0123456789',
          }),
        ),
      );
      const show = await cli(['tenants', 'show', orgId], opts);

      for (const out of runs) {
        expect(out.code).toBe(1);
        expect(out.stderr).toMatch(
          /has no deployment descriptor yet, .* wrote nothing\. .* planner publishes it at its first tick, .* wait a minute .* \[DEPLOYMENT_UNKNOWN\]/,
        );
      }
      expect(await h.getRecord(orgId)).toEqual(before);
      expect(await h.getRecord('dep-none-new')).toBeUndefined();
      expect(show.code).toBe(0);
    } finally {
      // As the planner would re-publish it (a warm planner within its recheck interval, a cold one at once).
      await h.doc.send(new PutCommand({ TableName: h.table, Item: descriptor.Item }));
    }
  });
});

describe('No lease decision and no stamp follows the laptop’s clock', () => {
  const TEN_MINUTES = 10 * 60_000;
  const lease = (orgId: string, until: number) =>
    h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId },
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
        ExpressionAttributeValues: { ':o': 'a-sweep', ':u': until },
      }),
    );

  it('a laptop 10 minutes fast does not take over a live lease', async () => {
    const orgId = probe('dep-fast');
    await addOrg(orgId);
    await lease(orgId, Date.now() + 30_000);

    const out = await cli(['tenants', 'disable', orgId], { ...opts, now: () => Date.now() + TEN_MINUTES });

    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/a refresher holds org .* try again in \d+ s/);
    expect(await h.getRecord(orgId)).toMatchObject({ status: 'ACTIVE', leaseOwner: 'a-sweep', version: 0 });
  });

  it('a laptop 10 minutes slow is not held off by a lease that has ended, and stamps AWS’s time', async () => {
    const orgId = probe('dep-slow');
    await addOrg(orgId);
    await lease(orgId, Date.now() - 5_000);

    const out = await cli(['tenants', 'disable', orgId], { ...opts, now: () => Date.now() - TEN_MINUTES });

    expect(out.code, out.stderr).toBe(0);
    const record = await h.getRecord(orgId);
    expect(record).toMatchObject({ status: 'DISABLED' });
    expect(Math.abs((record?.statusSince as number) - Date.now())).toBeLessThan(5_000);
  });

  it('a laptop 10 minutes fast stamps a re-authorised grant with AWS’s time: due now, not in 10 minutes', async () => {
    const orgId = probe('dep-reauth');
    await addOrg(orgId);
    const rt = await h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);

    const out = await cli(['tenants', 'reauth', orgId], { ...opts, stdin: rt, now: () => Date.now() + TEN_MINUTES });

    expect(out.code, out.stderr).toBe(0);
    const record = await h.getRecord(orgId);
    expect(record?.refreshAt as number).toBeLessThanOrEqual(Date.now());
    expect(Math.abs((record?.grantIssuedAt as number) - Date.now())).toBeLessThan(5_000);
  });
});
