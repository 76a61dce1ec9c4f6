// The hosted app an operator assigns an org to (`tenants add --app`, an import line's `app`): a valid app name and,
// where the deployment's declarations are known here, a declared app whose org-id namespace holds the org id
// (lambdas/core/hosted-apps.ts appAssignmentProblem). The declarations come from HOSTED_APPS — the JSON the stack
// gives the grant intake — until the CLI reads them from the deployment itself; without them only the name is checked.
import { appAssignmentProblem, type HostedApp } from '../lambdas/core/hosted-apps.js';
import { APP_NAME_PATTERN, APP_NAME_RULE } from '../lambdas/core/record.js';
import { HOSTED_APPS_VARIABLE, loadHostedApps } from '../lambdas/hosted-app-caller.js';
import { UsageError } from './args.js';

/** The declared apps, when HOSTED_APPS is set here; undefined when it is not (nothing to check against). */
export function declaredApps(env: Record<string, string | undefined>, help: string): HostedApp[] | undefined {
  if (!env[HOSTED_APPS_VARIABLE]) return undefined;
  try {
    return loadHostedApps(env);
  } catch (err) {
    throw new UsageError((err as Error).message, help);
  }
}

/** What is wrong with assigning `app` to `orgId` (completes "app …"), or undefined. */
export function appProblem(app: unknown, orgId: string, apps: readonly HostedApp[] | undefined): string | undefined {
  if (typeof app !== 'string' || !APP_NAME_PATTERN.test(app)) return `must be ${APP_NAME_RULE}`;
  return apps === undefined ? undefined : appAssignmentProblem(apps, app, orgId);
}

/** The note an operator gets when an app was assigned without the declarations to check it against. */
export const UNCHECKED_APP_NOTE =
  `note: ${HOSTED_APPS_VARIABLE} is not set here, so the app was not checked against the deployment's declared apps ` +
  'and their org-id namespaces; an app acts only on orgs in its own namespace whatever the record says\n';
