// Which orgs the calling app may refresh on demand. Identity comes from AWS, never from the payload: the function's
// ARN as invoked (`context.invokedFunctionArn`, whose qualifier names the app's alias once hosted apps are declared
// per app) and the org asked for. One injected function, so the declarations of hosted apps can decide it without the
// on-demand code knowing them: hostedAppOrgAccess below, or every org when no apps are declared (the IAM grant is then
// the whole boundary, as for reads).
import { type HostedApp, mayActOn } from '../core/hosted-apps.js';
import { callerOf } from '../hosted-app-caller.js';

export type OrgAccessVerdict = { decision: 'allow'; reason: string } | { decision: 'deny'; reason: string };

export type OrgAccessCheck = (orgId: string, invokedFunctionArn: string) => OrgAccessVerdict;

/** The default: whoever may invoke the function may refresh any org (no hosted apps declared). */
export const allowEveryOrg: OrgAccessCheck = () => ({ decision: 'allow', reason: 'NO_APPS_DECLARED' });

/**
 * With hosted apps declared (HOSTED_APPS), the app is the alias it invoked (lambdas/hosted-app-caller.ts) and it may
 * refresh the orgs of its own namespace: exactly the orgs its reader grant can read (`dynamodb:LeadingKeys`), since the
 * answer is what that grant would read. Decided by the org id alone, so a refusal says nothing of whether the org
 * exists. No apps declared: every org.
 */
export function hostedAppOrgAccess(apps: readonly HostedApp[]): OrgAccessCheck {
  if (apps.length === 0) return allowEveryOrg;
  return (orgId, invokedFunctionArn) => {
    const caller = callerOf(apps, { invokedFunctionArn });
    if (!caller.ok) return { decision: 'deny', reason: 'APP_UNKNOWN' };
    if (caller.implicit) return { decision: 'allow', reason: 'NO_APPS_DECLARED' };
    return mayActOn(apps, caller.app, orgId, undefined)
      ? { decision: 'allow', reason: 'OWN_NAMESPACE' }
      : { decision: 'deny', reason: 'OUTSIDE_NAMESPACE' };
  };
}
