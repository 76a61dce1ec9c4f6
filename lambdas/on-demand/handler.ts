// The on-demand refresh's Lambda entry point: thin, like the grant intake's. A hosted app invokes it (RequestResponse,
// with the IAM grant `grantRefreshNow` gives) after a 401 or for a token that stays valid long enough; the work is
// OnDemandRefresh's, the refresh itself the refresher's own runtime (createRuntime). Its answer carries an access
// token, so neither the answer nor anything from it is ever logged: the log line has the org id, codes and the source.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb-token-store.js';
import { loadConfig } from '../config.js';
import { fleetHostShare } from '../core/host-limits.js';
import { scrub } from '../core/redact.js';
import { loadHostedApps } from '../hosted-app-caller.js';
import { DEFAULT_SERVICE_NAME, METRIC_NAMESPACE } from '../metrics.js';
import { powertoolsLog, safeLogFields } from '../powertools-log.js';
import { emitRunMetrics, type MetricSink } from '../refresher/run-metrics.js';
import { createRuntime, type RuntimeOverrides } from '../refresher/runtime.js';
import type { OnDemandAnswer } from './on-demand-answer.js';
import { emitOnDemandMetrics } from './on-demand-metrics.js';
import { OnDemandRefresh, type OnDemandResult } from './on-demand-refresh.js';
import { hostedAppOrgAccess, type OrgAccessCheck } from './org-access.js';

export interface OnDemandHandlerParts {
  logger: Logger;
  metrics: Metrics;
  onDemand: Pick<OnDemandRefresh, 'handle'>;
}

/** Thrown instead of whatever failed (a store error's text is not the app's business): Lambda reports a function error. */
export class OnDemandFailure extends Error {
  override readonly name = 'OnDemandFailure';
}

/** Builds the middy handler around an OnDemandRefresh; exported for tests, local mode, the bench and the simulation. */
export function buildOnDemandHandler({ logger, metrics, onDemand }: OnDemandHandlerParts) {
  const sink: MetricSink = { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) };

  async function onDemandHandler(event: unknown, context: Context): Promise<OnDemandAnswer> {
    const scope = {
      owner: `on-demand:${context.awsRequestId || 'local'}:${randomUUID().slice(0, 8)}`,
      remainingMs: () => context.getRemainingTimeInMillis(),
    };
    let result: OnDemandResult;
    try {
      result = await onDemand.handle(event, scope, context.invokedFunctionArn);
    } catch (err) {
      const name = (err as Error)?.name ?? 'Error';
      logger.error('on-demand refresh failed', {
        errorName: name,
        error: scrub(String((err as Error)?.message ?? err)),
      });
      throw new OnDemandFailure(`on-demand refresh failed (${name}): ask again in a moment`);
    }
    if (result.summary) emitRunMetrics(result.summary, sink);
    emitOnDemandMetrics(result, sink);
    const { answer } = result;
    // Field by field: the answer's access token never reaches a log line.
    const fields = answer.ok
      ? { orgId: answer.orgId, ok: true, source: answer.source, expiresAt: answer.expiresAt }
      : {
          orgId: answer.orgId,
          ok: false,
          code: answer.error.code,
          reason: answer.error.reason,
          retryAfterSeconds: answer.error.retryAfterSeconds,
        };
    logger[answer.ok || result.outcome === 'limited' ? 'info' : 'warn']('on-demand refresh', safeLogFields(fields));
    return answer;
  }

  return (
    middy(onDemandHandler)
      // logEvent: false overrides POWERTOOLS_LOGGER_LOG_EVENT, as the intake does (the event names an org and a
      // fingerprint; nothing an operator needs that the answer line lacks).
      .use(injectLambdaContext(logger, { logEvent: false }))
      .use(logMetrics(metrics))
  );
}

export interface OnDemandOverrides extends RuntimeOverrides {
  /** Which orgs the invoking app may refresh (default: every org; the hosted-app declarations decide it). */
  orgAccess?: OrgAccessCheck;
}

/** Logger, metrics and the on-demand refresh from the environment (what Lambda does at cold start). */
export function createOnDemandParts(
  env: Record<string, string | undefined> = process.env,
  overrides: OnDemandOverrides = {},
): OnDemandHandlerParts {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName });
  const config = loadConfig(env);
  const { orgAccess, ...runtimeOverrides } = overrides;
  const documentClient = runtimeOverrides.documentClient ?? createDocumentClient();
  const log = powertoolsLog(logger);
  const runtime = createRuntime(config, log, { ...runtimeOverrides, documentClient });
  const gate = runtime.hostGate(fleetHostShare(config));
  const onDemand = new OnDemandRefresh({
    store: runtime.store,
    clock: runtime.clock,
    log,
    refresher: runtime.refresher,
    // One gate for the instance's lifetime (an instance refreshes one org at a time), like the intake's: its pacing
    // and its share of every token host's budget (core/host-limits.ts fleetHostShare) hold across invocations.
    hostGate: () => gate,
    orgAccess: orgAccess ?? hostedAppOrgAccess(loadHostedApps(env)),
    settings: { leaseMs: config.leaseMs, minIntervalMs: config.onDemandIntervalMs },
  });
  return { logger, metrics, onDemand };
}

export const handler = buildOnDemandHandler(createOnDemandParts());
