// An integration harness: a fresh table on the shared DynamoDB Local, a real oidc-provider with rotation on, a
// Secrets Manager stand-in, and the real refresher runtime wired to them, with every log line captured.
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { loadConfig, type RefresherConfig } from '../../lambdas/config.js';
import { newOrgRecord } from '../../lambdas/core/new-org-record.js';
import type { Log } from '../../lambdas/core/ports.js';
import type { OrgSettings } from '../../lambdas/core/record.js';
import {
  createRuntime,
  type RefresherRuntime,
  type RuntimeOverrides,
  scopeWithDeadline,
} from '../../lambdas/refresher/runtime.js';
import type { RefresherSettings } from '../../lambdas/refresher-settings.js';
import { createTokenTable, LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from '../../local/dynamodb-local.js';
import { LocalOAuthServer, type OAuthClientSpec, type OAuthServerOptions } from '../../local/oauth-server.js';
import { localRefresherEnvironment } from '../../local/refresher-environment.js';
import { SecretsStub } from '../../local/secrets-stub.js';

export const CLIENTS = {
  basic: { clientId: 'basic-client', clientSecret: 'basic-client-secret-0123456789', auth: 'basic' },
  post: {
    clientId: 'zendesk-like-client',
    clientSecret: 'post-client-secret-0123456789',
    auth: 'post',
    strictRotation: true,
  },
  orgParam: {
    clientId: 'orgparam-client',
    clientSecret: 'orgparam-client-secret-012345',
    auth: 'basic',
    requireOrgParam: 'organization_id',
  },
  cc: { clientId: 'cc-client', clientSecret: 'cc-client-secret-0123456789abc', auth: 'basic' },
  /** An org's own client (an AppFoundry premium app's install creates one per customer org): kept in the record. */
  own: {
    clientId: 'own-client',
    clientSecret: 'own-client-secret-in-the-record-0123',
    auth: 'post',
    requireOrgParam: 'organization_id',
  },
} as const satisfies Record<string, OAuthClientSpec>;

export const secretIdFor = (clientId: string) => `tenant-tokens/${clientId}`;

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

export class CapturedLog implements Log {
  readonly lines: LogLine[] = [];
  debug = (message: string, fields?: Record<string, unknown>) => this.lines.push({ level: 'debug', message, fields });
  info = (message: string, fields?: Record<string, unknown>) => this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Record<string, unknown>) => this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Record<string, unknown>) => this.lines.push({ level: 'error', message, fields });
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n');
  }
}

export interface SeedOptions {
  clientKey?: keyof typeof CLIENTS;
  /** The client lives in the record (clientId + clientSecret), not in Secrets Manager. */
  ownClient?: boolean;
  grantType?: 'refresh_token' | 'client_credentials';
  refreshToken?: string;
  extra?: Record<string, unknown>;
  refreshAt?: number;
}

export interface Harness {
  table: string;
  ddb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  oauth: LocalOAuthServer;
  secrets: SecretsStub;
  secretsClient: SecretsManagerClient;
  log: CapturedLog;
  config: RefresherConfig;
  env: Record<string, string>;
  /** The real runtime on this harness; `settings` overrides config fields (e.g. a short HTTP timeout). */
  runtime(overrides?: RuntimeOverrides, settings?: Partial<RefresherConfig>): RefresherRuntime;
  scope(budgetMs?: number): ReturnType<typeof scopeWithDeadline>;
  seedOrg(orgId: string, options?: SeedOptions): Promise<Record<string, unknown>>;
  getRecord(orgId: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/** Every harness created in this test file: the reliability run's leak scan reads their logs, tables and tokens. */
export const createdHarnesses: Harness[] = [];

/** The refresher's settings in tests, unless a test says otherwise. */
export const TEST_SETTINGS: Partial<RefresherSettings> = {
  allowedTokenHosts: ['127.0.0.1'],
  // Generous: loopback oidc-provider shares 2 cores with DynamoDB Local and the tests; a tight timeout turns a slow
  // answer into an ambiguous outcome (and, with reuse detection, a lost rotation) that the test did not ask for.
  httpTimeoutMs: 5000,
  maxAttempts: 3,
  leaseSeconds: 30,
  // Above a lease hold (2 × 30 s + 5 s): a run claims only with a whole hold of time left (core/commit-window.ts).
  lambdaTimeoutSeconds: 90,
  schedulePeriodSeconds: 60,
  refreshWindowSeconds: 600,
  concurrency: 16,
  shardCount: 4,
  secretCacheSeconds: 300,
};

export interface HarnessOptions {
  /** Overrides TEST_SETTINGS. */
  settings?: Partial<RefresherSettings>;
  /** Extra raw variables (e.g. EVENT_BUS_NAME), on top of the settings' environment. */
  env?: Record<string, string>;
  oauth?: Partial<OAuthServerOptions>;
}

export async function createHarness(endpoint: string, options: HarnessOptions = {}): Promise<Harness> {
  const table = `tokens-${randomUUID().slice(0, 8)}`;
  const ddb = localDynamoDbClient(endpoint);
  await createTokenTable(ddb, table);
  const doc = createDocumentClient(ddb);
  const oauth = await LocalOAuthServer.start({ clients: Object.values(CLIENTS), ...options.oauth });
  const secrets = await SecretsStub.start(
    Object.fromEntries(
      Object.values(CLIENTS).map((c) => [
        secretIdFor(c.clientId),
        { clientId: c.clientId, clientSecret: c.clientSecret },
      ]),
    ),
  );
  const secretsClient = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const env = {
    ...localRefresherEnvironment({ tableName: table, settings: { ...TEST_SETTINGS, ...options.settings } }),
    ...options.env,
  };
  const config = loadConfig(env);
  const log = new CapturedLog();

  const harness: Harness = {
    table,
    ddb,
    doc,
    oauth,
    secrets,
    secretsClient,
    log,
    config,
    env,
    runtime: (overrides = {}, settings = {}) =>
      createRuntime({ ...config, ...settings }, log, { documentClient: doc, secretsClient, ...overrides }),
    scope: (budgetMs = 120_000) => scopeWithDeadline({ now: Date.now, sleep: async () => {} }, budgetMs),
    async seedOrg(orgId, seed = {}) {
      const client = CLIENTS[seed.clientKey ?? 'basic'];
      const grantType = seed.grantType ?? 'refresh_token';
      const refreshToken =
        grantType === 'refresh_token'
          ? (seed.refreshToken ?? (await oauth.mintRefreshToken(client.clientId, orgId)))
          : undefined;
      const settings: OrgSettings = {
        orgId,
        provider: 'generic',
        grantType,
        tokenUrl: oauth.tokenUrl,
        clientAuth: client.auth,
        ...(seed.ownClient ? { clientId: client.clientId } : { clientSecretId: secretIdFor(client.clientId) }),
        ...('requireOrgParam' in client ? { orgParam: client.requireOrgParam } : {}),
      };
      const item = {
        ...newOrgRecord(
          settings,
          { refreshToken, clientSecret: seed.ownClient ? client.clientSecret : undefined },
          { refreshAt: seed.refreshAt ?? Date.now() - 1000, shardCount: config.shardCount },
        ),
        ...seed.extra,
      };
      await doc.send(new PutCommand({ TableName: table, Item: item }));
      return item;
    },
    async getRecord(orgId) {
      const out = await doc.send(new GetCommand({ TableName: table, Key: { orgId }, ConsistentRead: true }));
      return out.Item;
    },
    async close() {
      await oauth.stop();
      await secrets.stop();
      ddb.destroy();
      secretsClient.destroy();
    },
  };
  createdHarnesses.push(harness);
  return harness;
}
