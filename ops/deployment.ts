// What the simulation deploys: everything is read from the synthesized template (cdk.out/<stack>.template.json), the
// same file `cdk deploy` uploads — the alarms, the dashboard, the refresher's environment and timeout, its schedule,
// its asynchronous-invocation settings and failure queue. A stale or missing cdk.out is synthesized first with
// `npx cdk synth -q`, exactly as CI does.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AlarmDefinition, alarmDefinitions } from './cloudwatch/alarm-definitions.js';
import { type DashboardWidget, dashboardWidgets } from './cloudwatch/dashboard.js';
import {
  type Cfn,
  getAttToken,
  refToken,
  resolveValue,
  resourcesOfType,
  TemplateError,
} from './cloudwatch/intrinsics.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STACK_NAME = 'TenantTokenRefresher';

export interface RefresherDeployment {
  stackName: string;
  templatePath: string;
  alarms: AlarmDefinition[];
  dashboard: DashboardWidget[];
  fn: {
    logicalId: string;
    /** The FunctionName dimension of its AWS/Lambda metrics (a token standing for the deployed name). */
    nameToken: string;
    /** Its environment with the table reference left as a token (the simulation points it at its own table). */
    environment: Record<string, string>;
    timeoutSeconds: number;
    reservedConcurrency: number | undefined;
  };
  schedule: { ruleLogicalId: string; periodSeconds: number; enabled: boolean };
  asyncInvoke: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  failureQueue: { logicalId: string; nameToken: string };
  /** The grant intake hosted apps invoke (the stack output GrantIntakeFunctionName), when the stack has one. */
  intake:
    | { logicalId: string; nameToken: string; timeoutSeconds: number; environment: Record<string, string> }
    | undefined;
}

/** The function a stack output names (`{"Ref": …}`), if the output and the function exist. */
function outputFunction(template: Cfn, outputName: string) {
  const value = template?.Outputs?.[outputName]?.Value;
  const logicalId = value ? /^ref:(.+)$/.exec(resolveValue(value))?.[1] : undefined;
  const resource = logicalId ? template.Resources?.[logicalId] : undefined;
  if (!logicalId || resource?.Type !== 'AWS::Lambda::Function') return undefined;
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(resource.Properties.Environment?.Variables ?? {}))
    environment[k] = resolveValue(v);
  return {
    logicalId,
    nameToken: refToken(logicalId),
    timeoutSeconds: Number(resource.Properties.Timeout ?? 3),
    environment,
  };
}

/** `rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)` in seconds. */
export function rateSeconds(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new TemplateError(`schedule ${expression} is not a rate() the simulation understands`);
  const unit = m[2]?.startsWith('minute') ? 60 : m[2]?.startsWith('hour') ? 3600 : 86_400;
  return Number(m[1]) * unit;
}

export function readDeployment(template: Cfn, stackName: string, templatePath = ''): RefresherDeployment {
  // The refresher is the function the schedule invokes.
  const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties?.ScheduleExpression);
  if (rules.length !== 1) throw new TemplateError(`expected one scheduled rule, found ${rules.length}`);
  const [ruleLogicalId, rule] = rules[0] as [string, Cfn];
  const target = resolveValue(rule.Properties.Targets?.[0]?.Arn);
  const fnLogicalId = /^getatt:(.+)\.Arn$/.exec(target)?.[1];
  const fnResource = fnLogicalId ? template.Resources[fnLogicalId] : undefined;
  if (!fnLogicalId || fnResource?.Type !== 'AWS::Lambda::Function') {
    throw new TemplateError(`the schedule's target ${target} is not a Lambda function of this stack`);
  }
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(fnResource.Properties.Environment?.Variables ?? {})) {
    environment[k] = resolveValue(v);
  }
  const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
    ([, r]) => resolveValue(r.Properties.FunctionName) === refToken(fnLogicalId),
  );
  const invoke = configs[0]?.[1]?.Properties ?? {};
  const destination = invoke.DestinationConfig?.OnFailure?.Destination;
  const queueLogicalId = destination ? /^getatt:(.+)\.Arn$/.exec(resolveValue(destination))?.[1] : undefined;
  if (!queueLogicalId) throw new TemplateError('the refresher has no on-failure destination queue');
  return {
    stackName,
    templatePath,
    alarms: alarmDefinitions(template, stackName),
    dashboard: dashboardWidgets(template),
    fn: {
      logicalId: fnLogicalId,
      nameToken: refToken(fnLogicalId),
      environment,
      timeoutSeconds: Number(fnResource.Properties.Timeout ?? 3),
      reservedConcurrency:
        fnResource.Properties.ReservedConcurrentExecutions === undefined
          ? undefined
          : Number(fnResource.Properties.ReservedConcurrentExecutions),
    },
    schedule: {
      ruleLogicalId,
      periodSeconds: rateSeconds(String(rule.Properties.ScheduleExpression)),
      enabled: (rule.Properties.State ?? 'ENABLED') === 'ENABLED',
    },
    // Lambda's defaults when the function has no EventInvokeConfig: two retries, six hours.
    asyncInvoke: {
      maximumRetryAttempts: Number(invoke.MaximumRetryAttempts ?? 2),
      maximumEventAgeSeconds: Number(invoke.MaximumEventAgeInSeconds ?? 21_600),
    },
    failureQueue: { logicalId: queueLogicalId, nameToken: getAttToken(queueLogicalId, 'QueueName') },
    intake: outputFunction(template, 'GrantIntakeFunctionName'),
  };
}

/** Newest modification time of the files the template is built from. */
function newestSource(): number {
  const roots = ['cdk', 'lambdas', 'cdk.json', 'package-lock.json'];
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const r of roots) if (existsSync(path.join(PROJECT_ROOT, r))) visit(path.join(PROJECT_ROOT, r));
  return newest;
}

/** Reads cdk.out's template, synthesizing it first when it is missing or older than its sources. */
export function loadDeployment(options: { stackName?: string; progress?: (line: string) => void } = {}) {
  const stackName = options.stackName ?? DEFAULT_STACK_NAME;
  const templatePath = path.join(PROJECT_ROOT, 'cdk.out', `${stackName}.template.json`);
  const stale = !existsSync(templatePath) || statSync(templatePath).mtimeMs < newestSource();
  if (stale) {
    options.progress?.(
      `cdk.out is ${existsSync(templatePath) ? 'older than its sources' : 'missing'}: npx cdk synth -q`,
    );
    execFileSync('npx', ['cdk', 'synth', '-q'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const template = JSON.parse(readFileSync(templatePath, 'utf8'));
  return readDeployment(template, stackName, path.relative(PROJECT_ROOT, templatePath));
}
