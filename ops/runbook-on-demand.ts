// docs/runbook.md, executed, for the on-demand refresh's alarm: OnDemandLoop. The steps read what on-call reads — the
// on-demand function's `on-demand refresh repeated` lines, `tenants show` — and act as the runbook says: disable the
// looping org (the app then gets TENANT_DISABLED and stops asking), and enable it once its cause is fixed.
import type { TenantSummary } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { countBy, parseJson, type RunbookStep } from './runbook-reading.js';
import type { World } from './world/world.js';

/** The orgs and token hosts of the `on-demand refresh repeated` lines since `since`. */
function repeated(w: World, since: number): Record<string, unknown>[] {
  return w
    .logLines(since, 'on-demand')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((f) => f.message === 'on-demand refresh repeated');
}

const looping = (w: World, since: number) => [...new Set(repeated(w, since).map((f) => String(f.orgId)))];

/** What the step before disabled, so the last step can enable exactly those. */
const disabled = new WeakMap<World, string[]>();

export const ON_DEMAND_RUNBOOK: Record<string, RunbookStep[]> = {
  OnDemandLoop: [
    {
      says: 'for `on-demand refresh repeated` lines, grouped by `orgId` and `tokenHost`',
      async run(w, since) {
        return countBy(repeated(w, since), 'orgId', 'tokenHost');
      },
    },
    {
      says: '`tenants show ORG`: ACTIVE, a recent `lastRefreshedAt` and no `lastError`',
      async run(w, since) {
        const states: string[] = [];
        for (const orgId of looping(w, since)) {
          const r = await w.cli(['tenants', 'show', orgId, '--json']);
          const s = parseJson<{ summary?: TenantSummary } & Partial<TenantSummary>>(r.stdout);
          const t = s.summary ?? (s as TenantSummary);
          const ago = t.lastRefreshedAt === undefined ? '?' : `${Math.round((w.now() - t.lastRefreshedAt) / 1000)} s`;
          states.push(`${orgId}: ${t.status}, refreshed ${ago} ago, lastError ${t.lastError?.code ?? 'none'}`);
        }
        return `${states.join('; ') || 'no org named'}: the refreshes work, the app's API refuses the tokens`;
      },
    },
    {
      says: 'stop the loop while they fix it: `tenants disable ORG`',
      async run(w, since) {
        const orgs = looping(w, since);
        for (const orgId of orgs) {
          const r = await w.cli(['tenants', 'disable', orgId]);
          if (r.code !== 0) throw new Error(`tenants disable ${orgId} failed: ${r.stderr}`);
        }
        disabled.set(w, orgs);
        // The app meets TENANT_DISABLED on its next call and stops asking; its team is told the org and the host.
        await w.runFor(w.periodMs);
        const last = w.onDemand?.calls.at(-1);
        return `disabled ${orgs.join(', ') || 'nothing'}; the app's next call: ${last?.outcome ?? 'none'}`;
      },
    },
    {
      says: 'the cause is fixed, `tenants enable ORG`',
      async run(w) {
        const orgs = disabled.get(w) ?? [];
        // The customer restored the app's role: the app's API accepts the org's tokens again.
        for (const orgId of orgs) w.onDemand?.apiRefuses.delete(orgId);
        for (const orgId of orgs) {
          const r = await w.cli(['tenants', 'enable', orgId]);
          if (r.code !== 0) throw new Error(`tenants enable ${orgId} failed: ${r.stderr}`);
        }
        await w.runFor(2 * w.periodMs);
        const last = w.onDemand?.calls.at(-1);
        return `enabled ${orgs.join(', ') || 'nothing'}; the app's next call: ${last?.outcome ?? 'none'}`;
      },
    },
  ],
};
