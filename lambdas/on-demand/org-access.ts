// Which orgs the calling app may refresh on demand. Identity comes from AWS, never from the payload: the function's
// ARN as invoked (`context.invokedFunctionArn`, whose qualifier names the app's alias once hosted apps are declared
// per app) and the org asked for. One injected function, so the declarations of hosted apps can decide it without the
// on-demand code knowing them; until then every org is allowed (the IAM grant is the whole boundary, as for reads).

export type OrgAccessVerdict = { decision: 'allow'; reason: string } | { decision: 'deny'; reason: string };

export type OrgAccessCheck = (orgId: string, invokedFunctionArn: string) => OrgAccessVerdict;

/** The default: whoever may invoke the function may refresh any org (no hosted apps declared). */
export const allowEveryOrg: OrgAccessCheck = () => ({ decision: 'allow', reason: 'NO_APPS_DECLARED' });
