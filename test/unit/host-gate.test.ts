// The host gate: each sweep's share of a token host's budget (in flight, per second), and the host backoff every
// sweep shares through the fleet store, announced once per episode, ending by itself.
import { describe, expect, it } from 'vitest';
import type { HostDegradation } from '../../lambdas/core/fleet-ports.js';
import { HOST_STATE_CACHE_MS, HostGate } from '../../lambdas/refresher/host-gate.js';
import { CapturedLog } from '../support/harness.js';
import { MemoryFleetStore } from '../support/memory-fleet-store.js';
import { FakeClock } from '../support/refresher-world.js';

const budget = { maxInFlight: 8, maxPerSecond: 1000 };
const backoff = { failuresToDegrade: 3, backoffMs: 60_000 };

class RecordingHostNotifier {
  readonly events: (HostDegradation & { at: number })[] = [];
  async hostDegraded(d: HostDegradation & { at: number }) {
    this.events.push(d);
  }
}

function gate(
  over: { share?: number; fleet?: MemoryFleetStore; clock?: FakeClock; notifier?: RecordingHostNotifier } = {},
) {
  const clock = over.clock ?? new FakeClock();
  return new HostGate({
    clock,
    log: new CapturedLog(),
    budget,
    share: over.share ?? 4,
    backoff,
    fleet: over.fleet,
    notifier: over.notifier,
  });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('Class: HostGate', () => {
  it('holds a sweep to its share of a host’s requests in flight, without holding up other hosts', async () => {
    const g = gate({ share: 4 }); // 8 / 4 = 2 in flight per host
    const release = deferred();
    let inFlight = 0;
    let most = 0;
    const task = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await release.promise;
      inFlight--;
    };
    const busy = Array.from({ length: 6 }, () => g.run('login.mypurecloud.com', task));
    await new Promise((r) => setTimeout(r, 10));
    expect(inFlight).toBe(2);
    // Another host is not queued behind the first.
    await expect(g.run('acme.zendesk.com', async () => 'other')).resolves.toEqual({ ran: true, value: 'other' });
    release.resolve();
    await Promise.all(busy);
    expect(most).toBe(2);
  });

  it('paces a host’s requests at its share of HOST_MAX_PER_SECOND', async () => {
    const clock = new FakeClock();
    const g = new HostGate({
      clock,
      log: new CapturedLog(),
      budget: { maxInFlight: 100, maxPerSecond: 40 },
      share: 2, // 20/s: one every 50 ms
      backoff,
    });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) await g.run('h', async () => starts.push(clock.now() - 1_800_000_000_000));
    expect(starts).toEqual([0, 50, 100, 150]);
  });

  it('a 429 backs the host off for every sweep, announced once; its requests are not run meanwhile', async () => {
    const clock = new FakeClock();
    const fleet = new MemoryFleetStore();
    const notifier = new RecordingHostNotifier();
    const a = gate({ clock, fleet, notifier });
    const b = gate({ clock, fleet, notifier });
    await a.observe('h', { kind: 'rate-limited', retryAfterMs: 30_000 });
    await b.observe('h', { kind: 'rate-limited', retryAfterMs: 30_000 });
    expect(notifier.events).toEqual([
      { host: 'h', until: clock.now() + 30_000, reason: 'RATE_LIMITED', at: clock.now() },
    ]);
    expect(a.announced.map((d) => d.host)).toEqual(['h']);
    expect(b.announced).toEqual([]);
    // A third sweep that never saw a 429 learns it from the fleet store.
    const c = gate({ clock, fleet, notifier });
    let ran = false;
    await expect(c.run('h', async () => (ran = true))).resolves.toEqual({
      ran: false,
      degradedUntil: clock.now() + 30_000,
    });
    expect(ran).toBe(false);
    expect(c.backedOffUntil('h')).toBe(clock.now() + 30_000);
    await expect(c.run('other-host', async () => 1)).resolves.toEqual({ ran: true, value: 1 });
  });

  it('a run of failures backs the host off; an answer in between does not', async () => {
    const g = gate();
    await g.observe('h', { kind: 'failed', retryAfterMs: undefined });
    await g.observe('h', { kind: 'failed', retryAfterMs: undefined });
    await g.observe('h', { kind: 'answered' });
    await g.observe('h', { kind: 'failed', retryAfterMs: undefined });
    expect(g.backedOffUntil('h')).toBeUndefined();
    await g.observe('h', { kind: 'failed', retryAfterMs: undefined });
    await g.observe('h', { kind: 'failed', retryAfterMs: undefined });
    expect(g.backedOffUntil('h')).toBeDefined();
    expect(g.announced).toEqual([expect.objectContaining({ host: 'h', reason: 'PROVIDER_UNAVAILABLE' })]);
  });

  it('recovers by itself when the backoff ends, and unlists the host', async () => {
    const clock = new FakeClock();
    const fleet = new MemoryFleetStore();
    const g = gate({ clock, fleet });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 20_000 });
    expect((await g.run('h', async () => 'x')).ran).toBe(false);
    clock.t += 20_000 + HOST_STATE_CACHE_MS;
    await expect(g.run('h', async () => 'x')).resolves.toEqual({ ran: true, value: 'x' });
    expect(await fleet.degradedHosts()).toEqual([]);
  });

  it('a new episode after recovery is announced again', async () => {
    const clock = new FakeClock();
    const fleet = new MemoryFleetStore();
    const notifier = new RecordingHostNotifier();
    const g = gate({ clock, fleet, notifier });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    clock.t += 11_000;
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    expect(notifier.events).toHaveLength(2);
  });

  it('still backs off for its own run when the fleet store cannot be written', async () => {
    const fleet = new MemoryFleetStore();
    fleet.markHostDegraded = async () => {
      throw new Error('dynamodb down');
    };
    const g = gate({ fleet });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    expect(g.backedOffUntil('h')).toBeDefined();
  });
});

// Mutants of host-gate.ts survived without these.
describe('Class: HostGate — edges', () => {
  const withLog = (
    over: { fleet?: MemoryFleetStore; clock?: FakeClock; notifier?: RecordingHostNotifier; share?: number } = {},
  ) => {
    const log = new CapturedLog();
    const clock = over.clock ?? new FakeClock();
    const g = new HostGate({
      clock,
      log,
      budget,
      share: over.share ?? 4,
      backoff,
      fleet: over.fleet,
      notifier: over.notifier,
    });
    return { g, log, clock };
  };

  it('without a fleet store, backs off and announces on its own, and never tries to read or share one', async () => {
    const notifier = new RecordingHostNotifier();
    const { g, log } = withLog({ notifier });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    await g.observe('other', { kind: 'rate-limited', retryAfterMs: 10_000 });
    expect((await g.run('h', async () => 1)).ran).toBe(false);
    expect(notifier.events.map((e) => e.host)).toEqual(['h', 'other']);
    expect(log.lines.filter((l) => l.message.startsWith('could not'))).toEqual([]);
  });

  it('a backoff ending this very instant is the same episode: not announced again', async () => {
    const notifier = new RecordingHostNotifier();
    const { g, clock } = withLog({ notifier });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    clock.t += 10_000;
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    expect(notifier.events).toHaveLength(1);
  });

  it('adopts a longer backoff another sweep already stored for the host', async () => {
    const clock = new FakeClock();
    const fleet = new MemoryFleetStore();
    await fleet.markHostDegraded({ host: 'h', until: clock.now() + 60_000, reason: 'RATE_LIMITED' }, clock.now());
    const { g } = withLog({ clock, fleet });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    expect(g.backedOffUntil('h')).toBe(clock.now() + 60_000);
  });

  it('says by error name when a backoff cannot be shared or read, and goes on', async () => {
    const fleet = new MemoryFleetStore();
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    fleet.markHostDegraded = async () => {
      throw denied;
    };
    fleet.degradedHosts = async () => {
      throw denied;
    };
    const { g, log } = withLog({ fleet });
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    await expect(g.run('other', async () => 1)).resolves.toEqual({ ran: true, value: 1 });
    expect(log.lines.filter((l) => l.message.startsWith('could not'))).toEqual([
      {
        level: 'warn',
        message: 'could not share a host backoff',
        fields: { host: 'h', error: 'AccessDeniedException' },
      },
      { level: 'warn', message: 'could not read host backoffs', fields: { error: 'AccessDeniedException' } },
    ]);
  });

  it('reads the fleet’s backoffs at most once per cache period', async () => {
    const clock = new FakeClock();
    const fleet = new MemoryFleetStore();
    const { g } = withLog({ clock, fleet });
    for (let i = 0; i < 5; i++) await g.run('h', async () => i);
    expect(fleet.calls.filter((c) => c === 'degradedHosts')).toHaveLength(1);
    clock.t += HOST_STATE_CACHE_MS;
    await g.run('h', async () => 0);
    expect(fleet.calls.filter((c) => c === 'degradedHosts')).toHaveLength(2);
  });

  it('a request queued behind the host’s only slot does not run if the host is backed off meanwhile', async () => {
    const { g } = withLog({ share: 8 }); // 8 / 8 = 1 in flight
    const release = deferred();
    const started = deferred();
    const first = g.run('h', async () => {
      started.resolve();
      await release.promise;
      return 'first';
    });
    await started.promise;
    let secondRan = false;
    const second = g.run('h', async () => {
      secondRan = true;
      return 'second';
    });
    // The second request has passed the gate's first look and waits for the slot.
    await new Promise((r) => setImmediate(r));
    await g.observe('h', { kind: 'rate-limited', retryAfterMs: 10_000 });
    release.resolve();
    expect(await first).toEqual({ ran: true, value: 'first' });
    expect(await second).toMatchObject({ ran: false });
    expect(secondRan).toBe(false);
  });
});
