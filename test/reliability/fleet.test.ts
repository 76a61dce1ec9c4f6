// The fan-out at size: 2 000 orgs, the real handler as planner and sweep workers (through the Lambda Invoke stand-in),
// two planner ticks and two full sweeps overlapping, against an OAuth server that revokes the whole grant when a
// refresh token is used twice; two cycles, the second "one hour later". Every org is rotated exactly once per cycle,
// with 0 invalid_grant, and (almost) no claim is lost to another sweep. The fast version is
// test/integration/fleet.test.ts.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock } from '../../lambdas/core/ports.js';
import type { HandlerResult } from '../../lambdas/refresher/handler.js';
import type { RunSummary } from '../../lambdas/refresher/run-refresh.js';
import type { RefresherSettings } from '../../lambdas/refresher-settings.js';
import { captureOutput } from '../../local/handler-output.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { LocalFleet } from '../../local/local-fleet.js';
import { localRefresherEnvironment } from '../../local/refresher-environment.js';
import { scheduledEvent } from '../../local/scheduled-event.js';
import { createHarness, type Harness, TEST_SETTINGS } from '../support/harness.js';
import { recordFigure } from './support/figures.js';
import { fileLedger } from './support/file-ledger.js';
import { orgIds, RefreshTokenWatch, scanRecords, seedOrgs } from './support/fleet.js';

const ORGS = 2000;
const CYCLES = 2;
const HOUR_MS = 3_600_000;
const SETTINGS: Partial<RefresherSettings> = {
  ...TEST_SETTINGS,
  // Generous: the OAuth server, DynamoDB Local and every sweep share two cores.
  httpTimeoutMs: 10_000,
  leaseSeconds: 40,
  lambdaTimeoutSeconds: 180,
  refreshWindowSeconds: 600,
  shardCount: 16,
  maxSweeps: 4,
  orgsPerSweep: 500,
  concurrency: 8,
};

type Sweep = Omit<RunSummary, 'owner'>;
const isSweep = (r: HandlerResult): r is Sweep => 'mode' in r && r.mode === 'sweep';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Fan-out: 2 000 orgs, parallel and overlapping sweeps', () => {
  let h: Harness;
  let fleet: LocalFleet;
  const clock = {
    offsetMs: 0,
    now: () => Date.now() + clock.offsetMs,
    sleep: (ms: number) => wait(ms),
  } as Clock & { offsetMs: number };

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), { settings: SETTINGS, oauth: { accessTokenTtlSeconds: 3600 } });
    await seedOrgs(h, orgIds('fleet', ORGS));
    fleet = await LocalFleet.start({
      env: localRefresherEnvironment({ tableName: h.table, settings: SETTINGS }),
      overrides: { documentClient: h.doc, secretsClient: h.secretsClient, clock },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await h?.close();
  });

  it('rotates every org exactly once per cycle with 0 invalid_grant, and wastes (almost) no claim', async () => {
    const watch = new RefreshTokenWatch(h.oauth);
    const invalidBefore = h.oauth.stats.invalidGrant;
    let rotations = 0;
    let conflicts = 0;
    let violations = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      clock.offsetMs = cycle * HOUR_MS;
      const before = await scanRecords(h);
      watch.reset();
      const workersBefore = fleet.workerResults.length;
      const started = Date.now();
      const { result, lines } = await captureOutput(async () => {
        // Two ticks and two full sweeps, half a second apart: parallel workers and an overlapping next tick.
        const direct: Promise<HandlerResult>[] = [];
        await fleet.plan();
        await wait(500);
        direct.push(fleet.worker(scheduledEvent(), lambdaContext(180_000)));
        await wait(500);
        await fleet.plan();
        await wait(500);
        direct.push(fleet.worker(scheduledEvent(), lambdaContext(180_000)));
        const full = await Promise.all(direct);
        await fleet.idle();
        return [...full, ...fleet.workerResults.slice(workersBefore)].filter(isSweep);
      });
      fileLedger.addText(`fleet cycle ${cycle + 1} output`, lines.join('\n'));
      const refreshed = result.reduce((a, s) => a + s.refreshed, 0);
      conflicts += result.reduce((a, s) => a + (s.skipped.LEASED ?? 0) + (s.skipped.NOT_DUE ?? 0), 0);
      console.log(
        `fleet cycle ${cycle + 1}: ${Date.now() - started} ms, ${result.length} sweeps, refreshed ${result.map((s) => s.refreshed).join(' ')}`,
      );
      expect(result.reduce((a, s) => a + s.failedTotal, 0)).toBe(0);
      expect(result.filter((s) => s.refreshed > 0).length).toBeGreaterThan(1);

      const after = await scanRecords(h);
      for (const [orgId, old] of before) {
        const now = after.get(orgId);
        const once =
          watch.count(old.refreshToken) === 1 &&
          now?.refreshToken !== old.refreshToken &&
          now?.version === (old.version as number) + 1 &&
          now?.leaseOwner === undefined &&
          now?.status === 'ACTIVE';
        if (!once) violations++;
      }
      expect(watch.sent.size).toBe(ORGS);
      expect(refreshed).toBe(ORGS);
      rotations += refreshed;
    }
    const invalidGrant = h.oauth.stats.invalidGrant - invalidBefore;
    recordFigure('fleet orgs', ORGS, `(${CYCLES} cycles, 2 planner ticks + 2 full sweeps overlapping each)`);
    recordFigure('fleet rotations', rotations, `(expected ${ORGS * CYCLES})`);
    recordFigure('fleet exactly-once violations', violations);
    recordFigure('fleet invalid_grant', invalidGrant);
    recordFigure('fleet wasted claims per refresh', (conflicts / Math.max(1, rotations)).toFixed(4));
    expect(violations).toBe(0);
    expect(invalidGrant).toBe(0);
    expect(conflicts / rotations).toBeLessThanOrEqual(0.05);
  });
});
