// The simulation's clock. The whole process — the refresher, oidc-provider (token expiry), Powertools (EMF
// timestamps), the AWS SDK, the operator CLI — reads the time through the global `Date`, so replacing it once gives
// every party the same simulated time, and a token the provider considers expired is exactly one the
// ExpiredAccessTokens gauge counts as expired.
//
// Simulated time flows at real speed inside a tick (HTTP timeouts, leases and Lambda's remaining time all run on real
// timers and must agree with Date) and jumps forward between ticks, where real time has nothing to wait for. That is
// why this is not @sinonjs/fake-timers: its Date stands still unless its own ticker advances it, and faking the timers
// too would stop real I/O (DynamoDB Local, loopback HTTP) from ever completing.

const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);

let offsetMs = 0;
let installed = false;

/** Simulated epoch ms now. */
export function simNow(): number {
  return realNow() + offsetMs;
}

/** Replaces the global Date with one that reads simulated time. Idempotent; call before anything reads the time. */
export function installVirtualTime(startAt: number): void {
  offsetMs = startAt - realNow();
  if (installed) return;
  installed = true;
  function VirtualDate(this: unknown, ...args: unknown[]): Date | string {
    // Called without `new`, Date returns the current time as a string.
    if (new.target === undefined) return new RealDate(simNow()).toString();
    return args.length === 0 ? new RealDate(simNow()) : new RealDate(...(args as [number]));
  }
  // Instances are real Dates (same prototype), so `instanceof Date` and every Date method keep working.
  VirtualDate.prototype = RealDate.prototype;
  Object.defineProperties(VirtualDate, {
    now: { value: simNow, writable: true, configurable: true },
    parse: { value: RealDate.parse, writable: true, configurable: true },
    UTC: { value: RealDate.UTC, writable: true, configurable: true },
  });
  globalThis.Date = VirtualDate as unknown as DateConstructor;
}

/** Jumps simulated time forward to `at` (never backwards: every party assumes a monotonic clock). */
export function advanceTo(at: number): void {
  const now = simNow();
  if (at > now) offsetMs += at - now;
}

/** Jumps simulated time forward by `ms`. */
export function advanceBy(ms: number): void {
  if (ms > 0) offsetMs += ms;
}

/**
 * The refresher's Clock port on simulated time: a sleep (the in-run backoff between token attempts, the commit
 * retries) moves the clock to its wake-up time instead of waiting in real time. Sleeps that overlap end at the latest
 * wake-up among them, as they would in real time; the HTTP timeout stays a real timer, as the request is real.
 */
export const simulatedClock = {
  now: simNow,
  async sleep(ms: number): Promise<void> {
    const wake = simNow() + Math.max(0, ms);
    await new Promise((resolve) => setImmediate(resolve));
    advanceTo(wake);
  },
};
