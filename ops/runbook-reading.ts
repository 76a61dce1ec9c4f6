// What a runbook step reads, as on-call reads it: the operator CLI's JSON, the function's log group, counts by field.
import type { TenantSummary } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import type { World } from './world/world.js';

export interface RunbookStep {
  says: string;
  /** Does the step; returns what it found or did, for the report. */
  run(w: World, since: number): Promise<string>;
}

export const parseJson = <T>(text: string): T => JSON.parse(text) as T;

export async function tenants(w: World): Promise<TenantSummary[]> {
  const r = await w.cli(['tenants', 'list', '--json']);
  if (r.code !== 0) throw new Error(`tenants list failed: ${r.stderr}`);
  return parseJson<TenantSummary[]>(r.stdout);
}

/** `tenants refresh ORG` for each ACTIVE org whose access token has expired; what each answered. */
export async function refreshExpiredOrgs(w: World): Promise<string> {
  const now = w.now();
  const expired = (await tenants(w)).filter((t) => t.status === 'ACTIVE' && (t.expiresAt ?? 0) <= now);
  const results: string[] = [];
  for (const t of expired) {
    const r = await w.cli(['tenants', 'refresh', t.orgId]);
    results.push(`${t.orgId}: ${r.code === 0 ? 'refreshed' : r.stderr.trim()}`);
  }
  return results.join('; ') || 'no expired token left';
}

export function logFields(w: World, since: number, message: string): Record<string, unknown>[] {
  return w
    .logLines(since)
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((f) => f.message === message);
}

export function countBy(items: Record<string, unknown>[], ...keys: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keys.map((k) => String(item[k] ?? '-')).join('/');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
}
