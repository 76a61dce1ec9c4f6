// The alarm simulation reads everything it deploys from the synthesized template (ops/deployment.ts): every alarm
// with its metric or metric math resolved, the dashboard's widgets, the schedule, the planner it targets and the
// sweep worker the planner starts (environment, timeout, asynchronous-invocation settings), the failure queue. Checked here on the stack the tests synthesize, so a change
// to the stack that the simulation cannot read fails `npm test`, not only `npm run ops:simulate`.
import { describe, expect, it } from 'vitest';
import { pagingAlarmIds } from '../../ops/cloudwatch/alarm-evaluator.js';
import { readDeployment } from '../../ops/deployment.js';
import { synthStack } from './synth-stack.js';

const { stack, template } = synthStack();
const deployment = readDeployment(template.toJSON(), stack.stackName);

describe('ops/deployment.ts on the synthesized stack', () => {
  it('reads every alarm, by the id its runbook section has', () => {
    expect(deployment.alarms.map((a) => a.id).sort()).toEqual(Object.keys(stack.alarms.alarms).sort());
    // The freshness objective: composite alarms page, the window alarms they combine only feed them.
    expect(deployment.composites.map((c) => c.id).sort()).toEqual(Object.keys(stack.freshness.composites).sort());
    expect(deployment.signals.map((a) => a.id).sort()).toEqual(Object.keys(stack.freshness.windows).sort());
    expect(pagingAlarmIds(deployment).sort()).toEqual(
      [...Object.keys(stack.alarms.alarms), ...Object.keys(stack.freshness.composites)].sort(),
    );
    for (const c of deployment.composites) {
      expect(c.rule).toMatchObject({ kind: 'and' });
      const named = (c.rule.kind === 'and' ? c.rule.operands : []).map((o) => o.kind === 'state' && o.alarmLogicalId);
      expect(named.sort()).toEqual(
        deployment.signals
          .filter((a) => a.id.startsWith(c.id))
          .map((a) => a.logicalId)
          .sort(),
      );
    }
    for (const a of deployment.alarms) {
      expect(a.evaluationPeriods).toBeGreaterThanOrEqual(a.datapointsToAlarm);
      expect(a.periodSeconds % 60).toBe(0);
    }
  });

  it('binds the AWS metrics to the deployed planner, worker and failure queue', () => {
    const byId = Object.fromEntries(deployment.alarms.map((a) => [a.id, a]));
    const functionsOf = (id: string) => {
      const q = byId[id]?.query;
      return q?.kind === 'math' ? Object.values(q.inputs).map((m) => m.metric.dimensions.FunctionName) : undefined;
    };
    const both = [deployment.fn.nameToken, deployment.planner?.nameToken].sort();
    for (const id of ['LambdaErrors', 'LambdaThrottles', 'DurationNearTimeout'])
      expect(functionsOf(id)?.sort()).toEqual(both);
    const queue = byId.FailureQueueMessages?.query;
    expect(queue?.kind === 'metric' && queue.metric.dimensions).toEqual({
      QueueName: deployment.failureQueue.nameToken,
    });
  });

  it('reads the schedule, its input and the planner it targets, and the worker the planner starts', () => {
    expect(deployment.schedule).toMatchObject({ periodSeconds: 60, enabled: true });
    expect(deployment.planner).toMatchObject({
      input: { plan: {} },
      timeoutSeconds: 60,
      asyncInvoke: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
      environment: { WORKER_FUNCTION_NAME: deployment.fn.nameToken },
    });
    expect(deployment.fn.timeoutSeconds).toBe(stack.refresher.settings.lambdaTimeoutSeconds);
    expect(deployment.fn.environment.HTTP_TIMEOUT_MS).toBe(String(stack.refresher.settings.httpTimeoutMs));
    expect(deployment.fn.environment).not.toHaveProperty('WORKER_FUNCTION_NAME');
    expect(deployment.asyncInvoke).toEqual({ maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 });
  });

  it('reads the dashboard’s graphs with their metrics and periods, and the alarm widget’s alarms', () => {
    const graphs = deployment.dashboard.filter((w) => w.kind === 'graph');
    expect(graphs.length).toBeGreaterThan(3);
    expect(graphs.flatMap((g) => g.lines.map((l) => l.label))).toContain('ExpiredAccessTokens');
    const alarms = deployment.dashboard.find((w) => w.kind === 'alarms');
    expect(alarms?.kind === 'alarms' && alarms.alarmLogicalIds.sort()).toEqual(
      [...deployment.alarms, ...deployment.signals, ...deployment.composites].map((a) => a.logicalId).sort(),
    );
  });
});
