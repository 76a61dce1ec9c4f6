// Hosted apps on any function they invoke (the grant intake; any later one): one Lambda alias per app, `app-<name>`,
// on $LATEST, and an invoke grant on that alias's ARN only. A permission on an alias ARN allows invoking through that
// alias only — not the unqualified function, not a version, not another alias (AWS Lambda Developer Guide, "Using
// Lambda aliases in event sources and permissions policies"; "Fine-tuning the Resources and Conditions sections of
// policies") — and Lambda hands the invoked ARN, qualifier included, to the handler (context.invokedFunctionArn), so
// the function knows which app called from AWS alone (lambdas/hosted-app-caller.ts). CDK's `grantInvoke` would
// grant the unqualified ARN and `:*` too, which is why the statement is written here.
import { Fn } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { aliasNameOf, type HostedApp } from '../../lambdas/core/hosted-apps.js';
import { HOSTED_APPS_VARIABLE } from '../../lambdas/hosted-app-caller.js';
import { InvalidDeploymentError } from '../invalid-deployment-error.js';

/** Hosted app declarations the stack refuses (every problem listed; `cdk synth` prints them without a trace). */
export class HostedAppsError extends InvalidDeploymentError {
  override readonly name = 'HostedAppsError';
  constructor(problems: string[]) {
    super('Hosted apps rejected at synth (stack props apps, or context key apps)', problems);
  }
}

/** What an app's role may do with a function it invokes: invoke it through its own alias, nothing else. */
export const APP_INVOKE_ACTIONS = ['lambda:InvokeFunction'] as const;

/** Lambda's limit on a function's environment variables, keys and values together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** `genesys-premium` → `GenesysPremium`: an app's part of construct ids and output names (names are unique). */
export function pascalOf(appName: string): string {
  return appName
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The variable a function serving apps reads at cold start (HOSTED_APPS): the declarations, compact. Empty when no
 * apps are declared, so a deployment without apps keeps today's environment.
 */
export function hostedAppsEnvironment(apps: readonly HostedApp[]): Record<string, string> {
  return apps.length > 0 ? { [HOSTED_APPS_VARIABLE]: JSON.stringify(apps) } : {};
}

/**
 * Lambda refuses a deployment whose environment exceeds 4 KB; say so at synth, naming the apps' share. Values CDK
 * resolves at deploy time (the table name) are counted at 255 bytes, a DynamoDB table name's longest.
 */
export function environmentSizeProblems(environment: Record<string, string>): string[] {
  const size = Object.entries(environment).reduce(
    (sum, [key, value]) => sum + key.length + (value.includes('${Token[') ? 255 : Buffer.byteLength(value)),
    0,
  );
  if (size <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
  const apps = environment[HOSTED_APPS_VARIABLE]?.length ?? 0;
  return [
    `the function's environment would be about ${size} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}: the ` +
      `hosted app declarations take ${apps}; declare fewer shared clients or token hosts per app`,
  ];
}

export interface HostedAppAliasesProps {
  fn: lambda.IFunction;
  apps: readonly HostedApp[];
}

export class HostedAppAliases extends Construct {
  readonly #fn: lambda.IFunction;
  readonly #aliases = new Map<string, lambda.Alias>();

  constructor(scope: Construct, id: string, props: HostedAppAliasesProps) {
    super(scope, id);
    this.#fn = props.fn;
    for (const app of props.apps) {
      this.#aliases.set(
        app.name,
        new lambda.Alias(this, pascalOf(app.name), {
          aliasName: aliasNameOf(app.name),
          // $LATEST: the alias always runs the function as deployed, with no version to publish per change.
          version: props.fn.latestVersion,
          description: `Hosted app ${app.name}: its identity when it invokes this function`,
        }),
      );
    }
  }

  /** The app's alias (it must be declared). */
  aliasOf(appName: string): lambda.Alias {
    const alias = this.#aliases.get(appName);
    if (!alias) throw new Error(`no hosted app ${appName} on ${this.node.path}`);
    return alias;
  }

  /** The name the app invokes: `FUNCTION:app-<name>` (what its client takes as the function name). */
  functionNameOf(appName: string): string {
    return Fn.join(':', [this.#fn.functionName, this.aliasOf(appName).aliasName]);
  }

  /** InvokeFunction on the app's alias ARN, and on nothing else. */
  invokeStatement(appName: string): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: [...APP_INVOKE_ACTIONS],
      resources: [this.aliasOf(appName).functionArn],
    });
  }

  /** Lets a role (in this stack) invoke the function as this app. */
  grantInvoke(appName: string, grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...APP_INVOKE_ACTIONS],
      resourceArns: [this.aliasOf(appName).functionArn],
    });
  }
}
