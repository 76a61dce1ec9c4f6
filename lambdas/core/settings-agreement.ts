// Does the operator's environment agree with the deployment? The CLI's writes take the deployment's settings
// (core/deployment-descriptor.ts); an operator who set one of them in their shell meant something by it, so a value
// that differs is not overridden silently but refused, naming both (docs/design.md, "The CLI acts with the
// deployment's settings"). Unset means "the deployment's". Pure: the CLI parses the environment, this decides.
import type { DeploymentSettings } from './deployment-descriptor.js';
import { normaliseHosts } from './deployment-descriptor.js';

/** The deployment settings an operator's environment may carry, parsed; undefined = not set there. */
export interface OperatorSettings {
  shardCount?: number | undefined;
  allowedTokenHosts?: readonly string[] | undefined;
  allowLoopbackHttp?: boolean | undefined;
  eventBusName?: string | undefined;
}

export interface SettingsConflict {
  variable: 'SHARD_COUNT' | 'ALLOWED_TOKEN_HOSTS' | 'ALLOW_LOOPBACK_HTTP' | 'EVENT_BUS_NAME';
  /** Both values as the environment spells them ("(none)" for an empty list or no bus). */
  operator: string;
  deployment: string;
}

export type SettingsAgreement =
  | { decision: 'use-deployment'; reason: 'AGREE' | 'UNSET'; settings: DeploymentSettings }
  | { decision: 'refuse'; reason: 'SETTINGS_DISAGREE'; conflicts: SettingsConflict[] };

const list = (hosts: readonly string[]) => (hosts.length === 0 ? '(none)' : hosts.join(','));

export function agreeWithDeployment(deployment: DeploymentSettings, operator: OperatorSettings): SettingsAgreement {
  const conflicts: SettingsConflict[] = [];
  let anySet = false;
  const compare = (variable: SettingsConflict['variable'], mine: string | undefined, theirs: string) => {
    if (mine === undefined) return;
    anySet = true;
    if (mine !== theirs) conflicts.push({ variable, operator: mine, deployment: theirs });
  };
  compare('SHARD_COUNT', operator.shardCount?.toString(), String(deployment.shardCount));
  compare(
    'ALLOWED_TOKEN_HOSTS',
    operator.allowedTokenHosts && list(normaliseHosts(operator.allowedTokenHosts)),
    list(normaliseHosts(deployment.allowedTokenHosts)),
  );
  compare('ALLOW_LOOPBACK_HTTP', operator.allowLoopbackHttp?.toString(), String(deployment.allowLoopbackHttp));
  compare('EVENT_BUS_NAME', operator.eventBusName, deployment.eventBusName ?? '(none)');
  if (conflicts.length > 0) return { decision: 'refuse', reason: 'SETTINGS_DISAGREE', conflicts };
  return { decision: 'use-deployment', reason: anySet ? 'AGREE' : 'UNSET', settings: deployment };
}
