// Faults the scenarios inject into an execution environment, at the seams the refresher already has (its SDK
// clients' middleware stacks and its TokenEndpoint port), so the refresher code itself runs unchanged:
// - `frozen`: the environment was killed — every later DynamoDB, Secrets Manager or token-endpoint call hangs
//   forever, so an abandoned invocation can never write anything (as a dead process cannot);
// - `dynamoHangs`: DynamoDB stops answering (every call hangs): the invocation stalls until Lambda times it out;
// - `commitFails(orgId)`: the write storing an org's new tokens fails with a 500 every time (DynamoDB unwell for
//   that item), so a received token response cannot be committed;
// - `crashAfterAnswer(orgId)`: the provider answers, then the process dies before anything is stored.
// Which org a token request is for is known from the refresh token it carries: every refresh token is either minted
// at onboarding or came back through this endpoint, so the owner map is complete.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { HttpOutcome, TokenEndpoint, TokenRequest } from '../../lambdas/core/ports.js';

const never = <T>() => new Promise<T>(() => {});

export interface FaultSwitches {
  dynamoHangs: boolean;
  commitFails: (orgId: string) => boolean;
  crashAfterAnswer: (orgId: string | undefined) => boolean;
}

export const noFaults = (): FaultSwitches => ({
  dynamoHangs: false,
  commitFails: () => false,
  crashAfterAnswer: () => false,
});

/** The state one execution environment's seams share. */
export interface EnvironmentFaults {
  frozen: boolean;
  switches: FaultSwitches;
  /** Called by a seam when the environment can no longer make progress (it crashed, or it will stall). */
  onDoom: (kind: 'crash' | 'stall', reason: string) => void;
}

function errorResponse(status: number, type: string) {
  return {
    response: {
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
      body: new TextEncoder().encode(
        JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'injected' }),
      ),
    },
    output: undefined,
  };
}

export function installDynamoFaults(client: DynamoDBClient, faults: EnvironmentFaults): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (faults.frozen) return never();
      if (faults.switches.dynamoHangs) {
        faults.onDoom('stall', 'DynamoDB stopped answering');
        return never();
      }
      const command = (context as { commandName?: string }).commandName;
      const input = (args as { input?: { Key?: { orgId?: { S?: string } }; UpdateExpression?: string } }).input;
      const orgId = input?.Key?.orgId?.S;
      // The commit is the UpdateItem that writes the access token.
      if (command === 'UpdateItemCommand' && orgId && /accessToken/.test(input?.UpdateExpression ?? '')) {
        if (faults.switches.commitFails(orgId)) return errorResponse(500, 'InternalServerError') as never;
      }
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'simulationFaults' },
  );
}

export function installFreeze(client: SecretsManagerClient, faults: EnvironmentFaults): void {
  client.middlewareStack.add((next) => async (args) => (faults.frozen ? never() : next(args)), {
    step: 'initialize',
    name: 'simulationFreeze',
  });
}

/** Which org each refresh token belongs to, kept up to date through rotations. */
export class TokenOwners {
  readonly #owner = new Map<string, string>();

  set(refreshToken: string, orgId: string): void {
    this.#owner.set(refreshToken, orgId);
  }

  ofRequestBody(body: string): string | undefined {
    const token = new URLSearchParams(body).get('refresh_token');
    return token ? this.#owner.get(token) : undefined;
  }

  ofParams(params: URLSearchParams): string | undefined {
    const token = params.get('refresh_token');
    return token ? this.#owner.get(token) : undefined;
  }

  /** After a 200, the rotated refresh token belongs to the same org. */
  observe(requestBody: string, outcome: HttpOutcome): string | undefined {
    const orgId = this.ofRequestBody(requestBody);
    if (!orgId || outcome.kind !== 'response' || outcome.status !== 200) return orgId;
    try {
      const next = (JSON.parse(outcome.body) as { refresh_token?: unknown }).refresh_token;
      if (typeof next === 'string') this.#owner.set(next, orgId);
    } catch {
      // An unreadable body carries no token to track.
    }
    return orgId;
  }
}

export class FaultyTokenEndpoint implements TokenEndpoint {
  constructor(
    private readonly inner: TokenEndpoint,
    private readonly faults: EnvironmentFaults,
    private readonly owners: TokenOwners,
    /** Sees every answer, with the org it was for (the multi-Region world counts refreshes per Region). */
    private readonly onAnswer?: (orgId: string | undefined, outcome: HttpOutcome) => void,
  ) {}

  async send(request: TokenRequest, timeoutMs: number): Promise<HttpOutcome> {
    if (this.faults.frozen) return never();
    const outcome = await this.inner.send(request, timeoutMs);
    const orgId = this.owners.observe(request.body, outcome);
    this.onAnswer?.(orgId, outcome);
    if (this.faults.frozen) return never();
    if (outcome.kind === 'response' && outcome.status === 200 && this.faults.switches.crashAfterAnswer(orgId)) {
      this.faults.onDoom('crash', `killed after the token endpoint answered for ${orgId ?? 'an org'}`);
      return never();
    }
    return outcome;
  }
}
