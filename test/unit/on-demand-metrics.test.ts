// The on-demand function's metrics: every series on every invocation (0 or 1), exactly one outcome, and the loop
// signal only for a repeated forced refresh.
import { describe, expect, it } from 'vitest';
import { MetricName } from '../../lambdas/metrics.js';
import { emitOnDemandMetrics } from '../../lambdas/on-demand/on-demand-metrics.js';

function emitted(result: Parameters<typeof emitOnDemandMetrics>[0]): Record<string, number> {
  const out: Record<string, number> = {};
  emitOnDemandMetrics(result, {
    addMetric: (name, unit, value) => {
      out[`${name}/${unit}`] = value;
    },
  });
  return out;
}

describe('Function: emitOnDemandMetrics', () => {
  it.each([
    ['refreshed', false, MetricName.OnDemandRefreshed],
    ['served', false, MetricName.OnDemandServed],
    ['limited', false, MetricName.OnDemandLimited],
    ['failed', false, MetricName.OnDemandFailed],
  ] as const)('an invocation that %s counts 1 there and 0 in every other series', (outcome, repeated, one) => {
    const m = emitted({ outcome, repeated });
    expect(Object.keys(m)).toHaveLength(5);
    for (const [key, value] of Object.entries(m)) expect(value).toBe(key === `${one}/Count` ? 1 : 0);
  });

  it('counts a repeated forced refresh in OnDemandRepeated (the loop alarm’s metric), beside its outcome', () => {
    expect(emitted({ outcome: 'refreshed', repeated: true })).toMatchObject({
      [`${MetricName.OnDemandRepeated}/Count`]: 1,
      [`${MetricName.OnDemandRefreshed}/Count`]: 1,
    });
  });
});
