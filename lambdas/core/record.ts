// The token record: one DynamoDB item per org. The schema is the single source of what a valid record is; every
// message names the field and never echoes a value (a value may be a token).
import * as z from 'zod/mini';
import { PROFILES, PROVIDER_NAMES, type ProviderName } from './provider-profiles.js';
import { PLAIN } from './validation-messages.js';

export const ORG_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const ORG_ID_RULE = '1-128 characters: letters, digits and . _ : @ -, starting with a letter or digit';

export const RecordStatus = { Active: 'ACTIVE', ReauthRequired: 'REAUTH_REQUIRED', Disabled: 'DISABLED' } as const;
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
const epochMs = z.int({ error: 'must be a number (whole epoch ms)' }).check(z.nonnegative('must not be negative'));
const count = z.int({ error: 'must be a whole number' }).check(z.nonnegative('must not be negative'));

export const lastErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  at: z.number(),
});
export type LastError = z.infer<typeof lastErrorSchema>;

/** Fields an operator chooses when onboarding an org (also validated by the CLI). */
export const orgSettingsShape = {
  orgId: orgIdSchema,
  provider: z.enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` }),
  grantType: z.enum(GRANT_TYPES, { error: `must be one of ${GRANT_TYPES.join(', ')}` }),
  region: z.optional(str()),
  subdomain: z.optional(str().check(z.regex(SUBDOMAIN_PATTERN, 'must be a DNS label (a-z, 0-9, -)'))),
  tokenUrl: z.optional(str().check(z.maxLength(2048, 'is too long'))),
  clientAuth: z.optional(z.enum(['basic', 'post'], { error: 'must be basic or post' })),
  orgParam: z.optional(
    str().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a form parameter name like organization_id')),
  ),
  scope: z.optional(str().check(z.maxLength(1024, 'is too long'), z.regex(PRINTABLE, 'must be printable ASCII'))),
  requiresOfflineAccess: z.optional(z.boolean({ error: 'must be true or false' })),
  clientSecretId: clientSecretIdSchema,
};

const recordObject = z.object({
  ...orgSettingsShape,
  accessToken: z.optional(tokenString),
  refreshToken: z.optional(tokenString),
  tokenType: z.optional(str().check(z.maxLength(64, 'is too long'))),
  expiresAt: z.optional(epochMs),
  refreshAt: z.optional(epochMs),
  dueShard: z.optional(count),
  status: z.enum([RecordStatus.Active, RecordStatus.ReauthRequired, RecordStatus.Disabled], {
    error: 'must be ACTIVE, REAUTH_REQUIRED or DISABLED',
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
  /** When the stored grant was issued (epoch ms): a grant handed over later must be newer, or it is stale. */
  grantIssuedAt: z.optional(epochMs),
  /** `sha256:…` of the refresh token a hosted app handed over: a repeated hand-over of it is recognised. */
  grantFingerprint: z.optional(z.string()),
  /** When `status` last changed (epoch ms), and why (a code) while it is not ACTIVE: what a hosted app may read. */
  statusSince: z.optional(epochMs),
  statusReason: z.optional(z.string()),
});

type SettingsForCheck = {
  provider: ProviderName;
  region?: string | undefined;
  subdomain?: string | undefined;
  tokenUrl?: string | undefined;
  clientAuth?: string | undefined;
  orgParam?: string | undefined;
};

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
