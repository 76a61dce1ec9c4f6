// A provider answering slowly. Three phases, one org each: slow but inside the HTTP timeout (nothing lost); so slow
// the request times out before the provider handled it (ambiguous, but the refresh token is intact: the retry
// succeeds); and handled, then answered too late (the provider rotated the refresh token, the answer never arrived:
// the grant is lost). RotationLost must page for the last one only — and OrgsNeedingReauth with it, as the org now
// needs its customer.
import { afterFault, type Scenario } from '../scenario.js';

const MIN = 60_000;

export const slowProvider: Scenario = {
  id: 'slow-provider',
  title: 'Provider slow: inside the timeout, timed out unhandled, timed out after rotating',
  expect: [
    {
      alarm: 'RotationLost',
      // The org's request at the next tick times out (HTTP_TIMEOUT_MS); the ambiguous outcome is retried after a
      // full-jitter backoff under two periods (the first failure's ceiling), i.e. at the 4th tick after the fault at
      // the latest, where it meets invalid_grant.
      why: 'the retry after the timeout meets invalid_grant (≤ 4 ticks) + one 5-minute period + 1 min',
      deadline: afterFault(4 * 60 + 300 + 60),
    },
    {
      alarm: 'OrgsNeedingReauth',
      why: 'the same org is REAUTH_REQUIRED: the planner’s gauge at the next tick, + one 5-minute period + 1 min',
      deadline: afterFault(5 * 60 + 300 + 60),
    },
  ],
  async run({ w, fault, nextDue, runUntilDueIn, runUntilFired }) {
    /** The next token request of `orgId` meets the fault, once; resolves when it did. */
    const once = async (orgId: string, kind: 'delay' | 'hang-before' | 'hang-after') => {
      let met = false;
      w.oauth.faultHook = (info) => {
        if (met || w.owners.ofParams(info.params) !== orgId) return undefined;
        met = true;
        return kind === 'delay' ? { kind, ms: 4000 } : { kind };
      };
      await w.runUntil(() => met, 30 * MIN);
      w.oauth.faultHook = undefined;
    };
    // 1. Slow, inside the timeout: refreshed, nothing lost.
    const slow = await nextDue(true);
    await runUntilDueIn(slow.orgId, MIN);
    w.mark('note', `${slow.orgId}: the provider takes 4 s (HTTP timeout ${w.env.HTTP_TIMEOUT_MS} ms)`);
    await once(slow.orgId, 'delay');
    await w.runFor(10 * MIN);
    // 2. Timed out before the provider handled it: ambiguous, retried with the same refresh token, nothing lost.
    const unhandled = await nextDue(true);
    await runUntilDueIn(unhandled.orgId, MIN);
    w.mark('note', `${unhandled.orgId}: the request times out before the provider handles it`);
    await once(unhandled.orgId, 'hang-before');
    await w.runFor(10 * MIN);
    // 3. Handled (refresh token rotated), answered too late: the grant is lost.
    const lost = await nextDue(true);
    await runUntilDueIn(lost.orgId, MIN);
    fault(`${lost.orgId}: the provider rotates the refresh token, the answer arrives after the timeout`);
    await once(lost.orgId, 'hang-after');
    await runUntilFired(['RotationLost', 'OrgsNeedingReauth'], 20 * MIN);
  },
};
