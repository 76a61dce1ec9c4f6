// Builds the CDK app from its context: the same path for `cdk synth`/`cdk deploy` (context from cdk.json and -c) and
// for the tests (context passed in), with cdk-nag's AwsSolutions checks on, so a finding fails both. The context
// chooses the deployment: one Region (the default: one stack), or several on one global table (`-c regions=a,b,c`,
// docs/regions.md).
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployContext } from './deploy-context.js';
import { addMultiRegionStacks, type MultiRegionStacks } from './multi-region.js';
import { multiRegionPlan } from './multi-region-plan.js';
import { TenantTokenRefresherStack } from './tenant-token-refresher-stack.js';

export interface Deployment {
  app: App;
  /** The one-Region stack, unless the context asks for several Regions. */
  stack: TenantTokenRefresherStack | undefined;
  multiRegion: MultiRegionStacks | undefined;
}

/** The app for whatever the context asks: one Region, or a multi-Region deployment (refused at synth if unsafe). */
export function buildDeployment(props: AppProps = {}): Deployment {
  const app = new App(props);
  const { stackName, props: stackProps, multiRegion } = readDeployContext(app.node.getAllContext());
  let stack: TenantTokenRefresherStack | undefined;
  let stacks: MultiRegionStacks | undefined;
  if (multiRegion) {
    const { tableName, ...resources } = stackProps;
    stacks = addMultiRegionStacks(app, {
      ...resources,
      stackName,
      plan: multiRegionPlan(multiRegion),
      ...(tableName ? { tableName } : {}),
    });
  } else {
    stack = new TenantTokenRefresherStack(app, stackName, stackProps);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, multiRegion: stacks };
}

/** The one-Region app (the default deployment), as the tests build it. */
export function buildApp(props: AppProps = {}): { app: App; stack: TenantTokenRefresherStack } {
  const { app, stack } = buildDeployment(props);
  if (!stack) throw new Error('buildApp: the context asks for several Regions; use buildDeployment');
  return { app, stack };
}
