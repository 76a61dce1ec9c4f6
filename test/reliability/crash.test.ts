// Invariant 2 under crashes: a refresher process is SIGKILLed at a random moment around one of four points — before a
// claim, after a claim, after the provider answered but before the commit, during the commit — while other orgs of
// its sweep are at other stages. Afterwards (one lease later, another refresher having swept) every org either holds
// a refresh token the provider accepts, proven by refreshing it, or is in the alarmed ROTATION_LOST state. A grant
// that is dead while the record looks healthy is a lost token.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { leaseHoldMs } from '../../lambdas/core/commit-window.js';
import type { Clock } from '../../lambdas/core/ports.js';
import type { RefresherSettings } from '../../lambdas/refresher-settings.js';
import { scheduledEvent } from '../../local/scheduled-event.js';
import { createHarness, type Harness } from '../support/harness.js';
import { recordFigure } from './support/figures.js';
import { fileLedger } from './support/file-ledger.js';
import { grantVerdict, orgIds, seedOrgs } from './support/fleet.js';
import { KILL_POINTS, type KillPoint } from './support/kill-switch.js';
import { RefresherProcess, refresherEnv } from './support/refresher-process.js';

const LANES = 3;
const RUNS_PER_LANE = 20;
const ORGS_PER_RUN = 6;
const SETTINGS: Partial<RefresherSettings> = {
  httpTimeoutMs: 5000,
  maxAttempts: 2,
  leaseSeconds: 16,
  lambdaTimeoutSeconds: 60,
  schedulePeriodSeconds: 60,
  refreshWindowSeconds: 600,
  concurrency: 3,
  shardCount: 2,
  allowedTokenHosts: ['127.0.0.1'],
};

type Verdict = 'verified' | 'alarmed' | 'lost';
interface PointTally {
  runs: number;
  verified: number;
  alarmed: number;
  lost: number;
}

const tally = Object.fromEntries(KILL_POINTS.map((p) => [p, { runs: 0, verified: 0, alarmed: 0, lost: 0 }])) as Record<
  KillPoint,
  PointTally
>;
const harnesses: Harness[] = [];

/** Another refresher, one lease after the crash: the lease the dead process held has expired for it. */
function afterTheLease(h: Harness): Clock {
  const shift = leaseHoldMs(h.config.leaseMs) + 1_000;
  return { now: () => Date.now() + shift, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
}

async function crashRun(h: Harness, run: number, point: KillPoint): Promise<Verdict[]> {
  const ids = orgIds(`crash-${run}-${point}`, ORGS_PER_RUN);
  await seedOrgs(h, ids);
  const proc = await RefresherProcess.start(
    refresherEnv({
      tableName: h.table,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      secretsEndpoint: h.secrets.endpoint,
      settings: SETTINGS,
      // This test is about org leases and what a crash leaves in them; a killed sweep's sweep leases would keep the
      // next run's sweep off the shards for a third of a lease (the availability test crashes sweeps with them on).
      sweepLeases: false,
    }),
  );
  const nth = 1 + Math.floor(Math.random() * ORGS_PER_RUN);
  const outcome = await proc.invoke(scheduledEvent(), {
    budgetMs: 60_000,
    kill: { point, nth, commitDelayMs: Math.floor(Math.random() * 8) },
  });
  proc.kill(); // a process that failed to die must not linger
  fileLedger.addText(`crash ${run} stdout`, proc.stdout);
  fileLedger.addText(`crash ${run} stderr`, proc.stderr);
  expect(outcome, `run ${run} (${point} #${nth}) should have died`).toMatchObject({ kind: 'died', signal: 'SIGKILL' });

  const recovery = h.runtime({ clock: afterTheLease(h) });
  const sweep = await recovery.run.sweep(h.scope());
  fileLedger.addText(`crash ${run} recovery summary`, sweep);

  const verdicts = new Map<string, Verdict>();
  const active: string[] = [];
  for (const id of ids) {
    const verdict = await grantVerdict(h, id);
    // After a recovery sweep nothing may still be merely "at risk", and no ordinary re-auth may hide a crash.
    verdicts.set(id, verdict === 'verified' || verdict === 'alarmed' ? verdict : 'lost');
    if (verdict === 'verified') active.push(id);
  }
  const alarmed = [...verdicts.values()].filter((v) => v === 'alarmed').length;
  // The alarm is the RotationLost metric, which the handler derives from this count.
  expect(sweep.rotationLost, `run ${run}: every lost rotation is counted for the RotationLost alarm`).toBe(alarmed);

  // Verify by refreshing: every org that looks healthy must really refresh, now.
  const proof = await recovery.run.refreshOrgs(active, h.scope());
  for (const o of proof.outcomes ?? []) if (o.result !== 'refreshed') verdicts.set(o.orgId, 'lost');
  return [...verdicts.values()];
}

describe('Crashes: SIGKILL a refresher at random points', () => {
  afterAll(async () => {
    const runs = KILL_POINTS.reduce((n, p) => n + tally[p].runs, 0);
    recordFigure('crash runs', runs, `(${ORGS_PER_RUN} orgs each, ${SETTINGS.concurrency} in flight)`);
    for (const p of KILL_POINTS) {
      const t = tally[p];
      recordFigure(
        `crash kill ${p}`,
        t.runs,
        `runs: ${t.verified} orgs verified, ${t.alarmed} alarmed, ${t.lost} lost`,
      );
    }
    recordFigure(
      'crash orgs verified by refreshing',
      KILL_POINTS.reduce((n, p) => n + tally[p].verified, 0),
    );
    recordFigure(
      'crash orgs alarmed rotation lost',
      KILL_POINTS.reduce((n, p) => n + tally[p].alarmed, 0),
    );
    recordFigure(
      'lost tokens',
      KILL_POINTS.reduce((n, p) => n + tally[p].lost, 0),
    );
    for (const h of harnesses) await h.close();
  });

  it(`${LANES * RUNS_PER_LANE} runs: every org ends verified by refreshing or alarmed as ROTATION_LOST, never silently dead`, async () => {
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const h = await createHarness(inject('dynamoDbEndpoint'), {
          settings: SETTINGS,
          oauth: { accessTokenTtlSeconds: 3600 },
        });
        harnesses.push(h);
        for (let i = 0; i < RUNS_PER_LANE; i++) {
          const run = lane * RUNS_PER_LANE + i;
          const point = KILL_POINTS[run % KILL_POINTS.length] as KillPoint;
          const verdicts = await crashRun(h, run, point);
          const t = tally[point];
          t.runs++;
          for (const v of verdicts) t[v]++;
        }
      }),
    );
    const lost = KILL_POINTS.reduce((n, p) => n + tally[p].lost, 0);
    expect(lost).toBe(0);
    // Each point was exercised, and the dangerous one really lost rotations (otherwise the kill came too early).
    for (const p of KILL_POINTS) expect(tally[p].runs).toBeGreaterThanOrEqual(12);
    expect(tally['after-response'].alarmed).toBeGreaterThan(0);
  });
});
