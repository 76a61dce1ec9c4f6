// Synthesizes the app the way `npx cdk synth` does (buildApp, cdk-nag on), with cdk.json's context, because
// `new App()` in a test does not read cdk.json. Bundling is skipped unless a test asks for it (bundling.test.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../cdk/build-app.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';

/**
 * Synthesized CloudFormation is JSON without a static type; the tests walk it and assert on the values they reach.
 */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type, and every use is asserted on
export type Cfn = any;

export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

export function testContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...extra };
}

export function synthStack(extra: Record<string, unknown> = {}) {
  const { app, stack } = buildApp({ context: testContext(extra) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The CloudFormation resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, Cfn> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, Cfn> }>;
}

/** The single resource of a type (fails loudly when there are none or several). */
export function onlyResource(template: Template, type: string): { Properties: Record<string, Cfn>; [k: string]: Cfn } {
  const all = Object.values(resourcesOf(template, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0] as { Properties: Record<string, Cfn> };
}

/** Every IAM statement in the template's policies, with the logical id of the policy holding it. */
export function policyStatements(template: Template): Array<{ policy: string; statement: Record<string, Cfn> }> {
  const out: Array<{ policy: string; statement: Record<string, Cfn> }> = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, res] of Object.entries(resourcesOf(template, type))) {
      for (const statement of res.Properties.PolicyDocument.Statement) out.push({ policy: id, statement });
    }
  }
  return out;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** The logical id of the one resource of a type whose id starts with `prefix` (e.g. `RefresherFunction`). */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  return resourceNamed(template, type, prefix).id;
}

/** The one resource of a type whose logical id starts with `prefix`: the refresher's, not the grant intake's. */
export function resourceOf(
  template: Template,
  type: string,
  prefix: string,
): { Properties: Record<string, Cfn>; [k: string]: Cfn } {
  return resourceNamed(template, type, prefix);
}

/** The one resource of a type whose logical id starts with `prefix` (e.g. `RefresherFunction`, `PlannerFunction`). */
export function resourceNamed(
  template: Template,
  type: string,
  prefix: string,
): { id: string; Properties: Record<string, Cfn>; [k: string]: Cfn } {
  const found = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}…, found ${found.length}`);
  const [id, res] = found[0] as [string, { Properties: Record<string, Cfn> }];
  return { id, ...res };
}
