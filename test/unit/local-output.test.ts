import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatExpiresIn, renderTable } from '../../cli/format.js';
import { addMetrics, captureOutput, emfMetrics, linesLeaking } from '../../local/handler-output.js';

describe('Function: captureOutput + emfMetrics', () => {
  it("captures Powertools' log lines (stdout and stderr) and sums the metrics of its EMF line", async () => {
    // Prepare
    const logger = new Logger({ serviceName: 'test' });
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });

    // Act
    const { result, lines } = await captureOutput(async () => {
      logger.info('hello');
      logger.error('bad', { orgId: 'o' });
      metrics.addMetric('RefreshSucceeded', MetricUnit.Count, 2);
      metrics.addMetric('RefreshSucceeded', MetricUnit.Count, 3);
      metrics.addMetric('RefreshFailed', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      return 42;
    });

    // Assess
    expect(result).toBe(42);
    expect(lines).toHaveLength(3);
    const totals: Record<string, number> = {};
    for (const line of lines) addMetrics(totals, emfMetrics(line));
    expect(totals).toEqual({ RefreshSucceeded: 5, RefreshFailed: 1 });
  });

  it('treats non-EMF and non-JSON lines as no metrics', () => {
    expect(emfMetrics('{"level":"INFO","message":"x"}')).toEqual({});
    expect(emfMetrics('not json')).toEqual({});
  });
});

describe('Function: linesLeaking', () => {
  it('counts the lines that contain any given secret', () => {
    const secret = 'at-0123456789abcdef';
    expect(linesLeaking(['ok', `token ${secret}`, 'fine', `${secret}!`], [secret, 'rt-zzzzzzzzzzzz'])).toBe(2);
    expect(linesLeaking(['ok'], [secret])).toBe(0);
  });
});

describe('Function: formatDuration / formatExpiresIn / renderTable', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m 00s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h 00m'],
    [47 * 3_600_000, '47h 00m'],
    [50 * 3_600_000, '2d 2h'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says when a token expired rather than a negative time', () => {
    expect(formatExpiresIn(1_000, 66_000)).toBe('expired 1m 05s ago');
    expect(formatExpiresIn(undefined, 0)).toBe('-');
  });

  it('pads columns to the widest cell', () => {
    expect(renderTable(['A', 'BB'], [['long', 'x']])).toBe('A     BB\n----  --\nlong  x');
  });
});
