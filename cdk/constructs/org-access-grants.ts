// The grants a function that refreshes orgs needs beyond the table, shared by the refresher and the grant intake
// (which refreshes a handed-over org at once with the refresher's own code): the orgs' OAuth client secrets under one
// name prefix, and org events on the default bus with the refresher's own source.
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EVENT_SOURCE } from '../../lambdas/events.js';

/**
 * GetSecretValue under `prefix` (each org's client secret is named in its record, added at run time: the prefix is
 * the boundary, not a list), Decrypt through Secrets Manager for customer-managed keys, and the cdk-nag
 * acknowledgement of the wildcard with `why` this role needs it.
 */
export function grantOrgClientSecrets(role: iam.Role, prefix: string, keyArns: readonly string[], why: string): void {
  const stack = Stack.of(role);
  const underPrefix = stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [underPrefix] }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(stack, underPrefix)}]`,
    reason: `${why}; the wildcard is confined to the "${prefix}" name prefix, ending in "/" so no sibling prefix matches`,
  });
  if (keyArns.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [...keyArns],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
  }
}

/** Org events on the default bus, and only with the refresher's own source. */
export function grantOrgEvents(role: iam.Role): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [Stack.of(role).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      conditions: { StringEquals: { 'events:source': EVENT_SOURCE } },
    }),
  );
}

/** cdk-nag's rendering of an ARN in finding ids: pseudo parameters as `<AWS::Region>` (env-agnostic stacks). */
function nagArn(stack: Stack, arn: string): string {
  const resolved: unknown = stack.resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const parts = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join('');
}
