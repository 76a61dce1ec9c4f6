// Plain-text tables and relative times for the operator CLI and local mode's status screen.
import type { TenantSummary } from '../lambdas/adapters/dynamodb-tenant-admin.js';

/** `42s`, `3m 05s`, `2h 10m`, `3d 4h`: compact and sortable by eye. */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Time until `at`: `in 42s`, `expired 3m 05s ago`, or `-` when unknown. */
export function formatExpiresIn(at: number | undefined, now: number): string {
  if (at === undefined) return '-';
  return at > now ? formatDuration(at - now) : `expired ${formatDuration(now - at)} ago`;
}

/** Time since `at`: `12s ago`, or `never`. */
export function formatAgo(at: number | undefined, now: number): string {
  return at === undefined ? 'never' : `${formatDuration(now - at)} ago`;
}

/** Left-aligned columns separated by two spaces, with a header and a rule. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const TENANT_COLUMNS = [
  'ORG',
  'PROVIDER',
  'GRANT TYPE',
  'STATUS',
  'EXPIRES IN',
  'LAST REFRESH',
  'FAILURES',
  'LAST ERROR',
] as const;

/** One row per org for TENANT_COLUMNS; never a token (a summary has none). */
export function tenantRow(t: TenantSummary, now: number): string[] {
  const attention = t.attention && t.attention !== t.status ? ` (${t.attention})` : '';
  return [
    t.orgId,
    t.provider,
    t.grantType,
    `${t.status}${attention}`,
    t.status === 'ACTIVE' ? formatExpiresIn(t.expiresAt, now) : '-',
    formatAgo(t.lastRefreshedAt, now),
    String(t.consecutiveFailures),
    t.lastError?.code ?? '',
  ];
}

/** The table `tenants list` prints; an APP column when any org records one (none before apps are declared). */
export function renderTenantTable(tenants: readonly TenantSummary[], now: number): string {
  const apps = tenants.some((t) => t.app !== undefined);
  return renderTable(
    apps ? [...TENANT_COLUMNS, 'APP'] : TENANT_COLUMNS,
    tenants.map((t) => (apps ? [...tenantRow(t, now), t.app ?? '-'] : tenantRow(t, now))),
  );
}
