// The simulated metric store: metrics are told apart by namespace, name and exact dimension set; each period's
// value is the statistic over every sample in it, and a period without samples is missing, not zero.
import { describe, expect, it } from 'vitest';
import { MetricStore, metricKey, periodStart, statistic } from '../../ops/cloudwatch/metric-store.js';

describe('MetricStore', () => {
  const id = { namespace: 'N', name: 'M', dimensions: { b: '2', a: '1' } };

  it('keys a metric by its dimension set, whatever the order they were given in', () => {
    expect(metricKey(id)).toBe(metricKey({ ...id, dimensions: { a: '1', b: '2' } }));
    expect(metricKey(id)).not.toBe(metricKey({ ...id, dimensions: { a: '1' } }));
  });

  it('aggregates per aligned period and leaves empty periods missing', () => {
    const store = new MetricStore();
    store.put(id, 60_000, [1, 2]);
    store.put(id, 119_999, 3);
    store.put(id, 180_000, 5);
    expect(store.periodValues(id, 'Sum', 60_000, 60_000, 240_000)).toEqual([6, undefined, 5]);
    expect(store.periodValues(id, 'Maximum', 60_000, 60_000, 240_000)).toEqual([3, undefined, 5]);
    expect(store.periodValues(id, 'SampleCount', 120_000, 0, 240_000)).toEqual([3, 1]);
  });

  it('computes the CloudWatch statistics', () => {
    expect(statistic('Average', [1, 2, 3])).toBe(2);
    expect(statistic('Minimum', [4, 2, 3])).toBe(2);
    expect(periodStart(299_999, 300_000)).toBe(0);
    expect(periodStart(300_000, 300_000)).toBe(300_000);
  });
});
