// Two hosted apps in one table, as the TypeScript and Python cross-app tests deploy them: `alpha` owns org ids
// starting with "alpha-", may bind the shared `basic` client and the loopback token host; `beta` owns "beta-", may
// bind the `cc` client and, besides loopback, a token host `localhost` alpha was not granted. The intake runs with
// these declarations (HOSTED_APPS) behind the Lambda stand-in with one alias per app, as the stack deploys it.
import type { HostedAppInput } from '../../lambdas/core/hosted-apps.js';
import { aliasNameOf } from '../../lambdas/core/hosted-apps.js';
import { HOSTED_APPS_VARIABLE } from '../../lambdas/hosted-app-caller.js';
import type { RuntimeOverrides } from '../../lambdas/refresher/runtime.js';
import { type IntakeStandInOptions, startIntakeStandIn } from '../../local/intake-stand-in.js';
import type { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import { CLIENTS, secretIdFor } from './harness.js';

export const APPS_INTAKE_FUNCTION = 'grant-intake-apps';

export const TWO_APPS: HostedAppInput[] = [
  {
    name: 'alpha',
    orgIdPrefix: 'alpha-',
    clientSecretIds: [secretIdFor(CLIENTS.basic.clientId)],
    tokenHosts: ['127.0.0.1'],
  },
  {
    name: 'beta',
    orgIdPrefix: 'beta-',
    clientSecretIds: [secretIdFor(CLIENTS.cc.clientId)],
    tokenHosts: ['127.0.0.1', 'localhost'],
  },
];

/** The function name each app invokes: its own alias (the stack's output App<Name>IntakeFunctionName). */
export const APP_FUNCTION = {
  alpha: `${APPS_INTAKE_FUNCTION}:${aliasNameOf('alpha')}`,
  beta: `${APPS_INTAKE_FUNCTION}:${aliasNameOf('beta')}`,
} as const;

/** The intake's environment with the two apps declared and `localhost` allowed deployment-wide (for beta). */
export function twoAppsEnv(env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    [HOSTED_APPS_VARIABLE]: JSON.stringify(TWO_APPS),
    ALLOWED_TOKEN_HOSTS: `${env.ALLOWED_TOKEN_HOSTS},localhost`,
  };
}

export function startTwoAppsIntake(
  env: Record<string, string>,
  overrides: RuntimeOverrides,
  options: IntakeStandInOptions = {},
): Promise<LambdaInvokeStandIn> {
  return startIntakeStandIn(twoAppsEnv(env), overrides, { functionName: APPS_INTAKE_FUNCTION, ...options });
}
