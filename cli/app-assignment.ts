// The hosted app an operator assigns an org to (`tenants add --app`, an import line's `app`): a valid app name and a
// declared app whose org-id namespace holds the org id (lambdas/core/hosted-apps.ts appAssignmentProblem). The
// declarations are the deployment's own, from its descriptor (cli/deployment.ts): the operator's shell says nothing
// about them. Before the deployment is read (a dry run, a typo found offline) only the name is checked.
import { appAssignmentProblem, type HostedApp } from '../lambdas/core/hosted-apps.js';
import { APP_NAME_PATTERN, APP_NAME_RULE } from '../lambdas/core/record.js';

/** What is wrong with assigning `app` to `orgId` (completes "app …"), or undefined; `apps` undefined: name only. */
export function appProblem(app: unknown, orgId: string, apps: readonly HostedApp[] | undefined): string | undefined {
  if (typeof app !== 'string' || !APP_NAME_PATTERN.test(app)) return `must be ${APP_NAME_RULE}`;
  return apps === undefined ? undefined : appAssignmentProblem(apps, app, orgId);
}
