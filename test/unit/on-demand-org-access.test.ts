// Which orgs an app may refresh on demand (lambdas/on-demand/org-access.ts): with hosted apps declared, the app is the
// alias it invoked and it may refresh the org ids of its own namespace only — what its reader grant may read; with
// none declared, every org. Decided by the org id and the invoked ARN alone: a refusal cannot depend on a record.
import { describe, expect, it } from 'vitest';
import { parseHostedApps } from '../../lambdas/core/hosted-apps.js';
import { allowEveryOrg, hostedAppOrgAccess } from '../../lambdas/on-demand/org-access.js';

const parsed = parseHostedApps([
  { name: 'genesys', orgIdPrefix: 'gc-' },
  { name: 'zendesk', orgIdPrefix: 'zd-' },
  { name: 'bot' },
]);
if (!parsed.ok) throw new Error(parsed.problems.join('; '));
const apps = parsed.apps;
const arn = (qualifier?: string) =>
  `arn:aws:lambda:eu-west-1:123456789012:function:on-demand${qualifier === undefined ? '' : `:${qualifier}`}`;

describe('Function: hostedAppOrgAccess', () => {
  it('no apps declared: every org, whatever was invoked', () => {
    expect(hostedAppOrgAccess([])).toBe(allowEveryOrg);
  });

  it.each([
    ['app-genesys', 'gc-acme', 'allow', 'OWN_NAMESPACE'],
    ['app-genesys', 'zd-acme', 'deny', 'OUTSIDE_NAMESPACE'],
    ['app-genesys', 'acme', 'deny', 'OUTSIDE_NAMESPACE'],
    ['app-zendesk', 'zd-acme', 'allow', 'OWN_NAMESPACE'],
    ['app-zendesk', 'gc-acme', 'deny', 'OUTSIDE_NAMESPACE'],
    // The default app owns every id outside the others' namespaces, and none inside them.
    ['app-bot', 'acme', 'allow', 'OWN_NAMESPACE'],
    ['app-bot', 'gc-acme', 'deny', 'OUTSIDE_NAMESPACE'],
    // With apps declared, the unqualified function, a version or an unknown alias is nobody.
    [undefined, 'acme', 'deny', 'APP_UNKNOWN'],
    ['7', 'acme', 'deny', 'APP_UNKNOWN'],
    ['app-other', 'acme', 'deny', 'APP_UNKNOWN'],
  ])('invoked through %s, org %s: %s (%s)', (qualifier, orgId, decision, reason) => {
    expect(hostedAppOrgAccess(apps)(orgId, arn(qualifier))).toEqual({ decision, reason });
  });
});
