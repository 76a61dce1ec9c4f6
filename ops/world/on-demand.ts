// The on-demand refresh in the simulated world, when the stack has one: the REAL on-demand handler behind the loopback
// Lambda Invoke stand-in, built from its deployed configuration at cold start, and a hosted app that uses it through the
// reader library (`withAccessToken`, whose 401 path is `refreshNow`; `getAccessToken` with `minValidityMs`), as in
// production. The app's API is modelled: it accepts a token the provider accepts, unless a scenario makes it refuse an
// org's tokens (a customer removed the app's role, the app calls the wrong region). Each invocation's output goes to the
// function's log group and its EMF into the metric store; Lambda's metrics are derived per invocation.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import type { buildOnDemandHandler, createOnDemandParts } from '../../lambdas/on-demand/handler.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from '../../local/dynamodb-local.js';
import { LambdaInvokeStandIn, type StandInHandler } from '../../local/lambda-invoke-stand-in.js';
import type { LocalOAuthServer } from '../../local/oauth-server.js';
import { createTokenReader, type TokenReader } from '../../reader/index.js';
import { simulatedClock } from '../virtual-time.js';
import {
  type EnvironmentFaults,
  FaultyTokenEndpoint,
  installDynamoFaults,
  noFaults,
  type TokenOwners,
} from './faults.js';
import { startCapture } from './output-capture.js';

export interface OnDemandModule {
  buildOnDemandHandler: typeof buildOnDemandHandler;
  createOnDemandParts: typeof createOnDemandParts;
}

export interface OnDemandSinks {
  owners: TokenOwners;
  ingest(lines: string[], fn: 'on-demand'): void;
  lambdaMetrics(
    fn: 'on-demand',
    record: { startedAt: number; durationMs: number; outcome: 'ok' | 'error'; errorType?: string },
  ): void;
}

export interface OnDemandEngines {
  dynamoDbEndpoint: string;
  secretsEndpoint: string;
  tableName: string;
  oauth: LocalOAuthServer;
}

const FUNCTION = 'on-demand-refresh';

export class SimulatedOnDemand {
  env: Record<string, string>;
  /** Orgs whose tokens the app's API refuses, whatever the provider says. */
  readonly apiRefuses = new Set<string>();
  /** Orgs whose next token the app's API refuses once (a provider that rotated it early), then accepts again. */
  readonly apiRefusesOnce = new Set<string>();
  /** What each of the app's calls ended in, for the report: `200`, `401`, or an error's code. */
  readonly calls: { t: number; orgId: string; outcome: string }[] = [];
  readonly #reader: TokenReader;
  #handler: StandInHandler | undefined;
  #seen = 0;

  private constructor(
    private readonly standIn: LambdaInvokeStandIn,
    private readonly client: LambdaClient,
    private readonly ddb: ReturnType<typeof localDynamoDbClient>,
    private readonly sinks: OnDemandSinks,
    private readonly engines: OnDemandEngines,
    env: Record<string, string>,
  ) {
    this.env = env;
    // One long-lived app instance: its reader caches the token, as a deployed app's would.
    this.#reader = createTokenReader({
      tableName: engines.tableName,
      client: ddb,
      onDemandFunctionName: FUNCTION,
      lambdaClient: client,
    });
  }

  static async start(
    module: OnDemandModule,
    env: Record<string, string>,
    timeoutMs: number,
    sinks: OnDemandSinks,
    engines: OnDemandEngines,
  ): Promise<SimulatedOnDemand> {
    let self: SimulatedOnDemand | undefined;
    const faults: EnvironmentFaults = { frozen: false, switches: noFaults(), onDoom: () => {} };
    // Cold start on the first invocation after a deploy: an invalid configuration throws here, every time.
    const handler: StandInHandler = async (event, context) => {
      const od = self as SimulatedOnDemand;
      if (!od.#handler) {
        const ddb = localDynamoDbClient(engines.dynamoDbEndpoint);
        installDynamoFaults(ddb, faults);
        const parts = module.createOnDemandParts(od.env, {
          documentClient: createDocumentClient(ddb),
          secretsClient: new SecretsManagerClient({
            endpoint: engines.secretsEndpoint,
            region: LOCAL_REGION,
            credentials: LOCAL_CREDENTIALS,
          }),
          endpoint: new FaultyTokenEndpoint(new HttpTokenEndpoint(), faults, sinks.owners),
          clock: simulatedClock,
        });
        od.#handler = module.buildOnDemandHandler(parts) as StandInHandler;
      }
      return od.#handler(event, context);
    };
    const standIn = await LambdaInvokeStandIn.start({ functions: { [FUNCTION]: { handler, timeoutMs } } });
    const client = new LambdaClient({
      endpoint: standIn.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    self = new SimulatedOnDemand(standIn, client, localDynamoDbClient(engines.dynamoDbEndpoint), sinks, engines, env);
    return self;
  }

  /**
   * The app calls its API for an org: `withAccessToken`, so a 401 is followed by refreshNow and one more call. Returns
   * the final status, or the code of the reader's error (TENANT_DISABLED, LIMITED, …).
   */
  async callApi(orgId: string): Promise<string> {
    return this.#record(orgId, async () => {
      const response = await this.#reader.withAccessToken(orgId, async (token) => ({
        status: await this.#api(orgId, token),
      }));
      return String(response.status);
    });
  }

  /** The app asks for a token that stays valid `minValidityMs` (before a long export). */
  async longLivedToken(orgId: string, minValidityMs: number): Promise<string> {
    return this.#record(orgId, async () => {
      const token = await this.#reader.getToken(orgId, { minValidityMs });
      return token.expiresAt - Date.now() >= minValidityMs ? 'long enough' : 'as long as the provider gives';
    });
  }

  async #api(orgId: string, token: string): Promise<number> {
    if (this.apiRefuses.has(orgId)) return 401;
    if (this.apiRefusesOnce.delete(orgId)) return 401;
    return (await this.engines.oauth.accessTokenValid(token)) ? 200 : 401;
  }

  async #record(orgId: string, call: () => Promise<string>): Promise<string> {
    const capture = startCapture();
    let outcome: string;
    try {
      outcome = await call();
    } catch (err) {
      outcome = String((err as { code?: unknown })?.code ?? (err as Error)?.name);
    } finally {
      this.sinks.ingest(capture.stop(), 'on-demand');
    }
    for (const record of this.standIn.invocations.slice(this.#seen)) this.sinks.lambdaMetrics('on-demand', record);
    this.#seen = this.standIn.invocations.length;
    this.calls.push({ t: Date.now(), orgId, outcome });
    return outcome;
  }

  async stop(): Promise<void> {
    this.client.destroy();
    this.ddb.destroy();
    await this.standIn.stop();
  }
}
