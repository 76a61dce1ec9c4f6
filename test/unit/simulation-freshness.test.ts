// The freshness objective's ground truth in the alarm simulation (ops/freshness.ts): when each burn-rate pair must
// page, read from the template's composite alarms, and each scenario's SLI figures.
import { describe, expect, it } from 'vitest';
import type { AlarmDefinition, CompositeAlarmDefinition } from '../../ops/cloudwatch/alarm-definitions.js';
import { MetricStore } from '../../ops/cloudwatch/metric-store.js';
import { burnPairsOf, burnRate, type FreshnessSample, firstBurn, sliFigures } from '../../ops/freshness.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
/** 12 ACTIVE orgs a minute for `minutes`, `bad(i)` of them without a valid token in minute i. */
const samples = (minutes: number, bad: (i: number) => number): FreshnessSample[] =>
  Array.from({ length: minutes }, (_, i) => ({ t: T0 + i * MIN, active: 12, unauthorized: bad(i) }));
const FAST = { id: 'FreshnessBurnFast', burnRate: 14.4, longMs: 60 * MIN, shortMs: 5 * MIN };

describe('ops/freshness.ts', () => {
  it('burnRate: the share of org-ticks without a valid token over the 0.1 % budget', () => {
    const s = samples(60, (i) => (i >= 50 ? 1 : 0));
    expect(burnRate(s, T0 + 59 * MIN, 60 * MIN)).toBeCloseTo(10 / 720 / 0.001);
    expect(burnRate(s, T0 + 59 * MIN, 5 * MIN)).toBeCloseTo(5 / 60 / 0.001);
    expect(burnRate([], T0, MIN)).toBe(0);
  });

  it('firstBurn: one org out for 11 minutes of an hour in a 12-org fleet pages, 10 do not', () => {
    expect(
      firstBurn(
        samples(90, (i) => (i >= 60 && i < 70 ? 1 : 0)),
        FAST,
      ),
    ).toBeUndefined();
    expect(
      firstBurn(
        samples(90, (i) => (i >= 60 && i < 71 ? 1 : 0)),
        FAST,
      ),
    ).toBe(T0 + 70 * MIN);
  });

  it('firstBurn: the short window must burn too (a burn that stopped is not paged for)', () => {
    const s = samples(120, (i) => (i >= 10 && i < 30 ? 1 : 0));
    expect(firstBurn(s, FAST, T0 + 40 * MIN)).toBeUndefined();
  });

  it('burnPairsOf: the composites of the template, with their windows’ threshold and periods', () => {
    const window = (logicalId: string, periodSeconds: number): AlarmDefinition =>
      ({ logicalId, id: logicalId, periodSeconds, threshold: 6 }) as AlarmDefinition;
    const composite: CompositeAlarmDefinition = {
      id: 'FreshnessBurnSlow',
      alarmName: 'S-FreshnessBurnSlow',
      logicalId: 'C',
      description: '',
      pages: true,
      rule: {
        kind: 'and',
        operands: [
          { kind: 'state', state: 'ALARM', alarmLogicalId: 'L' },
          { kind: 'state', state: 'ALARM', alarmLogicalId: 'S' },
        ],
      },
    };
    expect(burnPairsOf({ signals: [window('L', 21600), window('S', 1800)], composites: [composite] })).toEqual([
      { id: 'FreshnessBurnSlow', burnRate: 6, longMs: 360 * MIN, shortMs: 30 * MIN },
    ]);
  });

  it('sliFigures: the truth from the samples, the metrics from the planner’s gauges, the month’s budget spent', () => {
    const store = new MetricStore();
    const dims = { service: 'tenant-token-refresher' };
    for (let i = 0; i < 60; i++) {
      store.put({ namespace: 'TenantTokenRefresher', name: 'ActiveOrgs', dimensions: dims }, T0 + i * MIN + 1, 12);
      store.put(
        { namespace: 'TenantTokenRefresher', name: 'ExpiredAccessTokens', dimensions: dims },
        T0 + i * MIN + 1,
        i < 6 ? 1 : 0,
      );
    }
    const figures = sliFigures(
      samples(60, (i) => (i < 6 ? 1 : 0)),
      store,
      dims,
      T0,
      T0 + 60 * MIN,
      MIN,
    );
    expect(figures).toEqual({
      truth: Math.round((1 - 6 / 720) * 1e5) / 1e5,
      metrics: Math.round((1 - 6 / 720) * 1e5) / 1e5,
      badOrgMinutes: 6,
      orgMinutes: 720,
      // A month's budget for 12 orgs: 12 × 43 200 minutes × 0.1 % = 518.4 org-minutes.
      monthlyBudgetSpent: Math.round((6 / 518.4) * 1e4) / 1e4,
    });
  });
});
