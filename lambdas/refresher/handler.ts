// The Lambda entry point: thin. Configuration is validated at cold start (an invalid deployment fails its first
// invocation with a message naming the variable); the work is RefreshRun's; middy + Powertools add the Lambda
// context to every log line and flush the metrics as one EMF line per invocation.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.js';
import { DEFAULT_SERVICE_NAME, METRIC_NAMESPACE } from '../metrics.js';
import { parseEvent } from './event.js';
import type { Log } from './refresh-one.js';
import { emitRunMetrics } from './run-metrics.js';
import type { RunSummary } from './run-refresh.js';
import { createRuntime, type RefresherRuntime, type RuntimeOverrides } from './runtime.js';

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
      logger.error('rejected invocation', { code: parsed.code, errorMessage: parsed.message });
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

/**
 * Keys Powertools reserves for the line itself: an extra field with one of these names is dropped (with a warning).
 * The core logs its scrubbed error text as `message`, so it is renamed, never lost.
 */
const RESERVED_KEYS: Readonly<Record<string, string>> = {
  message: 'errorMessage',
  level: 'levelField',
  timestamp: 'timestampField',
  service: 'serviceField',
  sampling_rate: 'samplingRateField',
};

function withoutReservedKeys(fields: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(fields).some((key) => Object.hasOwn(RESERVED_KEYS, key))) return fields;
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [Object.hasOwn(RESERVED_KEYS, key) ? RESERVED_KEYS[key] : key, value]),
  );
}

/** Adapts Powertools' Logger to the core's Log port (structured fields as one extra object). */
export function powertoolsLog(logger: Logger): Log {
  const level = (method: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    fields ? logger[method](message, withoutReservedKeys(fields) as LogAttributes) : logger[method](message);
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
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
