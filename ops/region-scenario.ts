// A multi-Region scenario (docs/alarm-simulation.md#regions): the same harness as ops/scenario.ts — onboard the fleet,
// let it settle, run the fault, wait for every expected alarm's deadline, execute each fired alarm's runbook in the
// Region it fired in, wait for everything to clear, a quiet stretch, judge — over a RegionalWorld. Alarms are named
// `<region>/<alarm>`. Besides the alarms, each scenario states what the Regions did (`facts`): how often each org was
// refreshed and by which Region, the replicated write conflicts met, invalid grants, lost rotations.
import { seededRandom } from '../local/seeded-random.js';
import type { RefresherDeployment } from './deployment.js';
import { burnPairsOf, sliFigures } from './freshness.js';
import { executeRunbooks, type StepReport } from './runbook.js';
import { burnDeadline, clearedAlarms, expectationReport, type ScenarioResult, samplesOf } from './scenario.js';
import { judgeScenario } from './score.js';
import { FLEET } from './world/fleet.js';
import { RegionalWorld, regionalAlarm } from './world/regions.js';
import type { HandlerModule, World } from './world/world.js';

const MIN = 60_000;

export interface RegionRunFacts {
  rw: RegionalWorld;
  faultAt: number;
}

export interface RegionExpectation {
  /** `<region>/<alarm>`. */
  alarm: string;
  why: string;
  deadline: (run: RegionRunFacts) => number | undefined;
}

export interface RegionScenarioContext {
  rw: RegionalWorld;
  quick: boolean;
  fault(text: string): void;
  recover(text: string): void;
  runUntilFired(alarms: readonly string[], maxMs: number): Promise<boolean>;
}

export interface RegionScenario {
  id: string;
  title: string;
  expect: RegionExpectation[];
  run(ctx: RegionScenarioContext): Promise<void>;
  /** What must hold besides the alarms (each a sentence and whether it held), checked at the end. */
  checks?(facts: RegionFacts): { says: string; held: boolean }[];
}

/** What the Regions did, from the fault to the end. */
export interface RegionFacts {
  /** Token answers with new tokens, by Region. */
  refreshesByRegion: Record<string, number>;
  /** Per refresh-token org: its rotations, and the shortest time between two of them (minutes). */
  perOrg: Record<string, { refreshes: number; shortestGapMinutes: number | undefined }>;
  /** Answers `invalid_grant` over the whole run, every Region. */
  invalidGrants: number;
  /** `rotation lost` and `token response received but not committed` log lines, every Region. */
  rotationsLost: number;
  tokensNotCommitted: number;
  /** Replicated write conflicts met, by Region: writes that raced another Region's, and the injected ones. */
  conflictsByRegion: Record<string, { raced: number; injected: number; refusedCutOff: number }>;
  /** ACTIVE org-minutes in which a hosted app had no valid token (ground truth). */
  unauthorizedOrgMinutes: number;
  /** Abandoned org leases taken over (`took over an abandoned lease`), by the Region that took them. */
  takeoversByRegion: Record<string, number>;
  /** Planner lines saying the Region cannot write to the table, by Region. */
  cutOffLinesByRegion: Record<string, number>;
  /** The Regions' checks, with whether they held. */
  checks: { says: string; held: boolean }[];
}

export interface RegionHarnessOptions {
  deployments: ReadonlyMap<string, RefresherDeployment>;
  dynamoDbEndpoint: string;
  handlerModule: HandlerModule;
  quick: boolean;
  seed: number;
  progress: (line: string) => void;
}

const count = (w: World, from: number, message: string) =>
  w.logLines(from).filter((l) => l.includes(`"message":"${message}`)).length;

function regionFacts(rw: RegionalWorld, from: number): Omit<RegionFacts, 'checks'> {
  const refreshesByRegion: Record<string, number> = {};
  const times = new Map<string, number[]>();
  let invalidGrants = 0;
  const conflictsByRegion: RegionFacts['conflictsByRegion'] = {};
  const takeoversByRegion: Record<string, number> = {};
  const cutOffLinesByRegion: Record<string, number> = {};
  let rotationsLost = 0;
  let tokensNotCommitted = 0;
  for (const [region, w] of rw.worlds) {
    const ok = w.exchanges.filter((e) => e.t >= from && e.status === 200);
    refreshesByRegion[region] = ok.length;
    for (const e of ok) if (e.orgId) times.set(e.orgId, [...(times.get(e.orgId) ?? []), e.t]);
    invalidGrants += w.exchanges.filter((e) => e.invalidGrant).length;
    const s = rw.mrsc.statsOf(region);
    conflictsByRegion[region] = { raced: s.conflicts, injected: s.injectedConflicts, refusedCutOff: s.refusedCutOff };
    takeoversByRegion[region] = count(w, from, 'took over an abandoned lease');
    cutOffLinesByRegion[region] = count(w, from, 'region cut off from the table');
    rotationsLost += count(w, w.startedAt, 'rotation lost');
    tokensNotCommitted += count(w, w.startedAt, 'token response received but not committed');
  }
  const perOrg: RegionFacts['perOrg'] = {};
  // Refresh-token orgs: their token requests name them (by the refresh token); a client-credentials request does not.
  for (const [orgId, org] of rw.primary.orgs) {
    if (org.settings.grantType !== 'refresh_token') continue;
    const t = (times.get(orgId) ?? []).sort((a, b) => a - b);
    const gaps = t.slice(1).map((x, i) => x - (t[i] as number));
    perOrg[orgId] = {
      refreshes: t.length,
      shortestGapMinutes: gaps.length ? Math.round(Math.min(...gaps) / MIN) : undefined,
    };
  }
  const unauthorizedOrgMinutes = rw.primary.truth
    .filter((s) => s.t >= from)
    .reduce((a, s) => a + (s.unauthorized.length * rw.primary.periodMs) / MIN, 0);
  return {
    refreshesByRegion,
    perOrg,
    invalidGrants,
    rotationsLost,
    tokensNotCommitted,
    conflictsByRegion,
    unauthorizedOrgMinutes,
    takeoversByRegion,
    cutOffLinesByRegion,
  };
}

export type RegionScenarioResult = ScenarioResult & { regions?: RegionFacts; worlds?: World[] };

export async function runRegionScenario(
  scenario: RegionScenario,
  options: RegionHarnessOptions,
): Promise<RegionScenarioResult> {
  const realStart = performance.now();
  const rw = await RegionalWorld.create({
    deployments: options.deployments,
    dynamoDbEndpoint: options.dynamoDbEndpoint,
    handlerModule: options.handlerModule,
    name: scenario.id,
    seed: options.seed,
    // Tens of milliseconds between the Regions of one set; 1 % of writes refused at random besides real races.
    mrsc: { crossRegionMs: 30, injectedConflictRate: 0.01, random: seededRandom(options.seed * 7919) },
  });
  const phase = (name: string) =>
    options.progress(
      `  ${name} at ${new Date(rw.now()).toISOString().slice(11, 16)} (${((performance.now() - realStart) / 1000).toFixed(1)} s)`,
    );
  try {
    const spacing = (options.quick ? 2 : 5) * MIN;
    for (const org of FLEET) {
      await rw.onboard(org);
      await rw.runFor(spacing);
    }
    await rw.runFor((options.quick ? 10 : 30) * MIN);
    phase('fleet onboarded and settled');

    let faultAt: number | undefined;
    const firedSince = (since: number) =>
      rw
        .timelines()
        .filter((t) => t.transitions.some((x) => x.to === 'ALARM' && x.t >= since))
        .map((t) => t.alarmId);
    const ctx: RegionScenarioContext = {
      rw,
      quick: options.quick,
      fault(text) {
        if (faultAt !== undefined) throw new Error(`${scenario.id}: fault() called twice`);
        faultAt = rw.mark('fault', text);
      },
      recover(text) {
        rw.mark('recovery', text);
      },
      runUntilFired(alarms, maxMs) {
        const since = faultAt ?? rw.primary.startedAt;
        return rw.runUntil(() => alarms.every((a) => firedSince(since).includes(a)), maxMs);
      },
    };
    await scenario.run(ctx);
    if (faultAt === undefined) throw new Error(`${scenario.id}: the scenario never called fault()`);
    phase('scenario ran');
    const since = faultAt;

    // Every alarm of every Region that fired since the fault: its runbook, executed in the Region it fired in.
    const handled = new Set<string>();
    let runbookAt: number | undefined;
    const runbook: StepReport[] = [];
    for (let round = 0; round < 4; round++) {
      const fired = firedSince(since).filter((a) => !handled.has(a));
      for (const [region, w] of rw.worlds) {
        const mine = fired.filter((a) => a.startsWith(`${region}/`)).map((a) => a.slice(region.length + 1));
        if (mine.length === 0 || rw.lostAt.has(region)) continue;
        runbookAt ??= rw.now();
        const steps = await executeRunbooks(w, mine, since);
        runbook.push(...steps.map((s) => ({ ...s, alarm: regionalAlarm(region, s.alarm) })));
      }
      for (const a of fired) handled.add(a);
      const quiet = await rw.runUntil(() => rw.firing().length === 0, 45 * MIN);
      if (quiet && fired.length === 0) break;
    }
    phase('runbook executed, alarms cleared');
    await rw.runFor((options.quick ? 10 : 30) * MIN);

    const end = rw.now();
    const timelines = rw.timelines(end);
    const run: RegionRunFacts = { rw, faultAt };
    const samples = samplesOf(rw.primary);
    // The freshness objective in every Region that stayed: expected only if the ground truth burns the budget.
    const freshness: RegionExpectation[] = [...rw.worlds].flatMap(([region, w]) =>
      burnPairsOf(w.deployment).map((pair) => ({
        alarm: regionalAlarm(region, pair.id),
        why: 'only if the ground truth burns the budget over both windows',
        deadline: () => burnDeadline(samples, pair),
      })),
    );
    const expectations = [...scenario.expect, ...freshness].map((e) => ({ e, deadline: e.deadline(run) }));
    const verdict = judgeScenario(
      timelines,
      expectations.flatMap(({ e, deadline }) => (deadline === undefined ? [] : [{ alarm: e.alarm, deadline }])),
      faultAt,
    );
    const cleared = clearedAlarms(timelines, verdict.fired, runbookAt);
    const facts = regionFacts(rw, faultAt);
    const checks = scenario.checks?.({ ...facts, checks: [] }) ?? [];
    const stayed = [...rw.worlds].filter(([region]) => !rw.lostAt.has(region)).map(([, w]) => w);
    const witness = stayed.at(-1) ?? rw.primary;
    const worlds = [...rw.worlds.values()];
    return {
      id: scenario.id,
      title: scenario.title,
      status: 'run',
      ...verdict,
      faultAt,
      expectations: expectationReport(expectations),
      runbook,
      cleared,
      sli: sliFigures(
        samples,
        witness.store,
        { service: witness.env.POWERTOOLS_SERVICE_NAME ?? 'tenant-token-refresher' },
        faultAt,
        end,
        witness.periodMs,
      ),
      regions: { ...facts, checks },
      timelines,
      simulatedMinutes: Math.round((end - rw.primary.startedAt) / MIN),
      realSeconds: Math.round((performance.now() - realStart) / 100) / 10,
      invocations: worlds.reduce((a, w) => a + w.attempts.length, 0),
      operatorCommands: worlds.flatMap((w) => w.operator.map((o) => `${o.command} → exit ${o.code}`)),
      world: rw.primary,
      worlds,
    };
  } finally {
    await rw.stop();
  }
}
