// The token record: one DynamoDB item per org. The schema is the single source of what a valid record is; every
// message names the field and never echoes a value (a value may be a token).
import * as z from 'zod/mini';
import { PROFILES, PROVIDER_NAMES, type ProviderName, type RequestableLifetime } from './provider-profiles.js';
import { PLAIN } from './validation-messages.js';

export const ORG_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const ORG_ID_RULE = '1-128 characters: letters, digits and . _ : @ -, starting with a letter or digit';

/** A hosted app's name (core/hosted-apps.ts): lower-case words joined by "-", each starting with a letter. */
export const APP_NAME_PATTERN = /^(?=.{1,32}$)[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;
export const APP_NAME_RULE =
  '1-32 characters: lower-case words of a-z and 0-9 joined by "-", each starting with a letter';
/** How many replaced grants' fingerprints a record remembers (`replacedGrants`): replays of them are stale. */
export const REPLACED_GRANTS_KEPT = 4;

/**
 * REMOVED is a tombstone: the org was offboarded (a hosted app's `removeOrg`, `tenants remove`). It holds no token and
 * no client secret, is in no index, and keeps the grant watermark (`grantIssuedAt`) so a replayed older grant is
 * refused while a newer one onboards the org again (core/removal.ts).
 */
export const RecordStatus = {
  Active: 'ACTIVE',
  ReauthRequired: 'REAUTH_REQUIRED',
  Disabled: 'DISABLED',
  Removed: 'REMOVED',
} as const;
export type RecordStatusValue = (typeof RecordStatus)[keyof typeof RecordStatus];

/**
 * Why an org is listed in the attention index (its `attention` attribute). EXPIRED marks an ACTIVE org that was
 * released with a backoff reaching past its token's expiry: it is out of the due set while hosted apps get 401s, so
 * the expired-token gauge must find it somewhere other than the due index.
 */
export const Attention = {
  ReauthRequired: 'REAUTH_REQUIRED',
  Misconfigured: 'MISCONFIGURED',
  Expired: 'EXPIRED',
  /**
   * Set at commit: the refresh token expires within the warning period and refreshing does not extend it, so the org
   * is heading for re-authorisation (core/refresh-token-outlook.ts). The others take precedence over it.
   */
  RefreshTokenExpiring: 'REFRESH_TOKEN_EXPIRING',
} as const;

export const GRANT_TYPES = ['refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

const str = () => z.string({ error: 'must be a string' });

export const orgIdSchema = str().check(z.regex(ORG_ID_PATTERN, `must be ${ORG_ID_RULE}`));

/** A secret name or ARN, as Secrets Manager accepts them. */
export const clientSecretIdSchema = str().check(
  z.regex(/^[A-Za-z0-9/_+=.@:-]{1,2048}$/, 'must be a Secrets Manager secret name or ARN'),
);

const SUBDOMAIN_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

const tokenString = str().check(z.minLength(1, 'must not be empty'), z.maxLength(16_384, 'is too long'));
/** An OAuth client id or secret: one line of printable characters (what Secrets Manager's JSON holds too). */
const clientString = (max: number) =>
  str().check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, 'is too long'),
    z.regex(/^[\x21-\x7e]*$/, 'must be printable characters without spaces'),
  );
/** The org's own OAuth client's id. */
export const clientIdSchema = clientString(1024);
/** The org's own client secret: as sensitive as its refresh token (never logged, never in the reader's grant). */
export const clientSecretSchema = clientString(4096);
/** A requested lifetime in seconds; the provider's own range is checked by checkProviderFields. */
const lifetimeSeconds = z
  .int({ error: 'must be a whole number of seconds' })
  .check(z.positive('must be a positive number of seconds'));
const epochMs = z.int({ error: 'must be a number (whole epoch ms)' }).check(z.nonnegative('must not be negative'));
const count = z.int({ error: 'must be a whole number' }).check(z.nonnegative('must not be negative'));

export const lastErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  at: z.number(),
});
export type LastError = z.infer<typeof lastErrorSchema>;

/**
 * The longest scope a provider's answer may grant and still be kept. One bound for the classifier (which refuses a
 * longer answer) and for the record's `grantedScope` (which must hold whatever the classifier accepted), so a token
 * response can never make the record fail its own schema at the next claim (issue 16).
 */
export const GRANTED_SCOPE_MAX_LENGTH = 4096;

/** Fields an operator chooses when onboarding an org (also validated by the CLI). */
export const orgSettingsShape = {
  orgId: orgIdSchema,
  provider: z.enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` }),
  grantType: z.enum(GRANT_TYPES, { error: `must be one of ${GRANT_TYPES.join(', ')}` }),
  region: z.optional(str()),
  subdomain: z.optional(str().check(z.regex(SUBDOMAIN_PATTERN, 'must be a DNS label (a-z, 0-9, -)'))),
  tokenUrl: z.optional(str().check(z.maxLength(2048, 'is too long'))),
  /**
   * generic only: the provider's RFC 7009 revocation endpoint, used when the org is removed; checked by the token
   * URL's host allow-list, since it receives the org's client secret too.
   */
  revocationUrl: z.optional(str().check(z.maxLength(2048, 'is too long'))),
  clientAuth: z.optional(z.enum(['basic', 'post'], { error: 'must be basic or post' })),
  orgParam: z.optional(
    str().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a form parameter name like organization_id')),
  ),
  scope: z.optional(str().check(z.maxLength(1024, 'is too long'), z.regex(PRINTABLE, 'must be printable ASCII'))),
  requiresOfflineAccess: z.optional(z.boolean({ error: 'must be true or false' })),
  /** A client shared by many orgs, in Secrets Manager. Exactly one of this and clientId (the org's own client). */
  clientSecretId: z.optional(clientSecretIdSchema),
  /** The org's own OAuth client; its secret (`clientSecret`) lives in the record, never in these settings. */
  clientId: z.optional(clientIdSchema),
  /** Lifetimes to ask the provider for, where its profile allows (Zendesk: expires_in, refresh_token_expires_in). */
  requestedExpiresIn: z.optional(lifetimeSeconds),
  requestedRefreshTokenExpiresIn: z.optional(lifetimeSeconds),
};

const recordObject = z.object({
  ...orgSettingsShape,
  accessToken: z.optional(tokenString),
  refreshToken: z.optional(tokenString),
  /** When the stored refresh token expires (epoch ms), when the provider says so. */
  refreshTokenExpiresAt: z.optional(epochMs),
  clientSecret: z.optional(clientSecretSchema),
  tokenType: z.optional(str().check(z.maxLength(64, 'is too long'))),
  expiresAt: z.optional(epochMs),
  refreshAt: z.optional(epochMs),
  dueShard: z.optional(count),
  status: z.enum([RecordStatus.Active, RecordStatus.ReauthRequired, RecordStatus.Disabled, RecordStatus.Removed], {
    error: 'must be ACTIVE, REAUTH_REQUIRED, DISABLED or REMOVED',
  }),
  version: z.int({ error: 'must be a whole number' }).check(z.nonnegative('must not be negative')),
  leaseOwner: z.optional(z.string()),
  leaseUntil: z.optional(epochMs),
  lastRefreshedAt: z.optional(epochMs),
  consecutiveFailures: z._default(count, 0),
  lastError: z.optional(lastErrorSchema),
  /** Listed in the attention index while an operator must look (REAUTH_REQUIRED, MISCONFIGURED, EXPIRED). */
  attention: z.optional(z.string()),
  /** The last attempt may have consumed the refresh token (ambiguous outcome): an invalid_grant now means RotationLost. */
  rotationAtRisk: z.optional(z.boolean()),
  /**
   * The scope the provider's last answer said it granted (absent: it named none, which means "as requested"). The
   * provider's text, kept apart from `scope` (what to request, an operator's setting that no commit ever writes):
   * any text up to the classifier's own bound.
   */
  grantedScope: z.optional(str().check(z.maxLength(GRANTED_SCOPE_MAX_LENGTH, 'is too long'))),
  /** When the stored grant was issued (epoch ms): a grant handed over later must be newer, or it is stale. */
  grantIssuedAt: z.optional(epochMs),
  /** `sha256:…` of the refresh token a hosted app handed over: a repeated hand-over of it is recognised. */
  grantFingerprint: z.optional(z.string()),
  /** Fingerprints of the last grants this one replaced (newest first): a replay of one of them is stale. */
  replacedGrants: z.optional(z.array(z.string()).check(z.maxLength(REPLACED_GRANTS_KEPT, 'is too long'))),
  /**
   * The hosted app the org belongs to (core/hosted-apps.ts). Absent on records written before apps existed, or by an
   * operator who named none: the app whose org-id namespace holds the id owns it. Never from a payload.
   */
  app: z.optional(str().check(z.regex(APP_NAME_PATTERN, `must be ${APP_NAME_RULE}`))),
  /** When `status` last changed (epoch ms), and why (a code) while it is not ACTIVE: what a hosted app may read. */
  statusSince: z.optional(epochMs),
  statusReason: z.optional(z.string()),
  /**
   * When the org was last claimed by an on-demand refresh (epoch ms): the claim's condition allows one per
   * ON_DEMAND_INTERVAL_SECONDS, so the per-org limit holds across concurrent invocations.
   */
  forcedRefreshAt: z.optional(epochMs),
  /** When the org was removed (epoch ms): set on the REMOVED tombstone only. */
  removedAt: z.optional(epochMs),
});

type SettingsForCheck = {
  provider: ProviderName;
  /** A REMOVED tombstone keeps its settings but no client: the one-client rule is for orgs that can refresh. */
  status?: string | undefined;
  grantType: GrantType;
  region?: string | undefined;
  subdomain?: string | undefined;
  tokenUrl?: string | undefined;
  revocationUrl?: string | undefined;
  clientAuth?: string | undefined;
  orgParam?: string | undefined;
  clientSecretId?: string | undefined;
  clientId?: string | undefined;
  requestedExpiresIn?: number | undefined;
  requestedRefreshTokenExpiresIn?: number | undefined;
};

type Issue = (path: string, message: string) => void;

/** A requested lifetime must be one the provider documents; a provider that takes none refuses the field. */
function checkLifetime(
  issue: Issue,
  field: 'requestedExpiresIn' | 'requestedRefreshTokenExpiresIn',
  value: number | undefined,
  provider: ProviderName,
  lifetime: RequestableLifetime | undefined,
): void {
  if (value === undefined) return;
  if (lifetime === undefined) {
    issue(field, `is not supported by provider ${provider}: its token lifetimes are set on the provider's side`);
  } else if (value < lifetime.minSeconds || value > lifetime.maxSeconds) {
    issue(
      field,
      `must be ${lifetime.minSeconds}-${lifetime.maxSeconds} seconds for provider ${provider} ` +
        `(its ${lifetime.param}; default ${lifetime.defaultSeconds})`,
    );
  }
}

/**
 * Cross-field rules: what the org's provider needs, read from its profile (provider-profiles.ts), never from a branch
 * on the provider's name. Shared by the record and by onboarding (CLI, grant intake).
 */
export function checkProviderFields(s: SettingsForCheck, ctx: z.core.$RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const profile = PROFILES[s.provider];
  for (const rule of profile.requiredFields) {
    const value = s[rule.field];
    if (value === undefined) issue(rule.field, `is required for provider ${s.provider} ${rule.hint}`);
    else if (rule.oneOf !== undefined && !rule.oneOf.includes(value)) {
      issue(rule.field, `is not ${rule.notOneOf ?? 'an allowed value'} (expected one of ${rule.oneOf.join(', ')})`);
    }
  }
  if (s.orgParam !== undefined && !profile.acceptsOrgParam) {
    issue('orgParam', `is not used by provider ${s.provider}: its org scope is in the token URL`);
  }
  const lifetimes = profile.requestableLifetimes;
  checkLifetime(issue, 'requestedExpiresIn', s.requestedExpiresIn, s.provider, lifetimes.accessToken);
  if (s.requestedRefreshTokenExpiresIn !== undefined && s.grantType !== 'refresh_token') {
    issue('requestedRefreshTokenExpiresIn', 'is for refresh_token orgs: client_credentials has no refresh token');
  } else {
    checkLifetime(
      issue,
      'requestedRefreshTokenExpiresIn',
      s.requestedRefreshTokenExpiresIn,
      s.provider,
      lifetimes.refreshToken,
    );
  }
  const client = s.status === RecordStatus.Removed ? undefined : clientSourceProblem(s);
  if (client) issue(client.field, client.message);
}

/**
 * One client per org, from one place: shared in Secrets Manager (clientSecretId), or the org's own in the record
 * (clientId, with clientSecret). Exported for onboarding, which reports it even when other fields are wrong.
 */
export function clientSourceProblem(s: {
  clientSecretId?: unknown;
  clientId?: unknown;
}): { field: 'clientId' | 'clientSecretId'; message: string } | undefined {
  if (s.clientSecretId !== undefined && s.clientId !== undefined) {
    return { field: 'clientId', message: 'and clientSecretId are two ways to give the client: give one, not both' };
  }
  if (s.clientSecretId === undefined && s.clientId === undefined) {
    return {
      field: 'clientSecretId',
      message: "is required, or the org's own client (clientId and clientSecret): the OAuth client its requests use",
    };
  }
  return undefined;
}

/** What an operator (or a hosted app's intake) chooses when onboarding an org, with the provider's rules applied. */
export const orgSettingsSchema = z.object(orgSettingsShape).check(z.superRefine(checkProviderFields));
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

export const tokenRecordSchema = recordObject.check(
  z.superRefine((r, ctx) => {
    checkProviderFields(r, ctx);
    if (r.grantType === 'refresh_token' && r.status === RecordStatus.Active && r.refreshToken === undefined) {
      ctx.addIssue({ code: 'custom', path: ['refreshToken'], message: 'is required for an ACTIVE refresh_token org' });
    }
    if (r.clientId !== undefined && r.clientSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: "is required with clientId (the org's own client)",
      });
    } else if (r.clientSecret !== undefined && r.clientId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientId'],
        message: "is required with clientSecret (the org's own client)",
      });
    }
  }),
);

export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/** Formats zod issues as `field message; field message`, never including input values. */
export function describeIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : 'record'} ${issue.message}`)
    .join('; ');
}

export type RecordParse = { ok: true; record: TokenRecord } | { ok: false; message: string };

export function parseRecord(raw: unknown): RecordParse {
  const parsed = tokenRecordSchema.safeParse(raw, PLAIN);
  return parsed.success
    ? { ok: true, record: parsed.data }
    : { ok: false, message: `record invalid: ${describeIssues(parsed.error)}` };
}
