// Reading EMF as CloudWatch Logs does, checked on what Powertools itself prints (the refresher's real emitter):
// every metric of every directive, once per dimension set, values from the root (numbers or arrays), at the line's
// timestamp; anything that is not EMF yields nothing.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { emfDatapoints } from '../../ops/cloudwatch/emf.js';

function powertoolsLine(build: (m: Metrics) => void): string {
  const lines: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const metrics = new Metrics({ namespace: 'TenantTokenRefresher', serviceName: 'svc' });
    build(metrics);
    metrics.publishStoredMetrics();
  } finally {
    process.stdout.write = original;
  }
  return lines.join('').trim();
}

describe('emfDatapoints', () => {
  it('reads Powertools’ EMF: namespace, the service dimension, each metric with all its values', () => {
    const line = powertoolsLine((m) => {
      m.addMetric('RefreshFailed', 'Count', 1);
      m.addMetric('RefreshFailed', 'Count', 2);
      m.addMetric('RunCompleted', 'Count', 1);
    });
    const points = emfDatapoints(line);
    const t = JSON.parse(line)._aws.Timestamp;
    expect(points).toEqual([
      {
        id: { namespace: 'TenantTokenRefresher', name: 'RefreshFailed', dimensions: { service: 'svc' } },
        t,
        values: [1, 2],
      },
      {
        id: { namespace: 'TenantTokenRefresher', name: 'RunCompleted', dimensions: { service: 'svc' } },
        t,
        values: [1],
      },
    ]);
  });

  it('publishes a metric once per dimension set', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['a'], ['a', 'b']], Metrics: [{ Name: 'M' }] }],
      },
      a: 'x',
      b: 'y',
      M: 3,
    });
    expect(emfDatapoints(line).map((p) => p.id.dimensions)).toEqual([{ a: 'x' }, { a: 'x', b: 'y' }]);
  });

  it('ignores log lines, broken JSON and metrics without a value', () => {
    expect(emfDatapoints('{"level":"INFO","message":"run summary"}')).toEqual([]);
    expect(emfDatapoints('not json')).toEqual([]);
    const noValue = JSON.stringify({
      _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'M' }] }] },
    });
    expect(emfDatapoints(noValue)).toEqual([]);
  });
});
