// Which hosted app invoked a shared function (the grant intake; any function hosted apps invoke): the apps the
// deployment declares (HOSTED_APPS, JSON, validated at cold start) and the qualifier of the ARN the function was
// invoked with (`context.invokedFunctionArn`), which Lambda sets from the caller's request and IAM checked: an app's
// role may invoke its own alias only (cdk/constructs/hosted-app-aliases.ts). Nothing in a payload says who is calling.
import { ConfigError } from './config.js';
import { type CallerResolution, type HostedApp, parseHostedApps, resolveCaller } from './core/hosted-apps.js';

/** The environment variable carrying the declared apps, as the stack sets it (absent: no apps declared). */
export const HOSTED_APPS_VARIABLE = 'HOSTED_APPS';

/** The declared apps, or a ConfigError naming every problem (the function then refuses to start, like bad config). */
export function loadHostedApps(env: Record<string, string | undefined>): HostedApp[] {
  const raw = env[HOSTED_APPS_VARIABLE];
  if (raw === undefined || raw.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError([`${HOSTED_APPS_VARIABLE} is not valid JSON (a list of apps)`]);
  }
  const parsed = parseHostedApps(json);
  if (!parsed.ok) throw new ConfigError(parsed.problems.map((p) => `${HOSTED_APPS_VARIABLE}: ${p}`));
  return parsed.apps;
}

/**
 * The qualifier of an invoked function ARN (`arn:aws:lambda:region:account:function:name:qualifier`): an alias or a
 * version, undefined for an unqualified invocation.
 */
export function invokedQualifier(invokedFunctionArn: string | undefined): string | undefined {
  const parts = (invokedFunctionArn ?? '').split(':');
  return parts[5] === 'function' && parts.length === 8 && parts[7] ? parts[7] : undefined;
}

/** The calling app, resolved from the invocation's context against the declared apps. */
export function callerOf(apps: readonly HostedApp[], context: { invokedFunctionArn?: string }): CallerResolution {
  return resolveCaller(apps, invokedQualifier(context.invokedFunctionArn));
}
