// The alarms as deployed: read from the synthesized template (cdk.out/<stack>.template.json), never restated. Each
// CloudWatch property the evaluator needs is taken as written — metric, namespace, dimensions, statistic, period,
// threshold, comparison, evaluation periods, datapoints to alarm, missing-data treatment — and metric math is kept as
// its expression and inputs. A property the evaluator cannot honour (a percentile, an anomaly band) is refused.

import { type Cfn, resolveValue, resourcesOfType, TemplateError } from './intrinsics.js';
import { isStatistic, type MetricId, type Statistic } from './metric-store.js';

export const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const MISSING_DATA_TREATMENTS = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;
export type MissingDataTreatment = (typeof MISSING_DATA_TREATMENTS)[number];

export interface MetricQuery {
  metric: MetricId;
  stat: Statistic;
  periodSeconds: number;
}

export type AlarmQuery =
  | ({ kind: 'metric' } & MetricQuery)
  | { kind: 'math'; expression: string; periodSeconds: number; inputs: Record<string, MetricQuery> };

export interface AlarmRule {
  threshold: number;
  comparison: Comparison;
  evaluationPeriods: number;
  /** M of "M out of N"; CloudWatch's default is N. */
  datapointsToAlarm: number;
  treatMissingData: MissingDataTreatment;
}

export interface AlarmDefinition extends AlarmRule {
  /** The id in `<stack>-<id>`, which is also the runbook section. */
  id: string;
  alarmName: string;
  logicalId: string;
  description: string;
  periodSeconds: number;
  query: AlarmQuery;
  /** It notifies someone (AlarmActions); false for an alarm that only feeds a composite alarm. */
  pages?: boolean;
}

/** A composite alarm's rule: ALARM/OK/INSUFFICIENT_DATA of other alarms (by logical id), AND, OR, NOT. */
export type CompositeRule =
  | { kind: 'state'; state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'; alarmLogicalId: string }
  | { kind: 'and' | 'or'; operands: CompositeRule[] }
  | { kind: 'not'; operand: CompositeRule }
  | { kind: 'const'; value: boolean };

export interface CompositeAlarmDefinition {
  id: string;
  alarmName: string;
  logicalId: string;
  description: string;
  rule: CompositeRule;
  pages: boolean;
}

function metricId(metric: Cfn): MetricId {
  const dimensions: Record<string, string> = {};
  for (const d of metric?.Dimensions ?? []) dimensions[String(d.Name)] = resolveValue(d.Value);
  if (typeof metric?.Namespace !== 'string' || typeof metric?.MetricName !== 'string') {
    throw new TemplateError('an alarm metric needs Namespace and MetricName');
  }
  return { namespace: metric.Namespace, name: metric.MetricName, dimensions };
}

function stat(value: unknown, where: string): Statistic {
  if (!isStatistic(value)) throw new TemplateError(`${where}: statistic ${String(value)} is not supported`);
  return value;
}

function query(p: Cfn, alarmName: string): AlarmQuery {
  if (p.ExtendedStatistic !== undefined || p.ThresholdMetricId !== undefined) {
    throw new TemplateError(`${alarmName}: percentile and anomaly-detection alarms are not supported`);
  }
  if (Array.isArray(p.Metrics)) {
    const returned = p.Metrics.filter((m: Cfn) => m.ReturnData !== false);
    if (returned.length !== 1 || typeof returned[0].Expression !== 'string') {
      throw new TemplateError(`${alarmName}: expected one returned metric math expression`);
    }
    const inputs: Record<string, MetricQuery> = {};
    for (const m of p.Metrics) {
      if (!m.MetricStat) continue;
      inputs[String(m.Id)] = {
        metric: metricId(m.MetricStat.Metric),
        stat: stat(m.MetricStat.Stat, alarmName),
        periodSeconds: Number(m.MetricStat.Period),
      };
    }
    const periods = new Set(Object.values(inputs).map((i) => i.periodSeconds));
    // CloudWatch requires one period for every metric of an alarm's expression.
    if (periods.size !== 1) throw new TemplateError(`${alarmName}: metric math inputs with different periods`);
    const periodSeconds = Number(returned[0].Period ?? [...periods][0]);
    return { kind: 'math', expression: returned[0].Expression, periodSeconds, inputs };
  }
  return {
    kind: 'metric',
    metric: metricId(p),
    stat: stat(p.Statistic, alarmName),
    periodSeconds: Number(p.Period),
  };
}

/** Every CloudWatch alarm of the stack, in template order. */
export function alarmDefinitions(template: Cfn, stackName: string): AlarmDefinition[] {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([logicalId, resource]) => {
    const p = resource.Properties ?? {};
    const alarmName = resolveValue(p.AlarmName ?? logicalId);
    const prefix = `${stackName}-`;
    const id = alarmName.startsWith(prefix) ? alarmName.slice(prefix.length) : alarmName;
    const comparison = p.ComparisonOperator;
    if (!(COMPARISONS as readonly string[]).includes(comparison)) {
      throw new TemplateError(`${alarmName}: comparison ${comparison} is not supported`);
    }
    const treatMissingData = p.TreatMissingData ?? 'missing';
    if (!(MISSING_DATA_TREATMENTS as readonly string[]).includes(treatMissingData)) {
      throw new TemplateError(`${alarmName}: TreatMissingData ${treatMissingData} is not valid`);
    }
    const q = query(p, alarmName);
    const evaluationPeriods = Number(p.EvaluationPeriods);
    return {
      id,
      pages: Array.isArray(p.AlarmActions) && p.AlarmActions.length > 0,
      alarmName,
      logicalId,
      description: typeof p.AlarmDescription === 'string' ? p.AlarmDescription : '',
      threshold: Number(p.Threshold),
      comparison,
      evaluationPeriods,
      datapointsToAlarm: Number(p.DatapointsToAlarm ?? evaluationPeriods),
      treatMissingData,
      periodSeconds: q.periodSeconds,
      query: q,
    };
  });
}

/**
 * Parses a composite alarm's AlarmRule as the template resolves it: `ALARM("getatt:X.Arn") AND (OK(...) OR NOT
 * ALARM(...))`, TRUE, FALSE. Anything else is refused.
 */
export function parseCompositeRule(rule: string): CompositeRule {
  const tokens = rule.match(/\s*(ALARM|OK|INSUFFICIENT_DATA)\("([^"]+)"\)|\s*(AND|OR|NOT|TRUE|FALSE|\(|\))/gy);
  if (!tokens || tokens.join('').length !== rule.replace(/\s+$/, '').length) {
    throw new TemplateError(`composite alarm rule not understood: ${rule}`);
  }
  const list = tokens.map((t) => t.trim());
  let pos = 0;
  const primary = (): CompositeRule => {
    const token = list[pos++];
    if (token === undefined) throw new TemplateError(`composite alarm rule ends early: ${rule}`);
    if (token === '(') {
      const inner = or();
      if (list[pos++] !== ')') throw new TemplateError(`composite alarm rule misses a ")": ${rule}`);
      return inner;
    }
    if (token === 'NOT') return { kind: 'not', operand: primary() };
    if (token === 'TRUE' || token === 'FALSE') return { kind: 'const', value: token === 'TRUE' };
    const m = /^(ALARM|OK|INSUFFICIENT_DATA)\("([^"]+)"\)$/.exec(token);
    if (!m) throw new TemplateError(`unexpected "${token}" in composite alarm rule ${rule}`);
    const target = /^getatt:(.+)\.Arn$/.exec(m[2] as string)?.[1] ?? (m[2] as string);
    return { kind: 'state', state: m[1] as 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', alarmLogicalId: target };
  };
  const and = (): CompositeRule => {
    const operands = [primary()];
    while (list[pos] === 'AND') {
      pos++;
      operands.push(primary());
    }
    return operands.length === 1 ? (operands[0] as CompositeRule) : { kind: 'and', operands };
  };
  const or = (): CompositeRule => {
    const operands = [and()];
    while (list[pos] === 'OR') {
      pos++;
      operands.push(and());
    }
    return operands.length === 1 ? (operands[0] as CompositeRule) : { kind: 'or', operands };
  };
  const parsed = or();
  if (pos !== list.length) throw new TemplateError(`composite alarm rule has extra "${list[pos]}": ${rule}`);
  return parsed;
}

/** Every composite alarm of the stack, in template order. */
export function compositeAlarmDefinitions(template: Cfn, stackName: string): CompositeAlarmDefinition[] {
  return resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm').map(([logicalId, resource]) => {
    const p = resource.Properties ?? {};
    const alarmName = resolveValue(p.AlarmName ?? logicalId);
    const prefix = `${stackName}-`;
    return {
      id: alarmName.startsWith(prefix) ? alarmName.slice(prefix.length) : alarmName,
      alarmName,
      logicalId,
      description: typeof p.AlarmDescription === 'string' ? p.AlarmDescription : '',
      rule: parseCompositeRule(resolveValue(p.AlarmRule)),
      pages: Array.isArray(p.AlarmActions) && p.AlarmActions.length > 0,
    };
  });
}
