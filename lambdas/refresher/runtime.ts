// Wires the core to its adapters. Everything is injectable, so tests, local mode, the CLI and the bench run the
// same code as Lambda with a different client or clock.
import { randomUUID } from 'node:crypto';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { DynamoDbDeployment } from '../adapters/dynamodb-deployment.js';
import { DynamoDbFleetStore } from '../adapters/dynamodb-fleet-store.js';
import { DynamoDbOrgRemoval } from '../adapters/dynamodb-org-removal.js';
import { type CapacityObserver, createDocumentClient, DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { EventBridgeNotifier, LogNotifier } from '../adapters/eventbridge-notifier.js';
import { HttpTokenEndpoint } from '../adapters/http-token-endpoint.js';
import { LambdaSweepInvoker } from '../adapters/lambda-sweep-invoker.js';
import { SecretsManagerCredentials } from '../adapters/secrets-credentials.js';
import type { RefresherConfig } from '../config.js';
import type { DeploymentRegistry } from '../core/deployment-descriptor.js';
import type { FleetStore, HostNotifier, SweepInvoker } from '../core/fleet-ports.js';
import type { HostedApp } from '../core/hosted-apps.js';
import {
  type Clock,
  type CredentialsSource,
  type Log,
  type Notifier,
  systemClock,
  type TokenEndpoint,
  type TokenStore,
} from '../core/ports.js';
import { DEFAULT_SERVICE_NAME } from '../metrics.js';
import { OrgRemoval } from '../offboarding/org-removal.js';
import { DeploymentPublisher, deploymentSettingsOf } from './deployment-publisher.js';
import { HostGate } from './host-gate.js';
import { OrgRefresher } from './org-refresher.js';
import { SweepPlanner } from './planner.js';
import type { RunScope } from './refresh-deps.js';
import { RefreshRun } from './run-refresh.js';

export interface RuntimeOverrides {
  documentClient?: DynamoDBDocumentClient;
  secretsClient?: SecretsManagerClient;
  eventBridgeClient?: EventBridgeClient;
  store?: TokenStore;
  credentials?: CredentialsSource;
  endpoint?: TokenEndpoint;
  notifier?: Notifier;
  clock?: Clock;
  random?: () => number;
  onCapacity?: CapacityObserver;
  /** Fan-out (docs/fleet.md): sweep leases and host backoff; the planner's invoker or its Lambda client. */
  fleet?: FleetStore;
  invoker?: SweepInvoker;
  lambdaClient?: LambdaClient;
  /** The hosted apps the deployment declares (HOSTED_APPS): the planner publishes them for the operator CLI. */
  hostedApps?: readonly HostedApp[];
  /** The sweep worker function the planner starts (WORKER_FUNCTION_NAME); without it this function cannot plan. */
  workerFunctionName?: string;
  /** Where the planner publishes the deployment descriptor (default: the token table's `#deployment` item). */
  deployment?: DeploymentRegistry;
  /** POWERTOOLS_SERVICE_NAME: the metrics' `service` dimension, published in the deployment descriptor. */
  serviceName?: string;
}

export interface RefresherRuntime {
  config: RefresherConfig;
  store: TokenStore;
  refresher: OrgRefresher;
  run: RefreshRun;
  clock: Clock;
  fleet: FleetStore;
  /** Undefined unless WORKER_FUNCTION_NAME (or an invoker) was given: only the planner function plans. */
  planner: SweepPlanner | undefined;
  /** A token-host gate for one run, with `share` sweeps sharing each host's budget. */
  hostGate(share: number): HostGate;
  log: Log;
  /** The ports a refresh uses, for the other work on an org's provider (an offboarding's revocation). */
  credentials: CredentialsSource;
  endpoint: TokenEndpoint;
  notifier: Notifier;
  /** Offboarding an org with these ports (the intake's `removeOrg`, the operator's `{"remove": ...}`); built on use. */
  removal(): OrgRemoval;
}

export function createRuntime(config: RefresherConfig, log: Log, o: RuntimeOverrides = {}): RefresherRuntime {
  const clock = o.clock ?? systemClock;
  const store =
    o.store ??
    new DynamoDbTokenStore({
      tableName: config.tableName,
      ...(o.documentClient ? { client: o.documentClient } : {}),
      ...(o.onCapacity ? { onCapacity: o.onCapacity } : {}),
    });
  const credentials =
    o.credentials ??
    new SecretsManagerCredentials({
      maxAgeSeconds: config.secretCacheSeconds,
      ...(o.secretsClient ? { client: o.secretsClient } : {}),
      now: () => clock.now(),
    });
  const notifier =
    o.notifier ??
    (config.eventBusName
      ? new EventBridgeNotifier({
          eventBusName: config.eventBusName,
          log,
          ...(o.eventBridgeClient ? { client: o.eventBridgeClient } : {}),
        })
      : new LogNotifier(log));
  const endpoint = o.endpoint ?? new HttpTokenEndpoint();
  const refresher = new OrgRefresher({
    store,
    credentials,
    endpoint,
    notifier,
    clock,
    random: o.random ?? Math.random,
    log,
    settings: config,
    // CONCURRENCY bounds the token exchanges in flight; the run keeps more orgs in progress around them.
    exchangeSlots: pLimit(config.concurrency),
  });
  const run = new RefreshRun(refresher, { store, clock, log }, config);
  const fleet =
    o.fleet ??
    new DynamoDbFleetStore({
      tableName: config.tableName,
      ...(o.documentClient ? { client: o.documentClient } : {}),
      ...(o.onCapacity ? { onCapacity: o.onCapacity } : {}),
    });
  const invoker =
    o.invoker ??
    (o.workerFunctionName
      ? new LambdaSweepInvoker({
          functionName: o.workerFunctionName,
          ...(o.lambdaClient ? { client: o.lambdaClient } : {}),
        })
      : undefined);
  // The planner publishes what this deployment is for the operator CLI; it knows the worker the CLI must invoke.
  const deployment = o.workerFunctionName
    ? new DeploymentPublisher({
        registry:
          o.deployment ??
          new DynamoDbDeployment({
            tableName: config.tableName,
            ...(o.documentClient ? { client: o.documentClient } : {}),
            ...(o.onCapacity ? { onCapacity: o.onCapacity } : {}),
          }),
        settings: deploymentSettingsOf(config, {
          refresherFunctionName: o.workerFunctionName,
          serviceName: o.serviceName ?? DEFAULT_SERVICE_NAME,
          ...(o.hostedApps ? { apps: o.hostedApps } : {}),
        }),
        clock,
        log,
      })
    : undefined;
  const planner = invoker
    ? new SweepPlanner({ fleet, store, invoker, clock, log, settings: config, ...(deployment ? { deployment } : {}) })
    : undefined;
  const hostNotifier = 'hostDegraded' in notifier ? (notifier as Notifier & HostNotifier) : undefined;
  const hostGate = (share: number) =>
    new HostGate({
      clock,
      log,
      budget: { maxInFlight: config.hostMaxInFlight, maxPerSecond: config.hostMaxPerSecond },
      share,
      backoff: { failuresToDegrade: config.hostFailureRun, backoffMs: config.hostBackoffMs },
      fleet,
      notifier: hostNotifier,
    });
  let removal: OrgRemoval | undefined;
  const orgRemoval = () => {
    removal ??= new OrgRemoval({
      store: new DynamoDbOrgRemoval({
        tableName: config.tableName,
        client: o.documentClient ?? createDocumentClient(),
        ...(o.onCapacity ? { onCapacity: o.onCapacity } : {}),
      }),
      credentials,
      endpoint,
      notifier,
      clock,
      log,
      settings: config,
    });
    return removal;
  };
  return {
    config,
    store,
    refresher,
    run,
    clock,
    fleet,
    planner,
    hostGate,
    log,
    credentials,
    endpoint,
    notifier,
    removal: orgRemoval,
  };
}

/** A run scope for callers without a Lambda context (CLI, local mode, bench): a deadline instead of a timer. */
export function scopeWithDeadline(clock: Clock, budgetMs: number, owner = `run-${randomUUID()}`): RunScope {
  const deadline = clock.now() + budgetMs;
  return { owner, remainingMs: () => deadline - clock.now() };
}
