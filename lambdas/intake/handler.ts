// The grant intake's Lambda entry point: thin, like the refresher's. A hosted app invokes it (RequestResponse, with
// the IAM grant `grantIntake` gives, or through its own alias when the deployment declares apps: the invoked ARN
// names the app) to hand over a grant; the work is GrantIntake's, the immediate refresh the refresher's own runtime
// (createRuntime) through one token-host gate per instance. The payload carries a refresh token and maybe a client secret, so the event
// is never logged (logEvent off, whatever POWERTOOLS_LOGGER_LOG_EVENT says) and nothing read from it reaches a log
// line, a metric or an error but the org id and codes.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DynamoDbGrantIntake } from '../adapters/dynamodb-grant-intake.js';
import { createDocumentClient } from '../adapters/dynamodb-token-store.js';
import { loadConfig } from '../config.js';
import { fleetHostShare } from '../core/host-limits.js';
import { scrub } from '../core/redact.js';
import { loadHostedApps } from '../hosted-app-caller.js';
import { DEFAULT_SERVICE_NAME, METRIC_NAMESPACE, MetricName } from '../metrics.js';
import { emitRemovalMetrics } from '../offboarding/removal-metrics.js';
import { powertoolsLog, safeLogFields } from '../powertools-log.js';
import { emitRunMetrics } from '../refresher/run-metrics.js';
import { createRuntime, type RuntimeOverrides } from '../refresher/runtime.js';
import { GrantIntake } from './grant-intake.js';
import type { IntakeAnswer } from './intake-answer.js';
import { isRemovalAnswer, type RemovalAnswer } from './removal-answer.js';

export interface IntakeHandlerParts {
  logger: Logger;
  metrics: Metrics;
  intake: GrantIntake;
}

/** Thrown instead of whatever failed (its message may quote the payload): Lambda reports it as a function error. */
export class GrantIntakeFailure extends Error {
  override readonly name = 'GrantIntakeFailure';
}

/** Builds the middy handler around a GrantIntake; exported for tests and local mode. */
export function buildIntakeHandler({ logger, metrics, intake }: IntakeHandlerParts) {
  async function intakeHandler(event: unknown, context: Context): Promise<IntakeAnswer | RemovalAnswer> {
    const scope = {
      owner: `intake:${context.awsRequestId || 'local'}`,
      remainingMs: () => context.getRemainingTimeInMillis(),
    };
    let result: Awaited<ReturnType<GrantIntake['handle']>>;
    try {
      result = await intake.handle(event, scope, { invokedFunctionArn: context.invokedFunctionArn });
    } catch (err) {
      const name = (err as Error)?.name ?? 'Error';
      logger.error('grant intake failed', {
        errorName: name,
        error: scrub(String((err as Error)?.message ?? err), secretsIn(event)),
      });
      throw new GrantIntakeFailure(`grant intake failed (${name}): nothing is known to be stored; hand it over again`);
    }
    const { answer, summary, action } = result;
    if (summary) {
      emitRunMetrics(summary, { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) });
    }
    if (isRemovalAnswer(answer)) {
      // Codes and times only: the answer carries no token by construction.
      emitRemovalMetrics(answer, { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) });
      const { revocation, ...facts } = answer;
      logger.info('org removal', safeLogFields({ action, ...facts, ...revocation }));
      return answer;
    }
    const metric = answer.ok
      ? MetricName.GrantIntakeSucceeded
      : answer.stored
        ? MetricName.GrantIntakeFailed
        : MetricName.GrantIntakeRejected;
    metrics.addMetric(metric, 'Count', 1);
    const fields = {
      action,
      orgId: answer.orgId,
      ok: answer.ok,
      stored: answer.stored,
      status: answer.status,
      repeated: answer.repeated,
      ...(answer.ok ? {} : { code: answer.error.code, reason: answer.error.reason, message: answer.error.message }),
    };
    logger[answer.ok ? 'info' : 'warn']('grant intake', safeLogFields(fields));
    return answer;
  }

  return (
    middy(intakeHandler)
      // logEvent: false overrides POWERTOOLS_LOGGER_LOG_EVENT: the event holds a refresh token.
      .use(injectLambdaContext(logger, { logEvent: false }))
      .use(logMetrics(metrics))
  );
}

/** The secrets a payload may carry, so an error message quoting them is scrubbed of the exact values. */
export function secretsIn(event: unknown): string[] {
  const e = event as { grant?: { refreshToken?: unknown }; client?: { clientSecret?: unknown } } | null | undefined;
  return [e?.grant?.refreshToken, e?.client?.clientSecret].filter((v): v is string => typeof v === 'string');
}

/** Logger, metrics and the intake from the environment (what Lambda does at cold start): the refresher's settings. */
export function createIntakeParts(
  env: Record<string, string | undefined> = process.env,
  overrides: RuntimeOverrides = {},
): IntakeHandlerParts {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName });
  const config = loadConfig(env);
  // One document client for the intake's writes and the refresh it runs.
  const documentClient = overrides.documentClient ?? createDocumentClient();
  const runtime = createRuntime(config, powertoolsLog(logger), { ...overrides, documentClient });
  const store = new DynamoDbGrantIntake({
    tableName: config.tableName,
    client: documentClient,
    ...(overrides.onCapacity ? { onCapacity: overrides.onCapacity } : {}),
  });
  const intake = new GrantIntake({
    store,
    run: runtime.run,
    clock: runtime.clock,
    log: powertoolsLog(logger),
    settings: config,
    removal: runtime.removal(),
    apps: loadHostedApps(env),
    // One gate for the instance's lifetime: its pacing and share hold across invocations, as a sweep's within a run.
    hostGate: runtime.hostGate(fleetHostShare(config)),
  });
  return { logger, metrics, intake };
}

export const handler = buildIntakeHandler(createIntakeParts());
