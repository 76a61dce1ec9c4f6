// `tenants show ORG`: one org in detail. Tokens appear only as sha256 fingerprints.
import { AdminError, type TenantSummary } from '../../lambdas/adapters/dynamodb-tenant-admin.js';
import { PROFILES } from '../../lambdas/core/provider-profiles.js';
import { checkOrgId, parseCommand } from '../args.js';
import { type Command, ExitCode, tableOption, tableReader } from '../context.js';
import { formatAgo, formatDuration, formatExpiresIn } from '../format.js';
import { SHOW_HELP } from '../help.js';

function tokenUrlOf(t: TenantSummary): string {
  try {
    return PROFILES[t.provider].tokenUrl(t);
  } catch {
    return '(not computable)';
  }
}

/** Where the org's scope sits in its token URL, as its profile says (region, subdomain, token URL). */
function scopeOf(t: TenantSummary): string {
  const field = PROFILES[t.provider]?.requiredFields[0]?.field;
  return field === undefined || field === 'tokenUrl' ? 'token URL' : `${field} ${t[field] ?? '?'}`;
}

function at(ms: number | undefined, now: number, future: boolean): string {
  if (ms === undefined) return '-';
  const rel = future ? (ms > now ? `in ${formatExpiresIn(ms, now)}` : formatAgo(ms, now)) : formatAgo(ms, now);
  return `${rel} (${new Date(ms).toISOString()})`;
}

type Row = [string, string];

/** Provider text for a terminal: control characters (escape sequences included) shown as `?`. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** The lifetimes the org asks its provider for. */
function requested(t: TenantSummary): string {
  const parts = [
    t.requestedExpiresIn === undefined ? undefined : `access tokens of ${formatDuration(t.requestedExpiresIn * 1000)}`,
    t.requestedRefreshTokenExpiresIn === undefined
      ? undefined
      : `refresh tokens of ${formatDuration(t.requestedRefreshTokenExpiresIn * 1000)}`,
  ];
  return parts.filter(Boolean).join(', ');
}

export const show: Command = {
  help: SHOW_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(args, { ...tableOption, json: { type: 'boolean' } }, SHOW_HELP, {
      names: ['ORG'],
    });
    const orgId = checkOrgId(positionals[0] as string, SHOW_HELP);
    const details = await tableReader(ctx, values.table, SHOW_HELP).details(orgId);
    if (!details) throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
    const { summary: t, accessTokenFingerprint, refreshTokenFingerprint, clientSecretFingerprint } = details;
    if (values.json) {
      const fingerprints = { accessTokenFingerprint, refreshTokenFingerprint, clientSecretFingerprint };
      ctx.io.stdout(`${JSON.stringify({ ...t, tokenUrl: tokenUrlOf(t), ...fingerprints })}\n`);
      return ExitCode.Ok;
    }
    const now = ctx.now();
    const optional = (row: Row | false): Row[] => (row ? [row] : []);
    const rows: Row[] = [
      ['org', t.orgId],
      ...optional(t.app !== undefined && ['app', t.app]),
      ['provider', `${t.provider} (${scopeOf(t)}) -> ${tokenUrlOf(t)}`],
      ['grant type', t.grantType],
      ['client auth', PROFILES[t.provider].clientAuth ?? t.clientAuth ?? 'basic'],
      ...optional(!!t.orgParam && ['org param', t.orgParam]),
      ...optional(
        (!!t.scope || !!t.requiresOfflineAccess) && [
          'scope',
          `${t.scope ?? ''}${t.requiresOfflineAccess ? ' (+offline_access)' : ''}`.trim(),
        ],
      ),
      // What the provider granted, apart from what is requested: its text, so never able to move the terminal.
      ...optional(t.grantedScope !== undefined && ['granted scope', printable(t.grantedScope)]),
      [
        'client',
        t.clientId !== undefined
          ? `its own: ${t.clientId}, secret ${clientSecretFingerprint ?? 'missing'} (in the record)`
          : t.clientSecretId !== undefined || t.status !== 'REMOVED'
            ? `shared: Secrets Manager ${t.clientSecretId ?? '?'}`
            : 'none (its own client was deleted with the removal)',
      ],
      ...optional(
        (t.requestedExpiresIn !== undefined || t.requestedRefreshTokenExpiresIn !== undefined) && [
          'asks for',
          requested(t),
        ],
      ),
      [
        'status',
        `${t.status}${t.statusReason ? ` (${t.statusReason})` : ''}${t.attention ? ` (attention: ${t.attention})` : ''}` +
          `${t.statusSince !== undefined ? `, since ${at(t.statusSince, now, false)}` : ''}`,
      ],
      ...optional(t.removedAt !== undefined && ['removed', at(t.removedAt, now, false)]),
      ...optional(t.grantIssuedAt !== undefined && ['grant issued', at(t.grantIssuedAt, now, false)]),
      [
        'access token',
        accessTokenFingerprint
          ? `${accessTokenFingerprint} ${t.tokenType ?? ''}, expires ${at(t.expiresAt, now, true)}`
          : 'none yet',
      ],
      [
        'refresh token',
        refreshTokenFingerprint
          ? `${refreshTokenFingerprint}${t.refreshTokenExpiresAt === undefined ? '' : `, expires ${at(t.refreshTokenExpiresAt, now, true)}`}`
          : t.grantType === 'refresh_token'
            ? 'none'
            : 'n/a (client credentials)',
      ],
      [
        'next refresh',
        t.dueShard === undefined
          ? `not scheduled (${t.status === 'REMOVED' ? 'removed: never again' : 'not ACTIVE'})`
          : `${at(t.refreshAt, now, true)}, shard ${t.dueShard}`,
      ],
      ['last refresh', at(t.lastRefreshedAt, now, false)],
      ['failures', String(t.consecutiveFailures)],
      [
        'last error',
        t.lastError ? `${t.lastError.code}: ${t.lastError.message} (${at(t.lastError.at, now, false)})` : '-',
      ],
      ['rotation at risk', t.rotationAtRisk ? 'yes: the last attempt may have consumed the refresh token' : 'no'],
      ['lease', t.leaseOwner ? `${t.leaseOwner} until ${at(t.leaseUntil, now, true)}` : '-'],
      ['version', String(t.version)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    ctx.io.stdout(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    return ExitCode.Ok;
  },
};
