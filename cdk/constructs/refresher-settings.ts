// The refresher's settings checked at synth by the rules the handler applies at cold start (lambdas/config.ts): a
// deployment the handler would refuse never gets deployed. The settings type and the environment builder are the
// handler's own (lambdas/refresher-settings.ts).
import { Token } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../../lambdas/config.js';
import { LOCAL_ONLY_VARIABLES } from '../../lambdas/refresher-settings.js';
import { InvalidDeploymentError } from '../invalid-deployment-error.js';

export class RefresherSettingsError extends InvalidDeploymentError {
  override readonly name = 'RefresherSettingsError';
  constructor(problems: string[]) {
    super(
      'Refresher settings rejected at synth (the handler would refuse them at cold start; context key ' +
        'refreshWindowSeconds sets REFRESH_WINDOW_SECONDS, and so on)',
      problems,
    );
  }
}

/**
 * Runs the handler's own configuration check (zod schema + timingProblems) on the environment the stack would set.
 * The table name is a deploy-time token here, so a stand-in that passes the name rule is checked instead.
 */
export function refresherEnvironmentProblems(env: Record<string, string>, serviceName: string): string[] {
  const problems: string[] = [];
  for (const name of LOCAL_ONLY_VARIABLES) {
    if (name in env) problems.push(`${name} is for local mode only and is never set in a deployed stack`);
  }
  if (!/^[A-Za-z0-9_.-]{1,255}$/.test(serviceName)) {
    problems.push(`serviceName (${serviceName}) must be 1-255 of A-Z a-z 0-9 _ . - (it becomes a metric dimension)`);
  }
  const tableName = env.TABLE_NAME;
  const checked = {
    ...env,
    TABLE_NAME: tableName === undefined || Token.isUnresolved(tableName) ? 'synth-check' : tableName,
  };
  try {
    loadConfig(checked);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  return problems;
}
