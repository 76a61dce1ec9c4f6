// One scenario's world: the deployed refresher — the planner the schedule targets and the sweep worker it starts,
// each with its environment, timeout and async-invocation settings, and the alarms, all from the synthesized
// template — running as the REAL handler against a fresh table in DynamoDB Local, a real OAuth server (oidc-provider,
// rotation and reuse detection) and the Secrets Manager stand-in, on the simulated clock. Every minute: the hosted
// apps' view is probed (ground truth), the schedule's input is delivered to the planner (unless the schedule is
// stopped), Lambda runs it, the planner's asynchronous invokes of the worker run after it, and everything CloudWatch
// would receive lands in the metric store — the handlers' EMF lines, Lambda's own metrics for each attempt of each
// function, the failure queue's depth.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type CliIo, runCli } from '../../cli/tenant-tokens.js';
import { TenantAdmin } from '../../lambdas/adapters/dynamodb-tenant-admin.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import type { buildHandler, createHandlerParts } from '../../lambdas/refresher/handler.js';
import { AsyncLambda, type AttemptRecord, executionEnvironment } from '../../local/async-lambda.js';
import { DEMO_IDP_HOST, demoClients } from '../../local/demo-orgs.js';
import {
  createTokenTable,
  deleteTokenTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
} from '../../local/dynamodb-local.js';
import { FailureQueueStandIn } from '../../local/failure-queue.js';
import type { StandInHandler } from '../../local/lambda-invoke-stand-in.js';
import { LocalOAuthServer } from '../../local/oauth-server.js';
import { scheduledEvent } from '../../local/scheduled-event.js';
import { SecretsStub } from '../../local/secrets-stub.js';
import { seededRandom } from '../../local/seeded-random.js';
import { type AlarmTimeline, evaluateAlarm } from '../cloudwatch/alarm-evaluator.js';
import { emfDatapoints } from '../cloudwatch/emf.js';
import { MetricStore } from '../cloudwatch/metric-store.js';
import type { FunctionDeployment, RefresherDeployment } from '../deployment.js';
import { advanceTo, simNow, simulatedClock } from '../virtual-time.js';
import {
  type EnvironmentFaults,
  type FaultSwitches,
  FaultyTokenEndpoint,
  installDynamoFaults,
  installFreeze,
  noFaults,
  TokenOwners,
} from './faults.js';
import { ACCESS_TOKEN_TTL_SECONDS, type FleetOrg } from './fleet.js';
import { type IntakeModule, SimulatedIntake } from './intake.js';
import { type OnDemandModule, SimulatedOnDemand } from './on-demand.js';
import { type OperatorLambda, simulatedDateHeader, startOperatorLambda } from './operator-invoke.js';
import { type EnvironmentTag, runInEnvironment, startCapture } from './output-capture.js';

export interface HandlerModule {
  buildHandler: typeof buildHandler;
  createHandlerParts: typeof createHandlerParts;
}

export interface WorldOptions {
  deployment: RefresherDeployment;
  dynamoDbEndpoint: string;
  handlerModule: HandlerModule;
  /** The grant intake's handler module, when the stack has an intake. */
  intakeModule?: IntakeModule;
  /** The on-demand refresh's handler module, when the stack has one. */
  onDemandModule?: OnDemandModule;
  /** Distinguishes this scenario's table. */
  name: string;
  seed: number;
}

/** Ground truth, outside the refresher: what the hosted apps see at each tick. */
export interface TruthSample {
  t: number;
  /** ACTIVE orgs whose stored access token the provider rejects (expired, revoked, or none yet). */
  unauthorized: string[];
}

export interface Mark {
  t: number;
  kind: 'fault' | 'recovery' | 'runbook' | 'note';
  text: string;
}

export interface OperatorCommand {
  t: number;
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** The functions' log groups: the sweep worker's, the planner's, the grant intake's, the on-demand refresh's. */
export type LogGroup = 'refresher' | 'planner' | 'intake' | 'on-demand';

/** What on-call reads as "the refresher's log group": both functions the schedule runs. */
const REFRESHER_GROUPS: readonly LogGroup[] = ['refresher', 'planner'];

/** One attempt of the planner's or the worker's, with the function it ran in. */
export type FunctionAttempt = AttemptRecord & { fn: 'refresher' | 'planner' };

/** Namespace of the simulation's own series (ground truth), kept apart from anything CloudWatch would hold. */
export const TRUTH_NAMESPACE = 'Simulation/GroundTruth';

export class World {
  readonly store = new MetricStore();
  /** The log groups: the sweep worker's, the planner's and the grant intake's. */
  readonly logs: { t: number; line: string; fn: LogGroup }[] = [];
  readonly attempts: FunctionAttempt[] = [];
  readonly truth: TruthSample[] = [];
  readonly marks: Mark[] = [];
  readonly operator: OperatorCommand[] = [];
  readonly queue = new FailureQueueStandIn();
  readonly owners = new TokenOwners();
  /** The onboarded orgs, by id. */
  readonly orgs = new Map<string, FleetOrg>();
  readonly startedAt: number;
  readonly periodMs: number;
  switches: FaultSwitches = noFaults();
  scheduleEnabled: boolean;
  /** The refresher's settings as currently deployed (both functions share them; the planner adds its worker). */
  env: Record<string, string>;
  readonly deployedEnv: Record<string, string>;
  /** The sweep worker. */
  readonly lambda: AsyncLambda;
  /** The schedule's target when the stack has a planner (it starts the worker); otherwise the worker itself. */
  readonly planner: AsyncLambda | undefined;
  /** Each function's reserved concurrency as currently set (the template's, until someone changes it). */
  readonly reservedConcurrency: Record<'refresher' | 'planner', number | undefined>;
  readonly #scheduleInput: unknown;
  /** The grant intake hosted apps hand grants over to (when the stack has one). */
  intake: SimulatedIntake | undefined;
  /** The refresher function as the operator CLI invokes it (`tenants refresh`), started on first use. */
  #operatorLambda: OperatorLambda | undefined;
  /** The on-demand refresh and the hosted app that calls it (when the stack has one). */
  onDemand: SimulatedOnDemand | undefined;
  /** Runs every tick after the ground truth is probed: what hosted apps do (a scenario sets it). */
  onTick: (() => Promise<void>) | undefined;
  #nextTickAt: number;
  #environments = 0;
  readonly #tmp = mkdtempSync(path.join(tmpdir(), 'ops-simulate-'));

  private constructor(
    readonly options: WorldOptions,
    readonly tableName: string,
    readonly ddb: DynamoDBClient,
    readonly doc: DynamoDBDocumentClient,
    readonly admin: TenantAdmin,
    readonly oauth: LocalOAuthServer,
    readonly secrets: SecretsStub,
    readonly clients: ReturnType<typeof demoClients>,
  ) {
    const { deployment } = options;
    this.startedAt = simNow();
    this.periodMs = deployment.schedule.periodSeconds * 1000;
    this.#nextTickAt = this.startedAt;
    this.scheduleEnabled = deployment.schedule.enabled;
    // The deployed environment, pointed at the local engines: its own table, loopback OAuth for every provider host
    // (plus the demo IdP host on the generic allow-list); org events go to the log (no event bus here).
    const { NODE_OPTIONS: _n, EVENT_BUS_NAME: _e, ...deployed } = deployment.fn.environment;
    const hosts = [deployed.ALLOWED_TOKEN_HOSTS, DEMO_IDP_HOST].filter(Boolean).join(',');
    this.deployedEnv = {
      ...deployed,
      TABLE_NAME: tableName,
      ALLOWED_TOKEN_HOSTS: hosts,
      ALLOW_LOOPBACK_HTTP: 'true',
      TOKEN_ENDPOINT_OVERRIDE: oauth.origin,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    };
    this.env = { ...this.deployedEnv };
    this.reservedConcurrency = {
      refresher: deployment.fn.reservedConcurrency,
      planner: deployment.planner?.reservedConcurrency,
    };
    this.lambda = this.#asyncLambda('refresher', deployment.fn);
    this.planner = deployment.planner ? this.#asyncLambda('planner', deployment.planner) : undefined;
    // What the schedule sends: the planner's constant input, or EventBridge's scheduled event for a refresher.
    this.#scheduleInput = deployment.planner?.input ?? scheduledEvent(deployment.schedule.ruleLogicalId);
  }

  /** One function as Lambda runs it asynchronously: its timeout, retries, event age, failure queue, log group. */
  #asyncLambda(fn: 'refresher' | 'planner', deployed: FunctionDeployment): AsyncLambda {
    return new AsyncLambda({
      functionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${deployed.logicalId}`,
      timeoutMs: deployed.timeoutSeconds * 1000,
      maximumRetryAttempts: deployed.asyncInvoke.maximumRetryAttempts,
      maximumEventAgeMs: deployed.asyncInvoke.maximumEventAgeSeconds * 1000,
      coldStart: () => this.#coldStart(fn),
      onAttempt: (record) => {
        this.attempts.push({ ...record, fn });
        this.#lambdaMetrics(fn, record);
      },
      onFailure: (record, at) => this.queue.send(record, at),
      now: simNow,
      reservedConcurrency: () => this.reservedConcurrency[fn],
      onThrottle: (at) =>
        this.store.put(
          { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: deployed.nameToken } },
          at,
          1,
        ),
      around: async (run) => {
        const capture = startCapture();
        try {
          return await run();
        } finally {
          this.#ingest(capture.stop(), fn);
        }
      },
    });
  }

  static async create(options: WorldOptions): Promise<World> {
    const tableName = `ops-${options.name}-${randomBytes(3).toString('hex')}`;
    const ddb = localDynamoDbClient(options.dynamoDbEndpoint);
    // The operator CLI's client: its Date header (AWS's time, to the CLI) is the simulated time.
    simulatedDateHeader(ddb);
    await createTokenTable(ddb, tableName);
    const doc = createDocumentClient(ddb);
    const shardCount = Number(options.deployment.fn.environment.SHARD_COUNT ?? 1);
    const admin = new TenantAdmin({ tableName, client: doc, shardCount });
    const clients = demoClients();
    const oauth = await LocalOAuthServer.start({
      clients: Object.values(clients),
      accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    });
    const secrets = await SecretsStub.start(
      Object.fromEntries(
        Object.values(clients).map((c) => [c.secretId, { clientId: c.clientId, clientSecret: c.clientSecret }]),
      ),
    );
    const world = new World(options, tableName, ddb, doc, admin, oauth, secrets, clients);
    const { intake } = options.deployment;
    if (intake && options.intakeModule) {
      const env = { ...world.deployedEnv, ...World.#localised(intake.environment, world.deployedEnv) };
      world.intake = await SimulatedIntake.start(
        options.intakeModule,
        env,
        intake.timeoutSeconds * 1000,
        {
          owners: world.owners,
          ingest: (lines, fn) => world.#ingest(lines, fn),
          lambdaMetrics: (fn, record) => world.#lambdaMetrics(fn, record),
        },
        options.dynamoDbEndpoint,
        secrets.endpoint,
      );
    }
    const { onDemand } = options.deployment;
    if (onDemand && options.onDemandModule) {
      const env = { ...world.deployedEnv, ...World.#localised(onDemand.environment, world.deployedEnv) };
      world.onDemand = await SimulatedOnDemand.start(
        options.onDemandModule,
        env,
        onDemand.timeoutSeconds * 1000,
        {
          owners: world.owners,
          ingest: (lines, fn) => world.#ingest(lines, fn),
          lambdaMetrics: (fn, record) => world.#lambdaMetrics(fn, record),
        },
        { dynamoDbEndpoint: options.dynamoDbEndpoint, secretsEndpoint: secrets.endpoint, tableName, oauth },
      );
    }
    return world;
  }

  /** A function's deployed environment with the table and the local engines of this world. */
  static #localised(deployed: Record<string, string>, local: Record<string, string>): Record<string, string> {
    const { NODE_OPTIONS: _n, EVENT_BUS_NAME: _e, ...rest } = deployed;
    const keep = ['TABLE_NAME', 'ALLOWED_TOKEN_HOSTS'];
    return { ...rest, ...Object.fromEntries(keep.map((k) => [k, local[k] as string])) };
  }

  get deployment(): RefresherDeployment {
    return this.options.deployment;
  }

  now(): number {
    return simNow();
  }

  mark(kind: Mark['kind'], text: string): number {
    const t = simNow();
    this.marks.push({ t, kind, text });
    return t;
  }

  /** Onboards an org the way an operator does, with a grant its customer just gave. */
  async onboard(org: FleetOrg): Promise<void> {
    const client = this.clients[org.client];
    let refreshToken: string | undefined;
    if (org.settings.grantType === 'refresh_token') {
      refreshToken = await this.oauth.mintRefreshToken(client.clientId, org.settings.orgId);
      this.owners.set(refreshToken, org.settings.orgId);
    }
    await this.admin.add({ ...org.settings, clientSecretId: client.secretId }, refreshToken);
    this.orgs.set(org.settings.orgId, org);
  }

  /** The client (and its secret) an org uses. */
  clientOf(orgId: string) {
    const org = this.orgs.get(orgId);
    if (!org) throw new Error(`unknown org ${orgId}`);
    return { key: org.client, ...this.clients[org.client] };
  }

  /** The customer consents again: a new grant from the provider (the hosted app hands it to on-call). */
  async customerReauthorises(orgId: string): Promise<string> {
    const token = await this.oauth.mintRefreshToken(this.clientOf(orgId).clientId, orgId);
    this.owners.set(token, orgId);
    const file = path.join(this.#tmp, `${orgId}.refresh-token`);
    writeFileSync(file, token, { mode: 0o600 });
    return file;
  }

  /** `tenant-tokens --table <this table> …`, in-process, as on-call runs it from a shell with AWS credentials. */
  async cli(args: string[]): Promise<OperatorCommand> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      readStdin: async () => undefined,
      readFile: (p) => readFile(p, 'utf8'),
      fileMode: async (p) => (await stat(p)).mode & 0o777,
      // A shell with AWS credentials and no refresher setting: the CLI takes those from the deployment's descriptor.
      env: Object.fromEntries(
        ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB'].map((k) => [
          k,
          this.deployedEnv[k],
        ]),
      ),
      now: () => Date.now(),
    };
    const secretsClient = this.#secretsClient();
    this.#operatorLambda ??= await startOperatorLambda(
      this.deployment.fn.logicalId,
      this.deployment.fn.timeoutSeconds * 1000,
      (event, context) => this.#invokeRefresher(event, context),
    );
    const code = await runCli(['--table', this.tableName, ...args], io, {
      dynamoDb: this.ddb,
      secretsClient,
      lambdaClient: this.#operatorLambda.client,
    });
    secretsClient.destroy();
    const record = { t: simNow(), command: `tenant-tokens ${args.join(' ')}`, code, stdout, stderr };
    this.operator.push(record);
    return record;
  }

  /** One RequestResponse invocation of the refresher function (the operator's `tenants refresh`), as Lambda runs it. */
  async #invokeRefresher(event: unknown, context: Parameters<StandInHandler>[1]): Promise<unknown> {
    const environment = await this.#coldStart('refresher');
    const startedAt = simNow();
    const capture = startCapture();
    let failure: Error | undefined;
    try {
      // A crashed or stalled environment fails the invocation at once, as AsyncLambda's attempts do.
      const doomed = environment.doomed.then((d) => {
        throw Object.assign(new Error(d.reason), {
          name: d.kind === 'crash' ? 'Runtime.ExitError' : 'Sandbox.Timedout',
        });
      });
      return await Promise.race([environment.handler(event, context), doomed]);
    } catch (err) {
      failure = err as Error;
      throw err;
    } finally {
      this.#ingest(capture.stop(), 'refresher');
      this.#lambdaMetrics('refresher', {
        startedAt,
        durationMs: simNow() - startedAt,
        outcome: failure ? 'error' : 'ok',
        errorType: failure?.name,
        errorMessage: failure?.message,
      });
      environment.kill();
    }
  }

  /** A new deployment of the refresher's configuration, to both functions (warm environments are replaced). */
  deploy(env: Record<string, string>): void {
    this.env = env;
    // `cdk deploy` also sets each function's reserved concurrency to the template's again.
    this.reservedConcurrency.refresher = this.deployment.fn.reservedConcurrency;
    this.reservedConcurrency.planner = this.deployment.planner?.reservedConcurrency;
    this.lambda.deploy();
    this.planner?.deploy();
  }

  /**
   * One schedule period: probe, deliver the schedule's input, let Lambda run the planner and then the workers it
   * started (Lambda would overlap them; the order of their effects is the same), publish the queue depth.
   */
  async tick(): Promise<void> {
    advanceTo(this.#nextTickAt);
    this.#nextTickAt += this.periodMs;
    await this.#probe();
    await this.onTick?.();
    if (this.scheduleEnabled) (this.planner ?? this.lambda).invokeAsync(this.#scheduleInput);
    await this.planner?.drain();
    await this.lambda.drain();
    this.store.put(
      {
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: this.deployment.failureQueue.nameToken },
      },
      simNow(),
      this.queue.visible,
    );
  }

  async runFor(ms: number): Promise<void> {
    const until = simNow() + ms;
    while (this.#nextTickAt < until) await this.tick();
  }

  /** Ticks until `done()` holds (checked every `everyMs`) or `maxMs` passed; true when it held. */
  async runUntil(done: () => boolean | Promise<boolean>, maxMs: number, everyMs = 60_000): Promise<boolean> {
    const until = simNow() + maxMs;
    while (simNow() < until) {
      await this.runFor(everyMs);
      if (await done()) return true;
    }
    return false;
  }

  /**
   * Every alarm of the template evaluated from this world's first tick until now: the stack is deployed and running
   * when a scenario starts. (A brand-new stack's first evaluation, before the schedule's first tick, is not a
   * scenario: with no history at all, Heartbeat may show ALARM for that one minute.)
   */
  timelines(to = simNow()): AlarmTimeline[] {
    return this.deployment.alarms.map((a) => evaluateAlarm(a, this.store, this.startedAt + this.periodMs, to));
  }

  /** Alarms in ALARM right now. */
  firing(): string[] {
    return this.timelines()
      .filter((t) => t.evaluations.at(-1)?.state === 'ALARM')
      .map((t) => t.alarmId);
  }

  /** Log lines since `from` of a function's log group; by default the refresher's (the planner's and the worker's). */
  logLines(from = this.startedAt, groups: LogGroup | readonly LogGroup[] = REFRESHER_GROUPS): string[] {
    const wanted = new Set(typeof groups === 'string' ? [groups] : groups);
    return this.logs.filter((l) => l.t >= from && wanted.has(l.fn)).map((l) => l.line);
  }

  async stop(): Promise<void> {
    this.lambda.deploy();
    this.planner?.deploy();
    await this.intake?.stop();
    await this.#operatorLambda?.stop();
    await this.onDemand?.stop();
    await this.oauth.stop();
    await this.secrets.stop();
    await deleteTokenTable(this.ddb, this.tableName);
    this.ddb.destroy();
    rmSync(this.#tmp, { recursive: true, force: true });
  }

  #secretsClient(): SecretsManagerClient {
    return new SecretsManagerClient({
      endpoint: this.secrets.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  }

  /** A new execution environment of one function: the real handler, its clients faulted by the scenario's switches. */
  #coldStart(fn: 'refresher' | 'planner') {
    const world = this;
    const faults: EnvironmentFaults = {
      frozen: false,
      get switches() {
        return world.switches;
      },
      onDoom: (kind, reason) => environment.doom({ kind, reason }),
    };
    const ddb = localDynamoDbClient(this.options.dynamoDbEndpoint);
    installDynamoFaults(ddb, faults);
    const secretsClient = this.#secretsClient();
    installFreeze(secretsClient, faults);
    const { buildHandler, createHandlerParts } = this.options.handlerModule;
    // The planner's environment is the deployed one's (WORKER_FUNCTION_NAME on top of the shared settings); its
    // asynchronous Invoke of the worker is accepted by the worker's stand-in, as Lambda's 202 would be.
    const env =
      fn === 'planner' ? { ...this.env, WORKER_FUNCTION_NAME: this.deployment.fn.logicalId } : { ...this.env };
    const parts = createHandlerParts(env, {
      documentClient: createDocumentClient(ddb),
      secretsClient,
      endpoint: new FaultyTokenEndpoint(new HttpTokenEndpoint(), faults, this.owners),
      clock: simulatedClock,
      random: seededRandom(this.options.seed * 1000 + ++this.#environments),
      ...(fn === 'planner'
        ? { invoker: { startSweep: async (event: unknown) => this.lambda.invokeAsync(event) } }
        : {}),
    });
    const handler = buildHandler(parts);
    const tag: EnvironmentTag = { killed: false };
    const environment = executionEnvironment(
      (event, context) => runInEnvironment(tag, () => handler(event, context)),
      () => {
        faults.frozen = true;
        tag.killed = true;
      },
    );
    return environment;
  }

  /** What Lambda publishes for one invocation of a function, and what its runtime logs when it failed. */
  #lambdaMetrics(
    fn: LogGroup,
    record: Pick<AttemptRecord, 'startedAt' | 'durationMs' | 'outcome'> & {
      errorType?: string | undefined;
      errorMessage?: string | undefined;
      eventAgeMs?: number;
      coldStart?: boolean;
      requestId?: string;
    },
  ): void {
    const t = record.startedAt + record.durationMs;
    const name =
      fn === 'refresher'
        ? this.deployment.fn.nameToken
        : fn === 'planner'
          ? (this.deployment.planner?.nameToken ?? fn)
          : fn === 'intake'
            ? (this.deployment.intake?.nameToken ?? fn)
            : (this.deployment.onDemand?.nameToken ?? fn);
    const dimensions = { FunctionName: name };
    const put = (metric: string, value: number) =>
      this.store.put({ namespace: 'AWS/Lambda', name: metric, dimensions }, t, value);
    put('Invocations', 1);
    put('Errors', record.outcome === 'error' ? 1 : 0);
    put('Duration', record.durationMs);
    if (record.eventAgeMs !== undefined) put('AsyncEventAge', record.eventAgeMs);
    // What the Node.js runtime writes to the log group when an invocation fails as a whole.
    if (record.outcome === 'error') {
      this.logs.push({
        t,
        fn,
        line: JSON.stringify({
          level: 'ERROR',
          message: record.coldStart && record.errorType !== 'Runtime.ExitError' ? 'Init error' : 'Invoke error',
          errorType: record.errorType,
          errorMessage: record.errorMessage,
          requestId: record.requestId,
        }),
      });
    }
  }

  #ingest(lines: string[], fn: LogGroup): void {
    const t = simNow();
    for (const line of lines) {
      const points = emfDatapoints(line);
      if (points.length === 0) {
        this.logs.push({ t, line, fn });
        continue;
      }
      for (const p of points) this.store.put(p.id, p.t, p.values);
    }
  }

  /** What the hosted apps see: each ACTIVE org's stored access token, checked with the provider itself. */
  async #probe(): Promise<void> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'orgId, accessToken, #s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const unauthorized: string[] = [];
    for (const item of items) {
      if (item.status !== 'ACTIVE') continue;
      const token = item.accessToken;
      if (typeof token !== 'string' || !(await this.oauth.accessTokenValid(token)))
        unauthorized.push(String(item.orgId));
    }
    const t = simNow();
    this.truth.push({ t, unauthorized });
    this.store.put(
      { namespace: TRUTH_NAMESPACE, name: 'HostedAppUnauthorizedOrgs', dimensions: {} },
      t,
      unauthorized.length,
    );
  }
}
