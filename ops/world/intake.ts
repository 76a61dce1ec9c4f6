// The grant intake in the simulated world, when the stack has one: the REAL intake handler behind the loopback Lambda
// Invoke stand-in (local/lambda-invoke-stand-in.ts), invoked by a hosted app through the reader library's own client
// (`createGrantIntake(...).reauthorise`), as in production. Its execution environment is built from its deployed
// configuration at cold start (an invalid one fails every invocation, as Lambda's init would) and rebuilt on deploy.
// Each invocation's output goes to the intake's log group and its EMF into the metric store; Lambda's metrics
// (Invocations, Errors, Duration) are derived from each invocation under the intake function's own name.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import type { buildIntakeHandler, createIntakeParts } from '../../lambdas/intake/handler.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from '../../local/dynamodb-local.js';
import { LambdaInvokeStandIn, type StandInHandler } from '../../local/lambda-invoke-stand-in.js';
import { createGrantIntake } from '../../reader/index.js';
import { simulatedClock } from '../virtual-time.js';
import {
  type EnvironmentFaults,
  FaultyTokenEndpoint,
  installDynamoFaults,
  noFaults,
  type TokenOwners,
} from './faults.js';
import { startCapture } from './output-capture.js';

export interface IntakeModule {
  buildIntakeHandler: typeof buildIntakeHandler;
  createIntakeParts: typeof createIntakeParts;
}

export interface IntakeSinks {
  owners: TokenOwners;
  /** EMF and log lines written during one invocation. */
  ingest(lines: string[], fn: 'intake'): void;
  lambdaMetrics(
    fn: 'intake',
    record: {
      startedAt: number;
      durationMs: number;
      outcome: 'ok' | 'error';
      errorType?: string;
      errorMessage?: string;
    },
  ): void;
}

export interface HandOver {
  orgId: string;
  refreshToken: string;
  issuedAt: number;
}

const FUNCTION = 'grant-intake';

export class SimulatedIntake {
  env: Record<string, string>;
  /** Hand-overs the hosted app could not complete: it hands them over again later. */
  readonly pending = new Map<string, HandOver>();
  /** Every org a grant was handed over for. */
  readonly attempted = new Set<string>();
  #handler: StandInHandler | undefined;
  #seen = 0;

  private constructor(
    private readonly standIn: LambdaInvokeStandIn,
    private readonly client: LambdaClient,
    private readonly sinks: IntakeSinks,
    env: Record<string, string>,
  ) {
    this.env = env;
  }

  static async start(
    module: IntakeModule,
    env: Record<string, string>,
    timeoutMs: number,
    sinks: IntakeSinks,
    dynamoDbEndpoint: string,
    secretsEndpoint: string,
  ): Promise<SimulatedIntake> {
    let intake: SimulatedIntake | undefined;
    const faults: EnvironmentFaults = { frozen: false, switches: noFaults(), onDoom: () => {} };
    // Cold start on the first invocation after a deploy: an invalid configuration throws here, every time.
    const handler: StandInHandler = async (event, context) => {
      const self = intake as SimulatedIntake;
      if (!self.#handler) {
        const ddb = localDynamoDbClient(dynamoDbEndpoint);
        installDynamoFaults(ddb, faults);
        const parts = module.createIntakeParts(self.env, {
          documentClient: createDocumentClient(ddb),
          secretsClient: new SecretsManagerClient({
            endpoint: secretsEndpoint,
            region: LOCAL_REGION,
            credentials: LOCAL_CREDENTIALS,
          }),
          endpoint: new FaultyTokenEndpoint(new HttpTokenEndpoint(), faults, sinks.owners),
          clock: simulatedClock,
        });
        self.#handler = module.buildIntakeHandler(parts) as StandInHandler;
      }
      return self.#handler(event, context);
    };
    const standIn = await LambdaInvokeStandIn.start({ functions: { [FUNCTION]: { handler, timeoutMs } } });
    const client = new LambdaClient({
      endpoint: standIn.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    intake = new SimulatedIntake(standIn, client, sinks, env);
    return intake;
  }

  /** A new deployment of the intake's configuration: the next invocation cold-starts with it. */
  deploy(env: Record<string, string>): void {
    this.env = env;
    this.#handler = undefined;
  }

  /** The hosted app hands a customer's new grant over (`reauthorise`); a failure is kept to be handed over again. */
  async reauthorise(handOver: HandOver): Promise<{ ok: true } | { ok: false; code: string }> {
    this.attempted.add(handOver.orgId);
    const app = createGrantIntake({ functionName: FUNCTION, client: this.client });
    const capture = startCapture();
    let outcome: { ok: true } | { ok: false; code: string };
    try {
      await app.reauthorise(handOver.orgId, { refreshToken: handOver.refreshToken, issuedAt: handOver.issuedAt });
      outcome = { ok: true };
    } catch (err) {
      outcome = { ok: false, code: String((err as { code?: unknown })?.code ?? (err as Error)?.name) };
    } finally {
      this.sinks.ingest(capture.stop(), 'intake');
    }
    for (const record of this.standIn.invocations.slice(this.#seen)) {
      this.sinks.lambdaMetrics('intake', { ...record, errorType: record.errorType, errorMessage: undefined });
    }
    this.#seen = this.standIn.invocations.length;
    if (outcome.ok) this.pending.delete(handOver.orgId);
    else this.pending.set(handOver.orgId, handOver);
    return outcome;
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.standIn.stop();
  }
}
