// The refresher's environment off AWS: the deployed environment (lambdas/refresher-settings.ts) from typed settings,
// pointed at local engines (DynamoDB Local, the Secrets Manager stand-in, a loopback OAuth server). Local mode, the
// bench and the tests start the real handler with this, so none of them keeps its own list of variables.
import {
  defaultRefresherSettings,
  type RefresherSettings,
  refresherEnvironment,
} from '../lambdas/refresher-settings.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local.js';

export interface LocalRefresherEnvironmentInput {
  tableName: string;
  /** Anything left out takes the handler's own default. */
  settings?: Partial<RefresherSettings>;
  /** DynamoDB Local's endpoint; omitted when the caller injects its own client. */
  dynamoDbEndpoint?: string;
  /** The Secrets Manager stand-in's endpoint; omitted when the caller injects its own client. */
  secretsEndpoint?: string;
  /** Send every token request to this loopback origin (local mode's demo providers). */
  tokenEndpointOverride?: string;
}

/** A Lambda-like environment for local engines: loopback http allowed, no event bus (events are logged). */
export function localRefresherEnvironment(input: LocalRefresherEnvironmentInput): Record<string, string> {
  const settings = { ...defaultRefresherSettings(), ...input.settings };
  // No EVENT_BUS_NAME (org events go to the log) and no source-map flag (no bundle here).
  const { EVENT_BUS_NAME: _bus, NODE_OPTIONS: _node, ...deployed } = refresherEnvironment(settings, input.tableName);
  return {
    ...deployed,
    ALLOW_LOOPBACK_HTTP: 'true',
    ...(input.tokenEndpointOverride ? { TOKEN_ENDPOINT_OVERRIDE: input.tokenEndpointOverride } : {}),
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(input.dynamoDbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: input.dynamoDbEndpoint } : {}),
    ...(input.secretsEndpoint ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: input.secretsEndpoint } : {}),
  };
}
