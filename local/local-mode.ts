import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { formatAgo, formatDuration, renderTable, TENANT_COLUMNS, tenantRow } from '../cli/format.js';
import { TenantAdmin, type TenantSummary } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-token-store.js';
import { timingProblems } from '../lambdas/config.js';
import { MetricName } from '../lambdas/metrics.js';
import type { HandlerResult } from '../lambdas/refresher/handler.js';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { createGrantIntake, createTokenReader, type TokenReader } from '../reader/index.js';
import { DEMO_IDP_HOST, DEMO_ORGS, demoClients, seedDemoOrgs } from './demo-orgs.js';
import { DEMO_REAUTH_ORG, DemoReauthorisation } from './demo-reauth.js';
import {
  createTokenTable,
  DYNAMODB_LOCAL_DIR,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from './dynamodb-local.js';
import { addMetrics, captureOutput, emfMetrics, linesLeaking } from './handler-output.js';
import { LOCAL_INTAKE_FUNCTION, startIntakeStandIn } from './intake-stand-in.js';
import { LocalFleet } from './local-fleet.js';
import { LocalOAuthServer } from './oauth-server.js';
import { localRefresherEnvironment } from './refresher-environment.js';
import { SecretsStub } from './secrets-stub.js';

export const LOCAL_TABLE = 'tenant-tokens-local';

export interface LocalModeOptions {
  /** Ticks to run, then exit; undefined runs until Ctrl-C. */
  cycles: number | undefined;
  intervalSeconds: number;
  tokenTtlSeconds: number;
  json: boolean;
  dynamoDbPort: number | undefined;
  logFile: string;
}

export interface LocalModeIo {
  /** The status screen and the final JSON line. */
  stdout: (text: string) => void;
  /** Progress and notices. */
  stderr: (text: string) => void;
  isTTY: boolean;
}

/** The last line of `--json`: totals over every tick. */
export interface LocalModeResult {
  cycles: number;
  orgs: number;
  refreshed: number;
  failed: number;
  reauthRequired: number;
  notCommitted: number;
  raceInvalidGrant: number;
  rotationLost: number;
  statuses: Record<string, number>;
  metrics: Record<string, number>;
  tokenRequests: number;
  app: { calls: number; ok: number; retriedAfter401: number; errors: Record<string, number> };
  /** The hosted app's hand-overs through the grant intake (the revoked demo org's re-authorisation). */
  intake: { calls: number; ok: number; errors: Record<string, number> };
  handlerErrors: number;
  leakedLines: number;
  dynamoDbEndpoint: string;
  durationMs: number;
}

/** The refresher's settings, scaled down so the whole cycle (issue, due, refresh) happens within a minute. */
export function localRefresherSettings(intervalSeconds: number): Partial<RefresherSettings> {
  // Above a lease hold (2 × 10 s + 5 s): a run claims only with a whole hold of time left (core/commit-window.ts).
  const lambdaTimeoutSeconds = 30;
  const settings = {
    schedulePeriodSeconds: intervalSeconds,
    lambdaTimeoutSeconds,
    leaseSeconds: 10,
    httpTimeoutMs: 2000,
    maxAttempts: 2,
    // The lead time is min(window, lifetime / 2), so a 60 s token is refreshed ~20-30 s after it was issued.
    refreshWindowSeconds: intervalSeconds + lambdaTimeoutSeconds + 60,
    jitterSeconds: 10,
    shardCount: 4,
    concurrency: 8,
    secretCacheSeconds: 300,
  };
  const problems = timingProblems(settings);
  if (problems.length > 0) throw new Error(`local mode settings break the timing rules:\n  ${problems.join('\n  ')}`);
  return settings;
}

interface AppStats {
  calls: number;
  ok: number;
  retried: number;
  errors: Record<string, number>;
  lastError: string | undefined;
}

/** Counters summed over runs; gauges shown as their latest value. */
const GAUGES = new Set<string>([
  MetricName.DueOrgs,
  MetricName.ExpiredAccessTokens,
  MetricName.OrgsNeedingReauth,
  MetricName.OrgsMisconfigured,
  MetricName.RunDurationMs,
]);

export async function runLocalMode(options: LocalModeOptions, io: LocalModeIo): Promise<number> {
  const started = Date.now();
  const refresherSettings = localRefresherSettings(options.intervalSeconds);
  // Registered before DynamoDB Local's own signal hook (which kills the JVM and exits), so it runs first.
  let stopping = false;
  let finalScreen: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    finalScreen?.();
    // Before the JVM started there is no other hook to end the process.
    setImmediate(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // DynamoDB Local: fetched on first use (~60 MB); say so while it downloads.
  const firstRun = !existsSync(path.join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal.jar'));
  const fetchTicker = firstRun
    ? setInterval(() => io.stderr(`  … still fetching (${formatDuration(Date.now() - started)})`), 5000)
    : undefined;
  io.stderr('starting DynamoDB Local (Java)…');
  const ddb = await startDynamoDbLocal({
    ...(options.dynamoDbPort ? { port: options.dynamoDbPort } : {}),
    progress: (line) => {
      io.stderr(line);
      if (line.includes('ready in')) clearInterval(fetchTicker);
    },
  }).finally(() => clearInterval(fetchTicker));
  const ddbClient = localDynamoDbClient(ddb.endpoint);
  await createTokenTable(ddbClient, LOCAL_TABLE);
  const doc = createDocumentClient(ddbClient);

  const clients = demoClients();
  const oauth = await LocalOAuthServer.start({
    clients: Object.values(clients),
    accessTokenTtlSeconds: options.tokenTtlSeconds,
  });
  const secrets = await SecretsStub.start(
    Object.fromEntries(
      Object.values(clients).map((c) => [c.secretId, { clientId: c.clientId, clientSecret: c.clientSecret }]),
    ),
  );

  // The handler builds its SDK clients from the standard environment, exactly as in Lambda.
  const env = localRefresherEnvironment({
    tableName: LOCAL_TABLE,
    settings: { ...refresherSettings, allowedTokenHosts: [DEMO_IDP_HOST] },
    dynamoDbEndpoint: ddb.endpoint,
    secretsEndpoint: secrets.endpoint,
    tokenEndpointOverride: oauth.origin,
  });
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete process.env[name];
  Object.assign(process.env, env);

  const admin = new TenantAdmin({ tableName: LOCAL_TABLE, client: doc, shardCount: Number(env.SHARD_COUNT) });
  await seedDemoOrgs(admin, oauth, clients);

  // As deployed: each tick is the planner's `{"plan": {}}`, which starts sweep workers through the Lambda Invoke
  // stand-in (docs/fleet.md). The handler module is imported only now: it builds its default handler from
  // process.env at load, as Lambda's cold start does.
  const fleet = await LocalFleet.start({ env });
  const reader = createTokenReader({ tableName: LOCAL_TABLE, client: localDynamoDbClient(ddb.endpoint) });
  // The grant intake: the real handler behind the Lambda stand-in, which the app's SDK finds through
  // AWS_ENDPOINT_URL_LAMBDA as it would find Lambda.
  const intakeStandIn = await startIntakeStandIn(env);
  process.env.AWS_ENDPOINT_URL_LAMBDA = intakeStandIn.endpoint;
  const reauth = new DemoReauthorisation({
    reader,
    intake: createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION }),
    authorise: () => oauth.mintRefreshToken(clients.genesys.clientId, DEMO_REAUTH_ORG),
  });

  mkdirSync(path.dirname(options.logFile), { recursive: true });
  writeFileSync(options.logFile, '');
  const shows = new Map(DEMO_ORGS.map((o) => [o.settings.orgId, o.shows]));
  const app = new Map<string, AppStats>();
  const totals = {
    refreshed: 0,
    failed: 0,
    reauthRequired: 0,
    notCommitted: 0,
    raceInvalidGrant: 0,
    rotationLost: 0,
    handlerErrors: 0,
    leakedLines: 0,
  };
  const metricSums: Record<string, number> = {};
  const metricLast: Record<string, number> = {};
  let tick = 0;
  let lastTickAt: number | undefined;
  let tenants: TenantSummary[] = await admin.list();

  const secretsToCheck = () => [...oauth.issuedTokens, ...Object.values(clients).map((c) => c.clientSecret)];

  const screen = (now: number) => {
    const rows = tenants.map((t) => [...tenantRow(t, now), appCell(app.get(t.orgId)), shows.get(t.orgId) ?? '']);
    const counters = Object.values(MetricName)
      .filter((m) => !GAUGES.has(m) && m !== MetricName.RunCompleted)
      .map((m) => `${m} ${metricSums[m] ?? 0}`);
    const gauges = [MetricName.DueOrgs, MetricName.ExpiredAccessTokens, MetricName.OrgsNeedingReauth].map(
      (m) => `${m} ${metricLast[m] ?? 0}`,
    );
    const appTotals = [...app.values()].reduce((s, a) => ({ ok: s.ok + a.ok, retried: s.retried + a.retried }), {
      ok: 0,
      retried: 0,
    });
    return [
      `tenant-token-refresher · local mode · tick ${tick}${options.cycles ? `/${options.cycles}` : ''} every ${options.intervalSeconds} s` +
        ` · last run ${formatAgo(lastTickAt, now)} · access tokens live ${options.tokenTtlSeconds} s`,
      '',
      renderTable([...TENANT_COLUMNS, 'APP CALLS', 'SHOWS'], rows),
      '',
      `metrics (EMF, sum of ${metricSums[MetricName.RunCompleted] ?? 0} runs): ${counters.slice(0, 6).join(' · ')}`,
      `  ${counters.slice(6, 12).join(' · ')}`,
      `  ${counters.slice(12).join(' · ')}`,
      `gauges (last run): ${gauges.join(' · ')} · RunDurationMs ${metricLast[MetricName.RunDurationMs] ?? 0}`,
      `oauth server: ${oauth.stats.tokenRequests} token requests, ${oauth.stats.successes} ok, ${oauth.stats.invalidGrant} invalid_grant` +
        ` · tokens or secrets in handler output: ${totals.leakedLines}`,
      `hosted app (reader library + GET /api/whoami each tick): ${appTotals.ok} ok, ${appTotals.retried} retried after a 401`,
      reauth.line(),
      `handler logs (Powertools JSON): ${options.logFile}`,
      '',
    ].join('\n');
  };

  // The CLI finds this deployment as it finds a real one: the descriptor the planner published in the table, and
  // (for `tenants refresh`) the sweep worker behind the Lambda Invoke stand-in.
  const hint = [
    'Ctrl-C stops (DynamoDB Local goes with it). The operator CLI works against this table from another shell:',
    `  export AWS_ENDPOINT_URL_DYNAMODB=${ddb.endpoint} AWS_ENDPOINT_URL_LAMBDA=${fleet.standIn.endpoint} \\`,
    `    AWS_REGION=${LOCAL_REGION} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    `  npx tenant-tokens --table ${LOCAL_TABLE} tenants list`,
    `  npx tenant-tokens --table ${LOCAL_TABLE} tenants refresh ${DEMO_ORGS[0]?.settings.orgId ?? 'ORG'}`,
    '',
  ].join('\n');

  const draw = () => {
    if (options.json) return;
    if (io.isTTY) io.stdout(`\x1b[H\x1b[2J${screen(Date.now())}${hint}`);
    else io.stdout(screen(Date.now()));
  };

  // Synchronous on purpose: the DynamoDB Local hook that runs next kills the JVM and exits.
  finalScreen = () => {
    if (options.json) return;
    if (io.isTTY) io.stdout(`\x1b[H\x1b[2J${screen(Date.now())}`);
    io.stderr(`stopped after ${tick} ticks; DynamoDB Local stopped`);
  };

  const runTick = async () => {
    tick++;
    const { result: ticked, lines } = await captureOutput(() => fleet.tick());
    lastTickAt = Date.now();
    // The hosted app re-authorises the revoked org through the grant intake; its handler's output is captured too.
    const intakeLines = (await reauth.maybeRun(tick))?.lines ?? [];
    const logLines: string[] = [];
    for (const line of [...lines, ...intakeLines]) {
      const metrics = emfMetrics(line);
      if (Object.keys(metrics).length === 0) {
        logLines.push(line);
        continue;
      }
      addMetrics(metricSums, metrics);
      for (const [name, value] of Object.entries(metrics)) metricLast[name] = value;
    }
    totals.leakedLines += linesLeaking([...lines, ...intakeLines], secretsToCheck());
    if (logLines.length > 0) await appendFile(options.logFile, `${logLines.join('\n')}\n`);
    for (const result of [ticked.plan, ...ticked.workers] as HandlerResult[]) {
      if ('error' in result) {
        totals.handlerErrors++;
        io.stderr(`handler rejected the event: ${result.error.code}: ${result.error.message}`);
      } else if (result.mode === 'sweep' || result.mode === 'direct') {
        totals.refreshed += result.refreshed;
        totals.failed += result.failedTotal;
        totals.reauthRequired += result.reauthRequired;
        totals.notCommitted += result.notCommitted;
        totals.raceInvalidGrant += result.raceInvalidGrant;
        totals.rotationLost += result.rotationLost;
      }
    }
    tenants = await admin.list();
    await simulateApp(reader, tenants, oauth.origin, app);
  };

  let exitCode = 0;
  let redraw: NodeJS.Timeout | undefined;
  try {
    if (!options.json && !io.isTTY) io.stderr(hint);
    if (io.isTTY && !options.json) redraw = setInterval(draw, 1000);
    for (;;) {
      const tickStarted = Date.now();
      try {
        await runTick();
      } catch (err) {
        totals.handlerErrors++;
        io.stderr(`tick ${tick} failed: ${(err as Error)?.message ?? err}`);
      }
      draw();
      if (stopping || (options.cycles !== undefined && tick >= options.cycles)) break;
      const wait = options.intervalSeconds * 1000 - (Date.now() - tickStarted);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopping) break;
    }
  } finally {
    clearInterval(redraw);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await fleet.stop();
  }
  if (totals.handlerErrors > 0) exitCode = 1;

  const statuses: Record<string, number> = {};
  for (const t of tenants) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
  const appErrors: Record<string, number> = {};
  for (const a of app.values())
    for (const [name, n] of Object.entries(a.errors)) appErrors[name] = (appErrors[name] ?? 0) + n;
  const sumApp = (key: 'calls' | 'ok' | 'retried') => [...app.values()].reduce((s, a) => s + a[key], 0);
  const result: LocalModeResult = {
    cycles: tick,
    orgs: tenants.length,
    ...totals,
    statuses,
    metrics: metricSums,
    tokenRequests: oauth.stats.tokenRequests,
    app: { calls: sumApp('calls'), ok: sumApp('ok'), retriedAfter401: sumApp('retried'), errors: appErrors },
    intake: { calls: reauth.calls, ok: reauth.ok, errors: reauth.errors },
    dynamoDbEndpoint: ddb.endpoint,
    durationMs: Date.now() - started,
  };

  await intakeStandIn.stop();
  await oauth.stop();
  await secrets.stop();
  ddbClient.destroy();
  await ddb.stop();
  if (options.json) io.stdout(`${JSON.stringify(result)}\n`);
  else
    io.stderr(
      `done: ${tick} ticks, ${result.refreshed} refreshed, ${result.failed} failed, ${result.reauthRequired} re-auth`,
    );
  return exitCode;
}

function appCell(a: AppStats | undefined): string {
  if (!a) return '';
  const parts = [`${a.ok} ok`];
  if (a.retried > 0) parts.push(`${a.retried} after 401`);
  if (a.lastError) parts.push(a.lastError);
  return parts.join(', ');
}

/**
 * A hosted app calling an API for every active org with the reader library: a 401 (strict rotation killed the
 * cached token) makes withAccessToken re-read and retry once, which the APP CALLS column counts.
 */
async function simulateApp(
  reader: TokenReader,
  tenants: readonly TenantSummary[],
  origin: string,
  stats: Map<string, AppStats>,
): Promise<void> {
  await Promise.all(
    tenants.map(async (t) => {
      const s = stats.get(t.orgId) ?? { calls: 0, ok: 0, retried: 0, errors: {}, lastError: undefined };
      stats.set(t.orgId, s);
      s.calls++;
      let calls = 0;
      try {
        const res = await reader.withAccessToken(t.orgId, (token) => {
          calls++;
          return fetch(`${origin}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });
        });
        await res.body?.cancel();
        if (calls > 1) s.retried++;
        if (res.ok) {
          s.ok++;
          s.lastError = undefined;
          return;
        }
        s.lastError = `HTTP ${res.status}`;
      } catch (err) {
        s.lastError = (err as Error)?.name ?? 'Error';
      }
      s.errors[s.lastError] = (s.errors[s.lastError] ?? 0) + 1;
    }),
  );
}
