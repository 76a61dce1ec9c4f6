// Builds the CDK app from its context: the same path for `cdk synth`/`cdk deploy` (context from cdk.json and -c) and
// for the tests (context passed in), with cdk-nag's AwsSolutions checks on, so a finding fails both.
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployContext } from './deploy-context.js';
import { TenantTokenRefresherStack } from './tenant-token-refresher-stack.js';

export function buildApp(props: AppProps = {}): { app: App; stack: TenantTokenRefresherStack } {
  const app = new App(props);
  const { stackName, props: stackProps } = readDeployContext(app.node.getAllContext());
  const stack = new TenantTokenRefresherStack(app, stackName, stackProps);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
