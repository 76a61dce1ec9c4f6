// The simulated CloudWatch metric store: raw samples per metric (namespace, name and the exact dimension set, as
// CloudWatch identifies a metric), and the per-period statistics an alarm or a dashboard graph asks for.

export interface MetricId {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface Sample {
  /** Epoch ms. */
  t: number;
  values: number[];
}

export const STATISTICS = ['Sum', 'Maximum', 'Minimum', 'Average', 'SampleCount'] as const;
export type Statistic = (typeof STATISTICS)[number];

export function isStatistic(value: unknown): value is Statistic {
  return typeof value === 'string' && (STATISTICS as readonly string[]).includes(value);
}

/** CloudWatch treats metrics with different dimension sets as different metrics: the key includes all of them. */
export function metricKey(id: MetricId): string {
  const dims = Object.entries(id.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${id.namespace}|${id.name}|${dims}`;
}

export function statistic(stat: Statistic, values: readonly number[]): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((s, v) => s + v, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((s, v) => s + v, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

/** Start of the period holding `t`: CloudWatch aggregates into periods aligned to the epoch. */
export function periodStart(t: number, periodMs: number): number {
  return Math.floor(t / periodMs) * periodMs;
}

export class MetricStore {
  readonly #series = new Map<string, { id: MetricId; samples: Sample[] }>();

  put(id: MetricId, t: number, values: number | readonly number[]): void {
    const list = typeof values === 'number' ? [values] : [...values];
    if (list.length === 0) return;
    const key = metricKey(id);
    const entry = this.#series.get(key) ?? { id, samples: [] };
    entry.samples.push({ t, values: list });
    this.#series.set(key, entry);
  }

  samples(id: MetricId): readonly Sample[] {
    return this.#series.get(metricKey(id))?.samples ?? [];
  }

  metrics(): MetricId[] {
    return [...this.#series.values()].map((e) => e.id);
  }

  /**
   * One value per period for the periods starting at `from`, `from + period`, … before `to` (both aligned):
   * the statistic over every sample in the period, or undefined when the period has none (missing data).
   */
  periodValues(id: MetricId, stat: Statistic, periodMs: number, from: number, to: number): (number | undefined)[] {
    const count = Math.max(0, Math.round((to - from) / periodMs));
    const buckets: number[][] = Array.from({ length: count }, () => []);
    for (const sample of this.samples(id)) {
      if (sample.t < from || sample.t >= to) continue;
      buckets[Math.floor((sample.t - from) / periodMs)]?.push(...sample.values);
    }
    return buckets.map((values) => (values.length === 0 ? undefined : statistic(stat, values)));
  }
}
