// One token host throttles us: the generic IdP's host (four orgs: two scoped by an org parameter, two
// client-credentials) answers every token request 429 with `Retry-After: 120` for 25 minutes; every other host is
// healthy. The host must be backed off as a whole — its orgs deferred, not each retrying alone — and, as it is
// backed off again after its backoff ends, ProviderDegraded must page (one 429 honoured pages nothing: the healthy
// day shows that). RefreshFailed stays quiet: 429s are ProviderDegraded's page (in the full run's sparser fleet the
// throttled host's failures were over half of the attempts, and both paged for one cause). The runbook finds the host
// in the `token host backed off` lines; recovery is the provider's (the backoff ends by itself).
import { afterFault, type Scenario, whenTokensReallyExpired } from '../scenario.js';

const MIN = 60_000;
const RETRY_AFTER_SECONDS = 120;

export const providerThrottling: Scenario = {
  id: 'provider-throttling',
  title: 'A token host answering 429 (Retry-After 2 min) for 25 minutes',
  expect: [
    {
      alarm: 'ProviderDegraded',
      // The first 429 comes at the next request to the host (its next due org: at most a tick after we wait for
      // it); the host is backed off for Retry-After; the first request after the backoff meets 429 again (a
      // deferred org is still due: the next tick) — a second episode in the next 5-minute window at the latest.
      why:
        'a 429 at the next tick, backed off 2 min, again at the tick after: episodes in 2 windows, judged at the ' +
        'second’s end + 1 min',
      deadline: afterFault(60 + RETRY_AFTER_SECONDS + 60 + 2 * 300 + 60),
    },
    {
      alarm: 'ExpiredAccessTokens',
      why: 'only if a token really expired in two sweeps in a row',
      deadline: whenTokensReallyExpired(),
    },
  ],
  async run({ w, fault, recover, runUntilDueIn }) {
    const throttled = new Set([w.clients.orgParam.clientId, w.clients.clientCredentials.clientId]);
    const onHost = [...w.orgs.values()].filter((o) => o.client === 'orgParam' || o.client === 'clientCredentials');
    const summaries = await Promise.all(onHost.map((o) => w.admin.summary(o.settings.orgId)));
    const first = summaries.filter((s) => s !== undefined).sort((a, b) => (a.refreshAt ?? 0) - (b.refreshAt ?? 0))[0];
    if (!first) throw new Error('provider-throttling: no org on the generic IdP host');
    await runUntilDueIn(first.orgId, MIN);
    w.oauth.faultHook = (info) =>
      info.clientId !== undefined && throttled.has(info.clientId)
        ? { kind: 'status', status: 429, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } }
        : undefined;
    fault(`the generic IdP's host answers 429 (Retry-After ${RETRY_AFTER_SECONDS}) to every token request`);
    await w.runFor(25 * MIN);
    w.oauth.faultHook = undefined;
    recover('the host answers again');
  },
};
