// The Lambda entry point: thin. Configuration is validated at cold start (an invalid deployment fails its first
// invocation with a message naming the variable); the work is RefreshRun's; middy + Powertools add the Lambda
// context to every log line and flush the metrics as one EMF line per invocation.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.js';
import { DEFAULT_SERVICE_NAME, METRIC_NAMESPACE } from '../metrics.js';
import { powertoolsLog, safeLogFields } from '../powertools-log.js';
import { parseEvent } from './event.js';
import { emitRunMetrics } from './run-metrics.js';
import type { RunSummary } from './run-refresh.js';
import { createRuntime, type RefresherRuntime, type RuntimeOverrides } from './runtime.js';

// Shared with the grant intake's entry point; re-exported where they were first defined.
export { powertoolsLog, safeLogFields };

export type HandlerResult = Omit<RunSummary, 'owner'> | { error: { code: string; message: string } };

export interface HandlerParts {
  logger: Logger;
  metrics: Metrics;
  runtime: RefresherRuntime;
}

/** Builds the middy handler around a runtime; exported for tests, local mode and the bench. */
export function buildHandler({ logger, metrics, runtime }: HandlerParts) {
  async function refresherHandler(event: unknown, context: Context): Promise<HandlerResult> {
    const parsed = parseEvent(event);
    if (!parsed.ok) {
      logger.error('rejected invocation', safeLogFields({ code: parsed.code, message: parsed.message }));
      return { error: { code: parsed.code, message: parsed.message } };
    }
    const scope = {
      owner: `${context.awsRequestId || 'local'}:${randomUUID().slice(0, 8)}`,
      remainingMs: () => context.getRemainingTimeInMillis(),
    };
    const summary =
      parsed.event.kind === 'sweep'
        ? await runtime.run.sweep(scope)
        : await runtime.run.refreshOrgs(parsed.event.orgIds, scope);
    emitRunMetrics(summary, {
      addMetric: (name, unit, value) => metrics.addMetric(name, unit, value),
    });
    const { owner: _owner, ...result } = summary;
    logger.info('run summary', { summary: result });
    return result;
  }

  return middy(refresherHandler)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** Creates logger, metrics and runtime from the environment (what Lambda does at cold start). */
export function createHandlerParts(
  env: Record<string, string | undefined> = process.env,
  overrides: RuntimeOverrides = {},
): HandlerParts {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName });
  const config = loadConfig(env);
  return { logger, metrics, runtime: createRuntime(config, powertoolsLog(logger), overrides) };
}

export const handler = buildHandler(createHandlerParts());
