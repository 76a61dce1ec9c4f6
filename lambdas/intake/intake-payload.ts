// What a hosted app may hand to the grant intake (the contract in docs/hosted-apps.md "Grant intake"): a new org with
// its first grant (`submitGrant`), or a new grant for an org that exists (`reauthorise`). The org's settings are
// validated by the record's own rules (core/record.ts orgSettingsShape + checkProviderFields, as `tenants add`), so a
// field added there is accepted here at once. Every message names the field and never echoes a value: a value may be
// a refresh token or a client secret.
import * as z from 'zod/mini';
import { RefreshError } from '../core/errors.js';
import { fieldsOf, ownerOf, PROFILES, type ProfileField } from '../core/provider-profiles.js';
import {
  checkProviderFields,
  type OrgSettings,
  orgIdSchema,
  orgSettingsShape,
  type TokenRecord,
} from '../core/record.js';
import { PLAIN } from '../core/validation-messages.js';
import { type RequestPolicy, resolveTokenUrl } from '../providers/build-request.js';

export const INTAKE_ACTIONS = ['submitGrant', 'reauthorise'] as const;
export type IntakeAction = (typeof INTAKE_ACTIONS)[number];

/** A grant's issue time may be ahead of the intake's clock by this much (clock skew), not more. */
export const MAX_ISSUED_AT_SKEW_MS = 5 * 60_000;
/** 2000-01-01: anything earlier is a unit mistake (epoch seconds), not a grant. */
const EARLIEST_ISSUED_AT = 946_684_800_000;
const MAX_TOKEN_LENGTH = 16_384;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface ParsedGrant {
  /** A bearer secret: never log it, never put it in a message. */
  refreshToken: string | undefined;
  issuedAt: number;
}

export type IntakeRequest =
  | { action: 'submitGrant'; orgId: string; settings: OrgSettings; grant: ParsedGrant }
  | { action: 'reauthorise'; orgId: string; grant: ParsedGrant };

export type PayloadRejection = {
  code: 'INVALID_PAYLOAD' | 'RECORD_INVALID';
  /** The refresher's own code for a token URL the refresher would refuse (TOKEN_HOST_NOT_ALLOWED, …). */
  reason?: string;
  message: string;
  orgId?: string;
};

export type IntakeParse = { ok: true; request: IntakeRequest } | ({ ok: false } & PayloadRejection);

const EXPECTED =
  'expected {"action":"submitGrant","org":{…},"grant":{"refreshToken":…,"issuedAt":…}} or ' +
  '{"action":"reauthorise","orgId":…,"grant":{…}}';

const refreshToken = z
  .string({ error: 'must be a string' })
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters`),
    z.regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces'),
  );

const issuedAt = z.union([z.number(), z.string()], { error: 'must be epoch milliseconds or an ISO 8601 time' });

/** "must be an object" for a wrong type; other issues (unknown fields) keep their plain message. */
const anObject = {
  error: (issue: { code?: string }) => (issue.code === 'invalid_type' ? 'must be an object' : undefined),
};

const grantSchema = z.strictObject({ refreshToken: z.optional(refreshToken), issuedAt }, anObject);

/**
 * An org's own OAuth client, for providers that hand one over at install (premium apps). Accepted in the shape, then
 * refused until the record can hold a client of its own (issue 12); until then the client lives in Secrets Manager
 * and `org.clientSecretId` names it.
 */
const clientSchema = z.strictObject(
  {
    clientId: z.string({ error: 'must be a string' }).check(z.minLength(1, 'must not be empty')),
    clientSecret: z.string({ error: 'must be a string' }).check(z.minLength(1, 'must not be empty')),
  },
  anObject,
);

const submitSchema = z.strictObject({
  action: z.literal('submitGrant'),
  org: z.record(z.string(), z.unknown(), { error: 'must be an object with the org settings' }),
  client: z.optional(clientSchema),
  grant: grantSchema,
});

const reauthoriseSchema = z.strictObject({
  action: z.literal('reauthorise'),
  orgId: orgIdSchema,
  client: z.optional(clientSchema),
  grant: grantSchema,
});

/** The org's settings exactly as `tenants add` takes them; unknown fields are refused (a typo is not ignored). */
const orgSchema = z.strictObject(orgSettingsShape).check(z.superRefine(checkProviderFields));

const PROFILE_FIELDS: readonly ProfileField[] = ['region', 'subdomain', 'tokenUrl', 'clientAuth'];

export function parseIntakePayload(payload: unknown, now: number, policy: RequestPolicy): IntakeParse {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return invalid(`payload is not a JSON object: ${EXPECTED}`);
  }
  const raw = payload as Record<string, unknown>;
  if (!INTAKE_ACTIONS.includes(raw.action as IntakeAction)) {
    return invalid(`action ${raw.action === undefined ? 'is required' : 'is not allowed'}: ${EXPECTED}`);
  }
  const shape = (raw.action === 'submitGrant' ? submitSchema : reauthoriseSchema).safeParse(raw, PLAIN);
  const knownOrgId = orgIdOf(raw);
  if (!shape.success) return invalid(describeIntakeIssues(shape.error.issues, raw, ''), knownOrgId);
  const data = shape.data;
  if (data.client !== undefined) {
    return invalid(
      'client is not supported by this deployment yet: store the org’s OAuth client in Secrets Manager under the ' +
        'deployment’s prefix and name it in org.clientSecretId',
      knownOrgId,
    );
  }
  const grantIssuedAt = parseIssuedAt(data.grant.issuedAt, now);
  if (typeof grantIssuedAt === 'string') return invalid(`grant.issuedAt ${grantIssuedAt}`, knownOrgId);
  const grant: ParsedGrant = { refreshToken: data.grant.refreshToken, issuedAt: grantIssuedAt };
  if (data.action === 'reauthorise') return { ok: true, request: { action: 'reauthorise', orgId: data.orgId, grant } };

  const org = validateOrg(data.org, policy);
  if ('code' in org) return { ok: false, ...org, ...(knownOrgId ? { orgId: knownOrgId } : {}) };
  const settings = org.settings;
  if (settings.grantType === 'refresh_token' && grant.refreshToken === undefined) {
    return invalid('grant.refreshToken is required for a refresh_token org', settings.orgId);
  }
  if (settings.grantType === 'client_credentials' && grant.refreshToken !== undefined) {
    return invalid('grant.refreshToken must be left out: client_credentials has no refresh token', settings.orgId);
  }
  return { ok: true, request: { action: 'submitGrant', orgId: settings.orgId, settings, grant } };
}

/**
 * `field message; field message` with the payload's own paths (`grant.issuedAt`, `org.region`): a field that is
 * missing says "is required" (a schema's type message would say "must be a string"). Never a value.
 */
function describeIntakeIssues(
  issues: readonly { code?: string; path: readonly PropertyKey[]; message: string; keys?: string[] }[],
  raw: unknown,
  prefix: string,
): string {
  return issues
    .map((issue) => {
      const where = [prefix, ...issue.path.map(String)].filter((p) => p.length > 0).join('.') || 'payload';
      if (issue.code === 'unrecognized_keys') return `${where} ${unknownFields(issue.keys ?? [])}`;
      const missing = issue.code === 'invalid_type' || issue.code === 'invalid_union';
      return missing && valueAt(raw, issue.path) === undefined ? `${where} is required` : `${where} ${issue.message}`;
    })
    .join('; ');
}

/** A field name is shown only if it looks like one: a key that looks like a value may be a secret put in its place. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

function unknownFields(keys: readonly string[]): string {
  const named = keys.filter((k) => FIELD_NAME.test(k));
  const hidden = keys.length - named.length;
  const parts = [
    ...(named.length > 0 ? [named.join(', ')] : []),
    ...(hidden > 0 ? [`${hidden} whose name is not shown (it looks like a value, not a field name)`] : []),
  ];
  return `has unknown ${keys.length === 1 ? 'field' : 'fields'}: ${parts.join('; ')}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function invalid(message: string, orgId?: string): IntakeParse {
  return { ok: false, code: 'INVALID_PAYLOAD', message, ...(orgId ? { orgId } : {}) };
}

/** The org id, if the payload names a valid one: answers carry it so an app can match them to its request. */
function orgIdOf(raw: Record<string, unknown>): string | undefined {
  const candidate = raw.action === 'submitGrant' ? (raw.org as Record<string, unknown> | undefined)?.orgId : raw.orgId;
  return orgIdSchema.safeParse(candidate).success ? (candidate as string) : undefined;
}

/** Epoch ms or an ISO 8601 time, not before 2000 and not in the future (beyond clock skew); or what is wrong. */
function parseIssuedAt(value: number | string, now: number): number | string {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'must be whole epoch milliseconds';
    if (value > 0 && value < EARLIEST_ISSUED_AT) {
      return value > 1e9 ? 'looks like epoch seconds: pass epoch milliseconds' : 'is before 2000';
    }
    ms = value;
  } else {
    if (!ISO_TIME.test(value)) return 'must be epoch milliseconds or an ISO 8601 time with a time zone';
    ms = Date.parse(value);
    if (Number.isNaN(ms)) return 'is not a valid time';
  }
  if (ms < EARLIEST_ISSUED_AT) return 'is before 2000';
  if (ms > now + MAX_ISSUED_AT_SKEW_MS) return 'is in the future (more than 5 minutes ahead of the intake’s clock)';
  return ms;
}

/** The record's rules, then the checks `tenants add` makes: no other provider's fields, a token URL it may use. */
function validateOrg(
  org: Record<string, unknown>,
  policy: RequestPolicy,
): { settings: OrgSettings } | PayloadRejection {
  const parsed = orgSchema.safeParse(org, PLAIN);
  if (!parsed.success) {
    return { code: 'RECORD_INVALID', message: describeIntakeIssues(parsed.error.issues, org, 'org') };
  }
  const settings = parsed.data;
  const own = fieldsOf(PROFILES[settings.provider]);
  for (const field of PROFILE_FIELDS) {
    if (settings[field] !== undefined && !own.includes(field)) {
      const owner = ownerOf(field) ?? 'another provider';
      return { code: 'RECORD_INVALID', message: `org.${field} is for provider ${owner}, not ${settings.provider}` };
    }
  }
  try {
    resolveTokenUrl({ ...settings, status: 'ACTIVE', version: 0, consecutiveFailures: 0 } as TokenRecord, policy);
  } catch (err) {
    if (!(err instanceof RefreshError)) throw err;
    return { code: 'RECORD_INVALID', reason: err.code, message: `org token URL: ${err.message}` };
  }
  return { settings };
}
