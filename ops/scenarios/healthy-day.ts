// A healthy day: the fleet refreshing around the clock, with the small trouble a real day has — one token request
// answered 503, one 429 with Retry-After, one slow answer (well inside the HTTP timeout) — and hosted apps using the
// on-demand refresh as on any day: an export asking for a 45-minute token every hour, a token refused once every two
// hours (a provider rotated it early) and asked for again. Nothing may page.
import type { Scenario } from '../scenario.js';

const HOUR = 3_600_000;
const MIN = 60_000;

export const healthyDay: Scenario = {
  id: 'healthy-day',
  title: 'A healthy day (one 503, one 429, one slow answer)',
  expect: [],
  async run({ w, quick, fault }) {
    fault('start of the day: no fault (nothing may fire)');
    const hours = quick ? 3 : 24;
    let blips = 0;
    w.oauth.faultHook = (info) => {
      if (info.grantType !== 'refresh_token') return undefined;
      blips++;
      if (blips === 3) return { kind: 'status', status: 503 };
      if (blips === 7) return { kind: 'status', status: 429, headers: { 'retry-after': '30' } };
      if (blips === 11) return { kind: 'delay', ms: 3000 };
      return undefined;
    };
    const onDemand = w.onDemand;
    if (onDemand) {
      const orgs = (await w.admin.list()).filter((t) => t.status === 'ACTIVE').map((t) => t.orgId);
      const [exporting, rotatedEarly] = [orgs[0] as string, orgs[orgs.length - 1] as string];
      let tick = 0;
      w.onTick = async () => {
        tick++;
        if (tick % 60 === 15) await onDemand.longLivedToken(exporting, 45 * MIN);
        if (tick % 120 === 45) onDemand.apiRefusesOnce.add(rotatedEarly);
        if (tick % 5 === 0) await onDemand.callApi(rotatedEarly);
      };
    }
    await w.runFor(hours * HOUR);
    w.oauth.faultHook = undefined;
    w.onTick = undefined;
  },
};
