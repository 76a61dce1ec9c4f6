// `tenants refresh` asks the deployment to refresh: a RequestResponse Invoke of the deployment's refresher function
// with its direct invocation {"orgIds": [ORG]} (lambdas/refresher/event.ts); `tenants remove` likewise with
// {"remove": {"orgId": ORG}}. The engine then runs with the deployment's settings, clock, secrets, events and metrics,
// and the org lands in the deployment's shard; the laptop needs lambda:InvokeFunction on that one function instead of
// the refresher's secrets and network.
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { scrub } from '../lambdas/core/redact.js';
import type { CommandContext } from './context.js';
import { DeploymentError } from './deployment.js';

/** One org's outcome as the function's answer reports it (lambdas/refresher/refresh-outcome.ts). */
export interface RefreshAnswer {
  result: 'refreshed' | 'skipped' | 'failed' | 'unknown';
  reason?: string;
  code?: string;
}

const HINTS: Record<string, string> = {
  ResourceNotFoundException: 'was not found: is AWS_REGION the deployment’s region?',
  AccessDeniedException: 'may not be invoked by these credentials: the operator role needs lambda:InvokeFunction on it',
  AccessDenied: 'may not be invoked by these credentials: the operator role needs lambda:InvokeFunction on it',
  TooManyRequestsException: 'is busy (every reserved execution is sweeping): try again in a minute',
};

/**
 * One RequestResponse Invoke of the deployment's refresher function with `payload`: its answer as JSON, or a
 * REFRESHER_INVOKE_FAILED naming why it could not be had (`what` ends the message: what did not happen).
 */
async function invokeDeployment(
  ctx: CommandContext,
  functionName: string,
  payload: unknown,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  ctx.deps.lambdaClient ??= new LambdaClient({});
  let out: InvokeCommandOutput;
  try {
    out = await ctx.deps.lambdaClient.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
  } catch (err) {
    const name = (err as Error)?.name ?? 'Error';
    throw new DeploymentError(
      'REFRESHER_INVOKE_FAILED',
      `the deployment's refresher function ${functionName} ${HINTS[name] ?? `could not be invoked (${name}: ${scrub(String((err as Error)?.message ?? err))})`}; ${what}`,
    );
  }
  const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
  const answer = safeJson(text);
  if (out.FunctionError) {
    const type = typeof answer?.errorType === 'string' ? answer.errorType : out.FunctionError;
    const message = typeof answer?.errorMessage === 'string' ? `: ${scrub(answer.errorMessage)}` : '';
    throw new DeploymentError(
      'REFRESHER_INVOKE_FAILED',
      `the deployment's refresher function ${functionName} failed (${type}${message}); see its log group`,
    );
  }
  // The refresher's own refusal of the event (INVALID_EVENT): a CLI and a deployment of different versions.
  const error =
    answer?.ok === undefined ? (answer?.error as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (error) {
    throw new DeploymentError(
      'REFRESHER_INVOKE_FAILED',
      `the deployment's refresher function ${functionName} refused the invocation: ${String(error.code)}: ` +
        scrub(String(error.message)),
    );
  }
  return answer;
}

export async function invokeRefresher(
  ctx: CommandContext,
  functionName: string,
  orgId: string,
): Promise<RefreshAnswer> {
  const answer = await invokeDeployment(ctx, functionName, { orgIds: [orgId] }, `org ${orgId} was not refreshed`);
  const outcomes = Array.isArray(answer?.outcomes) ? (answer.outcomes as Record<string, unknown>[]) : [];
  const mine = outcomes.find((o) => o?.orgId === orgId);
  if (!mine || !['refreshed', 'skipped', 'failed'].includes(String(mine.result))) return { result: 'unknown' };
  return {
    result: mine.result as RefreshAnswer['result'],
    ...(typeof mine.reason === 'string' ? { reason: mine.reason } : {}),
    ...(typeof mine.code === 'string' ? { code: mine.code } : {}),
  };
}

/** What the deployment answered `tenants remove`: the removal answer, or its refusal by code. */
export type RemoveAnswer =
  | {
      ok: true;
      orgId: string;
      status: 'REMOVED';
      alreadyRemoved: boolean;
      removedAt?: string;
      revocation?: Record<string, string>;
      secretsHeld: false;
    }
  | { ok: false; orgId?: string; error: { code: string; message: string; retryAfterSeconds?: number } };

/** `tenants remove`: the deployment's refresher function offboards the org with its own settings and secrets. */
export async function invokeRemoval(ctx: CommandContext, functionName: string, orgId: string): Promise<RemoveAnswer> {
  const answer = await invokeDeployment(ctx, functionName, { remove: { orgId } }, `org ${orgId} was not removed`);
  const removal = (answer?.mode === 'remove' ? answer.answer : undefined) as RemoveAnswer | undefined;
  if (removal === undefined || typeof removal.ok !== 'boolean') {
    throw new DeploymentError(
      'REFRESHER_INVOKE_FAILED',
      `the deployment's refresher function ${functionName} does not offboard orgs (an earlier version?): deploy ` +
        `this version; org ${orgId} was not removed`,
    );
  }
  return removal;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
