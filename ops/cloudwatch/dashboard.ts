// The CloudWatch dashboard as deployed (the stack's DashboardBody), read so the simulation's picture shows the same
// widgets with the same metrics, statistics and periods on-call sees in the console.
import type { MetricQuery } from './alarm-definitions.js';
import { type Cfn, resolveValue, resourcesOfType } from './intrinsics.js';
import { isStatistic } from './metric-store.js';

/** CloudWatch's default period for dashboard graphs. */
const DEFAULT_PERIOD_SECONDS = 300;

export type GraphLine =
  | ({ kind: 'metric'; id: string | undefined; label: string; visible: boolean } & MetricQuery)
  | { kind: 'math'; id: string | undefined; label: string; expression: string; periodSeconds: number };

export interface GraphWidget {
  kind: 'graph';
  title: string;
  lines: GraphLine[];
  annotations: { value: number; label: string }[];
}

export interface AlarmStatusWidget {
  kind: 'alarms';
  title: string;
  /** Alarm logical ids, from the alarm ARNs the widget lists. */
  alarmLogicalIds: string[];
}

export type DashboardWidget = GraphWidget | AlarmStatusWidget;

function graphLines(properties: Cfn): GraphLine[] {
  const widgetPeriod = Number(properties.period ?? DEFAULT_PERIOD_SECONDS);
  const widgetStat = properties.stat ?? 'Average';
  const lines: GraphLine[] = [];
  let previous: unknown[] = [];
  for (const row of (properties.metrics ?? []) as unknown[][]) {
    const last = row[row.length - 1];
    const options = (last && typeof last === 'object' ? last : {}) as Cfn;
    const positional = (options === last ? row.slice(0, -1) : row).map((v, i) => (v === '.' ? previous[i] : v));
    previous = positional;
    const periodSeconds = Number(options.period ?? widgetPeriod);
    if (typeof options.expression === 'string') {
      lines.push({
        kind: 'math',
        id: options.id,
        label: options.label ?? options.expression,
        expression: options.expression,
        periodSeconds,
      });
      continue;
    }
    const [namespace, name, ...dims] = positional as string[];
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i] as string] = dims[i + 1] as string;
    const stat = options.stat ?? widgetStat;
    if (!isStatistic(stat)) continue;
    lines.push({
      kind: 'metric',
      id: options.id,
      label: options.label ?? name ?? '',
      visible: options.visible !== false,
      metric: { namespace: namespace as string, name: name as string, dimensions },
      stat,
      periodSeconds,
    });
  }
  return lines;
}

/** The dashboard's widgets in order (the stack has one dashboard). */
export function dashboardWidgets(template: Cfn): DashboardWidget[] {
  const [entry] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
  if (!entry) return [];
  const body = JSON.parse(resolveValue(entry[1].Properties.DashboardBody)) as { widgets: Cfn[] };
  return body.widgets.flatMap((w): DashboardWidget[] => {
    const p = w.properties ?? {};
    if (w.type === 'alarm') {
      const alarmLogicalIds = (p.alarms ?? []).map((arn: string) => /^getatt:(.+)\.Arn$/.exec(arn)?.[1] ?? arn);
      return [{ kind: 'alarms', title: p.title ?? 'Alarms', alarmLogicalIds }];
    }
    if (w.type !== 'metric') return [];
    const annotations = ((p.annotations?.horizontal ?? []) as Cfn[]).map((a) => ({
      value: Number(a.value),
      label: String(a.label ?? ''),
    }));
    return [{ kind: 'graph', title: p.title ?? '', lines: graphLines(p), annotations }];
  });
}
