// The hosted apps' side of a Region's refresher (docs/hosted-apps.md#several-apps): the declarations validated at
// synth, and the managed policies and outputs each app attaches — one set for every org when no app is declared (the
// implicit app), or per declared app one set covering its own orgs only. Every Region of a multi-Region deployment
// builds its own (each Region's policies name that Region's replica and functions).
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  appGrantProblems,
  type HostedApp,
  type HostedAppInput,
  parseHostedApps,
  readerKeyPatterns,
} from '../lambdas/core/hosted-apps.js';
import type { GrantIntakeFunction } from './constructs/grant-intake-function.js';
import { HostedAppsError, pascalOf } from './constructs/hosted-app-aliases.js';
import type { OnDemandRefreshFunction } from './constructs/on-demand-refresh-function.js';
import type { TokenTableAccess } from './constructs/token-table-access.js';

/** A hosted app as the stack declares it: the core's declaration, and optionally its role. */
export interface HostedAppProps extends HostedAppInput {
  /** The app's IAM role (in this account): its reader and intake policies are attached to it. */
  role?: iam.IRole;
  /** The same by ARN (deploy context). */
  roleArn?: string;
}

/** One declared app's managed policies (attach them to its role, or let the stack do it). */
export interface HostedAppPolicies {
  reader: iam.ManagedPolicy;
  intake: iam.ManagedPolicy;
  onDemand: iam.ManagedPolicy;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Validates the declarations (each app, across apps, against the deployment's grants); every problem at once. */
export function declaredApps(
  props: readonly HostedAppProps[] | undefined,
  deployment: { secretPrefix: string; allowedTokenHosts: readonly string[] },
): HostedApp[] {
  if (props === undefined) return [];
  if (!Array.isArray(props)) throw new HostedAppsError(['apps must be a list of apps']);
  const problems: string[] = [];
  if (props.length === 0) problems.push('apps is empty: leave it out for one implicit app, or declare at least one');
  for (const p of props) {
    if (p.roleArn !== undefined && !ROLE_ARN.test(p.roleArn)) {
      problems.push(`app ${String(p.name)} roleArn must be an IAM role ARN`);
    }
    if (p.roleArn !== undefined && p.role !== undefined) problems.push(`app ${p.name}: give role or roleArn, not both`);
  }
  const parsed = parseHostedApps(props.map(({ role: _role, roleArn: _arn, ...declaration }) => declaration));
  if (!parsed.ok) problems.push(...parsed.problems);
  else problems.push(...appGrantProblems(parsed.apps, deployment));
  if (problems.length > 0 || !parsed.ok) throw new HostedAppsError(problems);
  return parsed.apps;
}

/** What the apps' policies are made of, in one Region. */
export interface AppAccessParts {
  stack: Stack;
  table: TokenTableAccess;
  intake: GrantIntakeFunction;
  onDemand: OnDemandRefreshFunction;
  apps: readonly HostedApp[];
}

/** No apps declared: one implicit app, every org (the deployment as it was before hosted apps were declared). */
export function implicitAppAccess({ stack, table, intake, onDemand }: AppAccessParts): void {
  const readerPolicy = table.accessTokenReaderPolicy(stack, 'AccessTokenReaderPolicy');
  const intakePolicy = intake.intakePolicy(stack, 'GrantIntakePolicy');
  const onDemandPolicy = onDemand.refreshNowPolicy(stack, 'OnDemandRefreshPolicy');
  new CfnOutput(stack, 'AccessTokenReaderPolicyArn', {
    value: readerPolicy.managedPolicyArn,
    description: 'Attach to a hosted app role: reads access tokens, never refresh tokens',
  });
  new CfnOutput(stack, 'GrantIntakePolicyArn', {
    value: intakePolicy.managedPolicyArn,
    description: 'Attach to a hosted app role: invoke the grant intake, nothing else',
  });
  new CfnOutput(stack, 'OnDemandRefreshPolicyArn', {
    value: onDemandPolicy.managedPolicyArn,
    description: 'Attach to a hosted app role: invoke the on-demand refresh, nothing else',
  });
}

/**
 * Per declared app: a reader policy over its namespace only, intake and on-demand policies on its aliases only, all
 * attached to its role when one is given, and its outputs. No policy covering every org is made: nothing to attach by
 * mistake.
 */
export function hostedAppAccess(
  { stack, table, intake, onDemand, apps }: AppAccessParts,
  props: readonly HostedAppProps[],
): Map<string, HostedAppPolicies> {
  const aliases = intake.appAliases;
  const onDemandAliases = onDemand.appAliases;
  if (!aliases || !onDemandAliases) throw new Error('hosted apps declared but a function has no aliases');
  const policies = new Map<string, HostedAppPolicies>();
  for (const app of apps) {
    const p = pascalOf(app.name);
    const patterns = readerKeyPatterns(apps, app);
    const reader = table.accessTokenReaderPolicy(stack, `App${p}ReaderPolicy`, {
      ...(patterns ? { orgIdPatterns: patterns } : {}),
    });
    const intakePolicy = new iam.ManagedPolicy(stack, `App${p}IntakePolicy`, {
      description: `Hosted app ${app.name}: hand grants over to the grant intake through its own alias, nothing else`,
      statements: [aliases.invokeStatement(app.name)],
    });
    const onDemandPolicy = new iam.ManagedPolicy(stack, `App${p}OnDemandPolicy`, {
      description: `Hosted app ${app.name}: refresh its own orgs on demand through its own alias, nothing else`,
      statements: [onDemandAliases.invokeStatement(app.name)],
    });
    const declared = props.find((d) => d.name === app.name);
    const role =
      declared?.role ??
      (declared?.roleArn
        ? iam.Role.fromRoleArn(stack, `App${p}Role`, declared.roleArn, { mutable: false })
        : undefined);
    if (role) {
      reader.attachToRole(role);
      intakePolicy.attachToRole(role);
      onDemandPolicy.attachToRole(role);
    }
    new CfnOutput(stack, `App${p}IntakeFunctionName`, {
      value: aliases.functionNameOf(app.name),
      description: `Hosted app ${app.name} hands grants over to this (its alias: its identity)`,
    });
    new CfnOutput(stack, `App${p}ReaderPolicyArn`, {
      value: reader.managedPolicyArn,
      description: `Hosted app ${app.name}: read access tokens and status of its own orgs only`,
    });
    new CfnOutput(stack, `App${p}IntakePolicyArn`, {
      value: intakePolicy.managedPolicyArn,
      description: `Hosted app ${app.name}: invoke the grant intake through its alias only`,
    });
    new CfnOutput(stack, `App${p}OnDemandFunctionName`, {
      value: onDemandAliases.functionNameOf(app.name),
      description: `Hosted app ${app.name} asks for fresh tokens of its own orgs here (its alias: its identity)`,
    });
    new CfnOutput(stack, `App${p}OnDemandPolicyArn`, {
      value: onDemandPolicy.managedPolicyArn,
      description: `Hosted app ${app.name}: invoke the on-demand refresh through its alias only`,
    });
    policies.set(app.name, { reader, intake: intakePolicy, onDemand: onDemandPolicy });
  }
  return policies;
}
