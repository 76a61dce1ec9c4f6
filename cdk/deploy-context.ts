// What a platform engineer sets with `npx cdk deploy -c key=value` (or in cdk.json's context), parsed into the
// stack's typed props. Values from the command line arrive as strings; the refresher settings' ranges and timing
// rules are checked afterwards by the handler's own rules (lambdas/config.ts), so they are not restated here.
import * as z from 'zod';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { InvalidDeploymentError } from './invalid-deployment-error.js';
import type { TenantTokenRefresherStackProps } from './tenant-token-refresher-stack.js';

export const DEFAULT_STACK_NAME = 'TenantTokenRefresher';
export const DEFAULT_SECRET_PREFIX = 'tenant-tokens/';

/** Context key → refresher setting (and so environment variable). */
const NUMERIC_SETTINGS = {
  schedulePeriodSeconds: 'schedulePeriodSeconds',
  refreshWindowSeconds: 'refreshWindowSeconds',
  lambdaTimeoutSeconds: 'lambdaTimeoutSeconds',
  leaseSeconds: 'leaseSeconds',
  httpTimeoutMs: 'httpTimeoutMs',
  maxAttempts: 'maxAttempts',
  concurrency: 'concurrency',
  shardCount: 'shardCount',
  jitterSeconds: 'jitterSeconds',
  secretCacheSeconds: 'secretCacheSeconds',
  refreshTokenWarningSeconds: 'refreshTokenWarningSeconds',
  maxSweeps: 'maxSweeps',
  orgsPerSweep: 'orgsPerSweep',
  hostMaxInFlight: 'hostMaxInFlight',
  hostMaxPerSecond: 'hostMaxPerSecond',
  hostFailureRun: 'hostFailureRun',
  hostBackoffSeconds: 'hostBackoffSeconds',
  onDemandIntervalSeconds: 'onDemandIntervalSeconds',
  intakeConcurrency: 'intakeConcurrency',
  onDemandConcurrency: 'onDemandConcurrency',
} as const satisfies Record<string, keyof RefresherSettings>;

const OTHER_KEYS = [
  'stackName',
  'alarmEmail',
  'allowedTokenHosts',
  'serviceName',
  'secretPrefix',
  'secretsKeyArns',
  'tableName',
  'memoryMb',
  'reservedConcurrency',
  'logRetentionDays',
  'apps',
] as const;

export const CONTEXT_KEYS: readonly string[] = [...Object.keys(NUMERIC_SETTINGS), ...OTHER_KEYS];

/** Local mode's switches, under the names someone might try; the stack refuses them outright. */
const LOCAL_ONLY_KEYS = [
  'allowLoopbackHttp',
  'tokenEndpointOverride',
  'ALLOW_LOOPBACK_HTTP',
  'TOKEN_ENDPOINT_OVERRIDE',
];

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const wholeNumber = (key: string) =>
  z.coerce
    .number({ error: `context ${key} must be a number` })
    .int(`context ${key} must be a whole number`)
    .optional();

/** A list given as an array (cdk.json) or a comma-separated string (`-c key=a,b`). */
const list = (key: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: `context ${key} must be a comma-separated list` })
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
    .optional();

const contextSchema = z.object({
  ...Object.fromEntries(Object.keys(NUMERIC_SETTINGS).map((key) => [key, wholeNumber(key)])),
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'context stackName must be a CloudFormation stack name')
    .default(DEFAULT_STACK_NAME),
  alarmEmail: z.email('context alarmEmail must be an e-mail address').optional(),
  allowedTokenHosts: list('allowedTokenHosts'),
  serviceName: z.string().optional(),
  secretPrefix: z.string().default(DEFAULT_SECRET_PREFIX),
  secretsKeyArns: list('secretsKeyArns').pipe(
    z
      .array(z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be KMS key ARNs'))
      .optional(),
  ),
  tableName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'context tableName must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)')
    .optional(),
  memoryMb: z.coerce
    .number({ error: 'context memoryMb must be a number' })
    .int('context memoryMb must be whole megabytes')
    .min(128, 'context memoryMb must be at least 128')
    .max(10_240, 'context memoryMb must be at most 10240')
    .optional(),
  reservedConcurrency: z
    .union([z.literal('none'), z.coerce.number().int().min(1)], {
      error: 'context reservedConcurrency must be a whole number of at least 1, or "none"',
    })
    .optional(),
  // Hosted apps (docs/hosted-apps.md#several-apps): a JSON list in cdk.json, or `-c apps='[...]'`; the stack validates
  // each declaration (and `roleArn`) and every rule across apps.
  apps: z
    .union([z.string(), z.array(z.record(z.string(), z.unknown()))], {
      error: 'context apps must be a JSON list of apps ({"name", "orgIdPrefix", "clientSecretIds", "tokenHosts"})',
    })
    .transform((v, ctx) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'context apps is not valid JSON (a list of apps)' });
        return z.NEVER;
      }
    })
    .optional(),
  logRetentionDays: z.coerce
    .number()
    .refine(
      (d) => LOG_RETENTION_DAYS.includes(d),
      `context logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    )
    .optional(),
});

export class DeployContextError extends InvalidDeploymentError {
  override readonly name = 'DeployContextError';
  constructor(problems: string[]) {
    super('Invalid deploy context (-c key=value or cdk.json "context")', problems);
  }
}

export interface DeployContext {
  stackName: string;
  props: TenantTokenRefresherStackProps;
}

/**
 * Reads the keys above; refuses local-mode switches and unknown camelCase keys (a typo such as `alarmEmial` would
 * otherwise deploy a stack that pages nobody). Keys of CDK itself (`@aws-cdk/…`, `aws:cdk:…`, `cli-telemetry`)
 * never look like that and pass through.
 */
export function readDeployContext(context: Record<string, unknown>): DeployContext {
  const problems: string[] = [];
  for (const key of Object.keys(context)) {
    if (LOCAL_ONLY_KEYS.includes(key)) {
      problems.push(
        `${key} is for local mode only: a deployed refresher never allows plain http or overrides token endpoints`,
      );
    } else if (/^[a-z][A-Za-z0-9]*$/.test(key) && !CONTEXT_KEYS.includes(key)) {
      problems.push(`unknown context key ${key}; known keys: ${CONTEXT_KEYS.join(', ')}`);
    }
  }
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        return issue.message.includes(key) ? issue.message : `context ${key}: ${issue.message}`;
      }),
    );
  }
  if (problems.length > 0 || !parsed.success) throw new DeployContextError(problems);
  const c = parsed.data as z.output<typeof contextSchema> & Partial<Record<keyof typeof NUMERIC_SETTINGS, number>>;

  const refresher: Partial<RefresherSettings> = {};
  for (const [key, setting] of Object.entries(NUMERIC_SETTINGS)) {
    const value = c[key as keyof typeof NUMERIC_SETTINGS];
    if (value !== undefined) (refresher as Record<string, unknown>)[setting] = value;
  }
  if (c.allowedTokenHosts) refresher.allowedTokenHosts = c.allowedTokenHosts;
  if (c.serviceName !== undefined) refresher.serviceName = c.serviceName;

  return {
    stackName: c.stackName,
    props: {
      refresher,
      secretPrefix: c.secretPrefix,
      ...(c.secretsKeyArns ? { secretsKeyArns: c.secretsKeyArns } : {}),
      ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
      ...(c.tableName ? { tableName: c.tableName } : {}),
      ...(c.memoryMb !== undefined ? { memoryMb: c.memoryMb } : {}),
      ...(c.reservedConcurrency !== undefined
        ? { reservedConcurrency: c.reservedConcurrency === 'none' ? false : c.reservedConcurrency }
        : {}),
      ...(c.logRetentionDays !== undefined ? { logRetentionDays: c.logRetentionDays } : {}),
      ...(c.apps !== undefined ? { apps: c.apps as TenantTokenRefresherStackProps['apps'] } : {}),
    },
  };
}
