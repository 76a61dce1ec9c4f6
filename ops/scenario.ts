// A scenario: a fault injected into a healthy fleet, the alarms it must raise with the latest time each may fire,
// and every other alarm silent. The harness around it is the same for all: onboard the fleet, let it settle, run
// the scenario, execute the runbook of every alarm that fired (ops/runbook.ts), wait for every alarm to clear, and
// judge (ops/score.ts). One scenario is one small file in ops/scenarios/.
import type { TenantSummary } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { type AlarmTimeline, pagingAlarmIds } from './cloudwatch/alarm-evaluator.js';
import type { RefresherDeployment } from './deployment.js';
import {
  BURN_ALARM_SLACK_MS,
  type BurnPair,
  burnPairsOf,
  type FreshnessSample,
  firstBurn,
  type SliFigures,
  sliFigures,
} from './freshness.js';
import { executeRunbooks, type StepReport } from './runbook.js';
import { judgeScenario, type ScenarioVerdict } from './score.js';
import { FLEET } from './world/fleet.js';
import type { IntakeModule } from './world/intake.js';
import type { OnDemandModule } from './world/on-demand.js';
import { type HandlerModule, World } from './world/world.js';

const MIN = 60_000;

/** What the deadlines and conditions of a scenario's expectations may look at, once it ran. */
export interface RunFacts {
  world: World;
  faultAt: number;
  /** When the ground truth first had hosted apps without a valid token in two sweeps in a row, if ever. */
  expiredInTwoSweepsAt: number | undefined;
}

export interface Expectation {
  alarm: string;
  /** Why this alarm, and why this deadline: shown in the report. */
  why: string;
  /** The latest time it may fire (epoch ms), or undefined when the ground truth says it must not fire. */
  deadline: (run: RunFacts) => number | undefined;
}

/** Must fire within `seconds` after the fault. */
export const afterFault = (seconds: number) => (run: RunFacts) => run.faultAt + seconds * 1000;

/**
 * ExpiredAccessTokens promises: two sweeps in a row that find a hosted app without a valid token page on-call. So it
 * is expected exactly when the ground truth (the provider's own view of each stored token) says so, and then within
 * `seconds` of the second such sweep.
 */
export const whenTokensReallyExpired =
  (seconds = 120) =>
  (run: RunFacts) =>
    run.expiredInTwoSweepsAt === undefined ? undefined : run.expiredInTwoSweepsAt + seconds * 1000;

/**
 * The freshness objective's burn-rate alarms over one org's lost rotation (crash-after-answer, commit-fails): silent
 * by design, whatever the ground truth burns. The indicator counts expired tokens (ExpiredAccessTokens over
 * ActiveOrgs); the token the provider stopped honouring when the rotation was lost has not expired, and RotationLost
 * and OrgsNeedingReauth page for that org within minutes. Since a claim holds its org for a lease hold (2 ×
 * LEASE_SECONDS + 5 s), the org is without a valid token for about 4 minutes before it is marked for re-authorisation:
 * by the provider's verdict 0.8 % of a 30-minute window of a twelve-org fleet, over the slow pair's 6x (0.6 %);
 * in a fleet of a hundred orgs, a tenth of it.
 */
export const LOST_ROTATION_FRESHNESS: Expectation[] = ['FreshnessBurnFast', 'FreshnessBurnSlow'].map((alarm) => ({
  alarm,
  why: 'silent: one org’s revoked (not expired) token is RotationLost’s to page, not the expiry-based SLI’s',
  deadline: () => undefined,
}));

export interface ScenarioContext {
  w: World;
  quick: boolean;
  /** Marks the fault (scores count from here); call once. */
  fault(text: string): void;
  recover(text: string): void;
  /** The ACTIVE org due next (optionally one using a refresh token). */
  nextDue(refreshTokenOnly?: boolean): Promise<TenantSummary>;
  /** Ticks until `orgId` is due in under `leadMs` (or is already due). */
  runUntilDueIn(orgId: string, leadMs: number): Promise<void>;
  /** Ticks until every expected alarm fired, or `maxMs` passed. */
  runUntilFired(alarms: readonly string[], maxMs: number): Promise<boolean>;
}

export interface Scenario {
  id: string;
  title: string;
  /** Alarms the template must have for this scenario to run (scenarios for alarms still to come stay pending). */
  requires?: string[];
  expect: Expectation[];
  run(ctx: ScenarioContext): Promise<void>;
}

/**
 * The freshness objective's alarms, in every scenario of a template that has them: each is expected exactly when the
 * ground truth burns the budget over both of its windows (ops/freshness.ts), within BURN_ALARM_SLACK_MS, and must stay
 * silent otherwise. A scenario that names one itself keeps its own expectation.
 */
function freshnessExpectations(deployment: RefresherDeployment, scenario: Scenario): Expectation[] {
  return burnPairsOf(deployment)
    .filter((pair) => !scenario.expect.some((e) => e.alarm === pair.id))
    .map((pair) => ({
      alarm: pair.id,
      why: `only if the ground truth burns the budget ${pair.burnRate}x over ${pair.longMs / 60_000} and ${
        pair.shortMs / 60_000
      } min; then within 3 min`,
      deadline: (run: RunFacts) => burnDeadline(samplesOf(run.world), pair),
    }));
}

/** The world's ground truth as the freshness objective reads it (ops/freshness.ts). */
export const samplesOf = (w: World) =>
  w.truth.map((s) => ({ t: s.t, active: s.active, unauthorized: s.unauthorized.length }));

/** When a burn-rate alarm must have fired: the ground truth's first burn over both windows, plus the slack. */
export function burnDeadline(samples: readonly FreshnessSample[], pair: BurnPair): number | undefined {
  const at = firstBurn(samples, pair);
  return at === undefined ? undefined : at + BURN_ALARM_SLACK_MS;
}

/** Whether each alarm that fired cleared, and when relative to the runbook (the report's "cleared" column). */
export function clearedAlarms(
  timelines: readonly AlarmTimeline[],
  fired: readonly string[],
  runbookAt: number | undefined,
): ScenarioResult['cleared'] {
  const cleared: ScenarioResult['cleared'] = {};
  for (const t of timelines) {
    if (!fired.includes(t.alarmId)) continue;
    const last = t.transitions.at(-1);
    const isClear = t.evaluations.at(-1)?.state !== 'ALARM';
    const clearedAt = isClear && last ? last.t : undefined;
    cleared[t.alarmId] = {
      cleared: isClear,
      beforeRunbook: clearedAt !== undefined && (runbookAt === undefined || clearedAt < runbookAt),
      secondsAfterRunbook:
        clearedAt !== undefined && runbookAt !== undefined && clearedAt >= runbookAt
          ? Math.round((clearedAt - runbookAt) / 1000)
          : undefined,
    };
  }
  return cleared;
}

/** Each expectation as the report lists it: the alarm, why, and whether this run expected it. */
export function expectationReport(
  expectations: readonly { e: { alarm: string; why: string }; deadline: number | undefined }[],
): ScenarioResult['expectations'] {
  return expectations.map(({ e, deadline }) => ({ alarm: e.alarm, why: e.why, expected: deadline !== undefined }));
}

export interface ScenarioResult extends ScenarioVerdict {
  id: string;
  title: string;
  status: 'run' | 'pending';
  pendingReason?: string;
  faultAt?: number;
  /** Expectations with why, and which were conditional on the ground truth. */
  expectations: { alarm: string; why: string; expected: boolean }[];
  runbook: StepReport[];
  /** The freshness objective over the scenario, from the fault to the end (ops/freshness.ts). */
  sli?: SliFigures;
  /** Per alarm that fired: whether it was back to OK at the end, and when relative to the runbook. */
  cleared: Record<string, { cleared: boolean; secondsAfterRunbook: number | undefined; beforeRunbook: boolean }>;
  simulatedMinutes: number;
  realSeconds: number;
  invocations: number;
  operatorCommands: string[];
  timelines: AlarmTimeline[];
  world?: World;
}

export interface HarnessOptions {
  deployment: RefresherDeployment;
  dynamoDbEndpoint: string;
  handlerModule: HandlerModule;
  intakeModule?: IntakeModule;
  onDemandModule?: OnDemandModule;
  quick: boolean;
  seed: number;
  progress: (line: string) => void;
}

/**
 * Two consecutive ticks that each started with a hosted app unauthorized and whose gauges were published: the
 * function the schedule runs (the planner, which counts the expired tokens; or a refresher without one) completed.
 */
function expiredInTwoSweeps(w: World, from: number): number | undefined {
  const gauges = w.planner ? 'planner' : 'refresher';
  let previous = false;
  for (const sample of w.truth) {
    if (sample.t < from) continue;
    const swept = w.attempts.some(
      (a) => a.fn === gauges && a.outcome === 'ok' && a.startedAt >= sample.t && a.startedAt < sample.t + w.periodMs,
    );
    const now = swept && sample.unauthorized.length > 0;
    if (now && previous) return sample.t;
    previous = now;
  }
  return undefined;
}

export async function runScenario(scenario: Scenario, options: HarnessOptions): Promise<ScenarioResult> {
  const { deployment } = options;
  const present = new Set(pagingAlarmIds(deployment));
  const absent = (scenario.requires ?? []).filter((a) => !present.has(a));
  const base = {
    id: scenario.id,
    title: scenario.title,
    runbook: [],
    cleared: {},
    timelines: [],
    operatorCommands: [],
  };
  if (absent.length > 0) {
    return {
      ...base,
      status: 'pending',
      pendingReason: `pending: ${absent.join(', ')} not in this template yet`,
      expectations: scenario.expect.map((e) => ({ alarm: e.alarm, why: e.why, expected: true })),
      expected: scenario.expect.map((e) => e.alarm),
      fired: [],
      unexpected: [],
      missed: [],
      late: [],
      secondsToFire: {},
      deadlineSeconds: {},
      simulatedMinutes: 0,
      realSeconds: 0,
      invocations: 0,
    };
  }
  const realStart = performance.now();
  const w = await World.create({
    deployment,
    dynamoDbEndpoint: options.dynamoDbEndpoint,
    handlerModule: options.handlerModule,
    ...(options.intakeModule ? { intakeModule: options.intakeModule } : {}),
    ...(options.onDemandModule ? { onDemandModule: options.onDemandModule } : {}),
    name: scenario.id,
    seed: options.seed,
  });
  try {
    // The fleet is onboarded a few minutes apart, as customers install the app, and settles for a while.
    const spacing = (options.quick ? 2 : 5) * MIN;
    for (const org of FLEET) {
      await w.onboard(org);
      await w.runFor(spacing);
    }
    await w.runFor((options.quick ? 10 : 30) * MIN);
    const phase = (name: string) =>
      options.progress(
        `  ${name} at ${new Date(w.now()).toISOString().slice(11, 16)} (${((performance.now() - realStart) / 1000).toFixed(1)} s)`,
      );
    phase('fleet onboarded and settled');

    let faultAt: number | undefined;
    const ctx: ScenarioContext = {
      w,
      quick: options.quick,
      fault(text) {
        if (faultAt !== undefined) throw new Error(`${scenario.id}: fault() called twice`);
        faultAt = w.mark('fault', text);
      },
      recover(text) {
        w.mark('recovery', text);
      },
      async nextDue(refreshTokenOnly = false) {
        const list = (await w.admin.list()).filter(
          (t) => t.status === 'ACTIVE' && (!refreshTokenOnly || t.grantType === 'refresh_token'),
        );
        const next = list.sort((a, b) => (a.refreshAt ?? 0) - (b.refreshAt ?? 0))[0];
        if (!next) throw new Error('no ACTIVE org');
        return next;
      },
      async runUntilDueIn(orgId, leadMs) {
        await w.runUntil(
          async () => ((await w.admin.summary(orgId))?.refreshAt ?? 0) - w.now() <= leadMs,
          3 * 60 * MIN,
        );
      },
      async runUntilFired(alarms, maxMs) {
        const since = faultAt ?? w.startedAt;
        const fired = () =>
          w
            .timelines()
            .filter((t) => t.transitions.some((x) => x.to === 'ALARM' && x.t >= since))
            .map((t) => t.alarmId);
        return w.runUntil(() => alarms.every((a) => fired().includes(a)), maxMs);
      },
    };
    await scenario.run(ctx);
    if (faultAt === undefined) throw new Error(`${scenario.id}: the scenario never called fault()`);
    phase('scenario ran');
    const since = faultAt;

    // On-call is paged by the time each expected alarm's deadline passed (those the ground truth decides are
    // judged at the end).
    const early: RunFacts = { world: w, faultAt, expiredInTwoSweepsAt: undefined };
    const due = scenario.expect.flatMap((e) => {
      const deadline = e.deadline(early);
      return deadline === undefined ? [] : [{ alarm: e.alarm, deadline }];
    });
    const latest = Math.max(w.now(), ...due.map((d) => d.deadline));
    await ctx.runUntilFired(
      due.map((d) => d.alarm),
      latest - w.now(),
    );

    // The runbook, executed: every alarm that fired since the fault, until nothing is in ALARM (new alarms may
    // follow from the first ones, e.g. a lost commit ending in a re-auth).
    const handled = new Set<string>();
    let runbookAt: number | undefined;
    const runbook: StepReport[] = [];
    for (let round = 0; round < 4; round++) {
      const fired = w
        .timelines()
        .filter((t) => t.transitions.some((x) => x.to === 'ALARM' && x.t >= since))
        .map((t) => t.alarmId)
        .filter((a) => !handled.has(a));
      if (fired.length > 0) {
        runbookAt ??= w.now();
        runbook.push(...(await executeRunbooks(w, fired, since)));
        for (const a of fired) handled.add(a);
      }
      const quiet = await w.runUntil(() => w.firing().length === 0, 45 * MIN);
      if (quiet && fired.length === 0) break;
    }
    phase('runbook executed, alarms cleared');
    // A quiet stretch after recovery: nothing may come back.
    await w.runFor((options.quick ? 10 : 30) * MIN);

    const end = w.now();
    const timelines = w.timelines(end);
    const facts: RunFacts = { world: w, faultAt, expiredInTwoSweepsAt: expiredInTwoSweeps(w, w.startedAt) };
    const expectations = [...scenario.expect, ...freshnessExpectations(deployment, scenario)].map((e) => ({
      e,
      deadline: e.deadline(facts),
    }));
    const verdict = judgeScenario(
      timelines,
      expectations.flatMap(({ e, deadline }) => (deadline === undefined ? [] : [{ alarm: e.alarm, deadline }])),
      faultAt,
    );
    const cleared = clearedAlarms(timelines, verdict.fired, runbookAt);
    return {
      ...base,
      ...verdict,
      status: 'run',
      faultAt,
      expectations: expectationReport(expectations),
      runbook,
      cleared,
      sli: sliFigures(
        samplesOf(w),
        w.store,
        { service: w.env.POWERTOOLS_SERVICE_NAME ?? 'tenant-token-refresher' },
        faultAt,
        end,
        w.periodMs,
      ),
      timelines,
      simulatedMinutes: Math.round((end - w.startedAt) / MIN),
      realSeconds: Math.round((performance.now() - realStart) / 100) / 10,
      invocations: w.attempts.length,
      operatorCommands: w.operator.map((o) => `${o.command} → exit ${o.code}`),
      world: w,
    };
  } finally {
    await w.stop();
  }
}
