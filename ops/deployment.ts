// What the simulation deploys: everything is read from the synthesized template (cdk.out/<stack>.template.json), the
// same file `cdk deploy` uploads — the alarms, the dashboard, the schedule and what it sends, the planner it targets
// and the sweep worker the planner starts (each one's environment, timeout and asynchronous-invocation settings),
// the failure queue. A stale or missing cdk.out is synthesized first with
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

export interface FunctionDeployment {
  logicalId: string;
  /** The FunctionName dimension of its AWS/Lambda metrics (a token standing for the deployed name). */
  nameToken: string;
  /** Its environment with the table reference left as a token (the simulation points it at its own table). */
  environment: Record<string, string>;
  timeoutSeconds: number;
  reservedConcurrency: number | undefined;
  asyncInvoke: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  /** Its on-failure destination queue, if it has one. */
  failureQueueLogicalId: string | undefined;
}

export interface RefresherDeployment {
  stackName: string;
  templatePath: string;
  alarms: AlarmDefinition[];
  dashboard: DashboardWidget[];
  /** The sweep worker: the function that refreshes (the planner starts it; without a planner, the schedule does). */
  fn: FunctionDeployment;
  /**
   * The schedule's target when it is a planner (its environment names the worker in WORKER_FUNCTION_NAME), with the
   * constant input the schedule sends it; undefined when the schedule invokes the refresher itself.
   */
  planner: (FunctionDeployment & { input: unknown }) | undefined;
  schedule: { ruleLogicalId: string; periodSeconds: number; enabled: boolean };
  /** The worker's asynchronous-invocation settings (as `fn.asyncInvoke`). */
  asyncInvoke: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  failureQueue: { logicalId: string; nameToken: string };
  /** The grant intake hosted apps invoke (the stack output GrantIntakeFunctionName), when the stack has one. */
  intake:
    | { logicalId: string; nameToken: string; timeoutSeconds: number; environment: Record<string, string> }
    | undefined;
  /** The on-demand refresh hosted apps invoke (the stack output OnDemandRefreshFunctionName), when the stack has one. */
  onDemand: ReturnType<typeof outputFunction>;
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

/** A Lambda function of the template: environment, timeout, reserved concurrency, asynchronous invocation. */
function functionDeployment(template: Cfn, logicalId: string): FunctionDeployment {
  const resource = template.Resources?.[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') throw new TemplateError(`${logicalId} is not a Lambda function`);
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(resource.Properties.Environment?.Variables ?? {})) {
    environment[k] = resolveValue(v);
  }
  const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
    ([, r]) => resolveValue(r.Properties.FunctionName) === refToken(logicalId),
  );
  const invoke = configs[0]?.[1]?.Properties ?? {};
  const destination = invoke.DestinationConfig?.OnFailure?.Destination;
  return {
    logicalId,
    nameToken: refToken(logicalId),
    environment,
    timeoutSeconds: Number(resource.Properties.Timeout ?? 3),
    reservedConcurrency:
      resource.Properties.ReservedConcurrentExecutions === undefined
        ? undefined
        : Number(resource.Properties.ReservedConcurrentExecutions),
    // Lambda's defaults when the function has no EventInvokeConfig: two retries, six hours.
    asyncInvoke: {
      maximumRetryAttempts: Number(invoke.MaximumRetryAttempts ?? 2),
      maximumEventAgeSeconds: Number(invoke.MaximumEventAgeInSeconds ?? 21_600),
    },
    failureQueueLogicalId: destination ? /^getatt:(.+)\.Arn$/.exec(resolveValue(destination))?.[1] : undefined,
  };
}

export function readDeployment(template: Cfn, stackName: string, templatePath = ''): RefresherDeployment {
  const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties?.ScheduleExpression);
  if (rules.length !== 1) throw new TemplateError(`expected one scheduled rule, found ${rules.length}`);
  const [ruleLogicalId, rule] = rules[0] as [string, Cfn];
  const ruleTarget = rule.Properties.Targets?.[0];
  const target = resolveValue(ruleTarget?.Arn);
  const targetLogicalId = /^getatt:(.+)\.Arn$/.exec(target)?.[1];
  if (!targetLogicalId || template.Resources[targetLogicalId]?.Type !== 'AWS::Lambda::Function') {
    throw new TemplateError(`the schedule's target ${target} is not a Lambda function of this stack`);
  }
  const scheduled = functionDeployment(template, targetLogicalId);
  // A planner names the worker it starts; the worker is the refresher whose alarms, timeout and settings matter.
  const workerRef = scheduled.environment.WORKER_FUNCTION_NAME;
  let fn = scheduled;
  let planner: RefresherDeployment['planner'];
  if (workerRef !== undefined) {
    const workerLogicalId = /^ref:(.+)$/.exec(workerRef)?.[1];
    if (!workerLogicalId) throw new TemplateError(`the planner's WORKER_FUNCTION_NAME ${workerRef} is not a function`);
    fn = functionDeployment(template, workerLogicalId);
    planner = { ...scheduled, input: ruleTarget?.Input === undefined ? undefined : JSON.parse(ruleTarget.Input) };
  }
  const queueLogicalId = fn.failureQueueLogicalId;
  if (!queueLogicalId) throw new TemplateError('the refresher has no on-failure destination queue');
  if (planner && planner.failureQueueLogicalId !== queueLogicalId) {
    throw new TemplateError('the planner and the worker have different failure queues; the simulation watches one');
  }
  return {
    stackName,
    templatePath,
    alarms: alarmDefinitions(template, stackName),
    dashboard: dashboardWidgets(template),
    fn,
    planner,
    schedule: {
      ruleLogicalId,
      periodSeconds: rateSeconds(String(rule.Properties.ScheduleExpression)),
      enabled: (rule.Properties.State ?? 'ENABLED') === 'ENABLED',
    },
    asyncInvoke: fn.asyncInvoke,
    failureQueue: { logicalId: queueLogicalId, nameToken: getAttToken(queueLogicalId, 'QueueName') },
    intake: outputFunction(template, 'GrantIntakeFunctionName'),
    onDemand: outputFunction(template, 'OnDemandRefreshFunctionName'),
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
