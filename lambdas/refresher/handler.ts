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
import { ConfigError, loadConfig } from '../config.js';
import { ErrorCode } from '../core/errors.js';
import { ShardCountShrunkError } from '../core/fleet-ports.js';
import { RemovedBy } from '../core/removal.js';
import { loadHostedApps } from '../hosted-app-caller.js';
import type { IntakeAnswer } from '../intake/intake-answer.js';
import { isRemovalAnswer, type RemovalAnswer, removalAnswer } from '../intake/removal-answer.js';
import { DEFAULT_SERVICE_NAME, METRIC_NAMESPACE } from '../metrics.js';
import { emitRemovalMetrics } from '../offboarding/removal-metrics.js';
import { powertoolsLog, safeLogFields } from '../powertools-log.js';
import { parseEvent } from './event.js';
import { type PlanSummary, SweepInvokeError } from './planner.js';
import type { RunScope } from './refresh-deps.js';
import { runRefreshEvent } from './run-event.js';
import { emitPlanMetrics, emitRunMetrics, type MetricSink } from './run-metrics.js';
import type { RunSummary } from './run-refresh.js';
import { createRuntime, type RefresherRuntime, type RuntimeOverrides } from './runtime.js';

// Shared with the grant intake's entry point; re-exported where they were first defined.
export { powertoolsLog, safeLogFields };

export type HandlerResult =
  | Omit<RunSummary, 'owner'>
  | PlanSummary
  | RemoveResult
  | { error: { code: string; message: string } };

/** The operator's removal (`{"remove": {"orgId": ...}}`): the intake's removal answer, codes and times only. */
export interface RemoveResult {
  mode: 'remove';
  answer: RemovalAnswer | IntakeAnswer;
}

export interface HandlerParts {
  logger: Logger;
  metrics: Metrics;
  runtime: RefresherRuntime;
}

/** Builds the middy handler around a runtime; exported for tests, local mode and the bench. */
export function buildHandler({ logger, metrics, runtime }: HandlerParts) {
  const sink: MetricSink = { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) };

  async function refresherHandler(event: unknown, context: Context): Promise<HandlerResult> {
    const parsed = parseEvent(event, { shardCount: runtime.config.shardCount });
    if (!parsed.ok) {
      logger.error('rejected invocation', safeLogFields({ code: parsed.code, message: parsed.message }));
      return { error: { code: parsed.code, message: parsed.message } };
    }
    const scope: RunScope = {
      owner: `${context.awsRequestId || 'local'}:${randomUUID().slice(0, 8)}`,
      remainingMs: () => context.getRemainingTimeInMillis(),
    };
    try {
      if (parsed.event.kind === 'plan') return await plan(scope);
      if (parsed.event.kind === 'remove') return await remove(parsed.event.orgId, scope);
      const summary = await runRefreshEvent(runtime, parsed.event, scope);
      emitRunMetrics(summary, sink);
      const { owner: _owner, ...result } = summary;
      logger.info('run summary', { summary: result });
      return result;
    } catch (err) {
      // A deployment that would strand orgs (SHARD_COUNT shrunk) fails every invocation, loudly: LambdaErrors and the
      // failure queue page on-call, and this line says why.
      if (err instanceof ShardCountShrunkError || err instanceof SweepInvokeError) {
        logger.error('invocation failed', safeLogFields({ code: codeOf(err), message: err.message }));
      }
      throw err;
    }
  }

  /**
   * The operator's offboarding (`tenants remove`): run here so it uses the deployment's settings, secrets, clock and
   * event bus, as `tenants refresh` does. A live lease is not waited for: the CLI says "try again in N s".
   */
  async function remove(orgId: string, scope: RunScope): Promise<HandlerResult> {
    const result = await runtime.removal().remove(orgId, RemovedBy.Operator, {
      remainingMs: scope.remainingMs,
      waitForLease: false,
    });
    const answer = removalAnswer(result);
    if (isRemovalAnswer(answer)) {
      emitRemovalMetrics(answer, sink);
      const { revocation, ...facts } = answer;
      logger.info('org removal', safeLogFields({ action: 'remove', ...facts, ...revocation }));
    } else if (!answer.ok) {
      logger.warn('org removal', safeLogFields({ action: 'remove', orgId, code: answer.error.code }));
    }
    return { mode: 'remove', answer };
  }

  async function plan(scope: RunScope): Promise<HandlerResult> {
    if (!runtime.planner) {
      const message =
        'WORKER_FUNCTION_NAME is not set: this function is a sweep worker, not the planner (the stack sends ' +
        '{"plan": {}} to the planner function only)';
      logger.error('rejected invocation', safeLogFields({ code: ErrorCode.ConfigInvalid, message }));
      return { error: { code: ErrorCode.ConfigInvalid, message } };
    }
    const summary = await runtime.planner.plan(scope);
    emitPlanMetrics(summary, sink);
    logger.info('plan summary', { summary });
    if (summary.invokeFailures > 0)
      throw new SweepInvokeError(summary.invokeFailures, summary.sweeps.length - summary.invokeFailures);
    return summary;
  }

  return middy(refresherHandler)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

function codeOf(err: Error): string {
  return err instanceof ShardCountShrunkError || err instanceof ConfigError
    ? ErrorCode.ConfigInvalid
    : 'SWEEP_INVOKE_FAILED';
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
  const workerFunctionName = overrides.workerFunctionName ?? workerFunctionNameOf(env);
  return {
    logger,
    metrics,
    runtime: createRuntime(config, powertoolsLog(logger), {
      serviceName,
      // The planner publishes the declared apps in the deployment descriptor (the operator CLI checks `--app`).
      hostedApps: loadHostedApps(env),
      ...overrides,
      ...(workerFunctionName ? { workerFunctionName } : {}),
    }),
  };
}

/**
 * WORKER_FUNCTION_NAME: set on the planner function only (the sweep worker it starts). Not part of the shared config
 * schema, because the worker function must not have it. A malformed value fails the cold start like any variable.
 */
export function workerFunctionNameOf(env: Record<string, string | undefined>): string | undefined {
  const name = env.WORKER_FUNCTION_NAME;
  if (name === undefined || name === '') return undefined;
  if (
    !/^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]{1,128})?$/.test(name)
  ) {
    throw new ConfigError(['WORKER_FUNCTION_NAME must be a Lambda function name or ARN']);
  }
  return name;
}

export const handler = buildHandler(createHandlerParts());
