// What a hosted app may hand to the grant intake (the contract in docs/hosted-apps.md "Grant intake"): a new org with
// its first grant (`submitGrant`), a new grant for an org that exists (`reauthorise`), or an org to offboard
// (`removeOrg`, docs/hosted-apps.md#offboarding). A new org is validated by
// the one onboarding rule set `tenants add` and `tenants import` use (core/onboarding.ts), so a field added there is
// accepted here at once. Every message names the field and never echoes a value: a value may be a refresh token or a
// client secret.
import * as z from 'zod/mini';
import { type OnboardingProblem, parseOnboarding } from '../core/onboarding.js';
import { clientIdSchema, clientSecretSchema, type OrgSettings, orgIdSchema } from '../core/record.js';
import { PLAIN } from '../core/validation-messages.js';
import { type RequestPolicy, tokenUrlRefusal } from '../providers/build-request.js';
import { revocationUrlRefusal } from '../providers/build-revocation.js';

export const INTAKE_ACTIONS = ['submitGrant', 'reauthorise', 'removeOrg'] as const;
export type IntakeAction = (typeof INTAKE_ACTIONS)[number];

/**
 * A grant's issue time may be ahead of the intake's clock by this much (clock skew), not more. Hand-overs are ordered
 * by issue time, so a time in the future blocks every later hand-over for the org until the clock catches up: the
 * bound is how long an app's lie (or a wrong clock) can keep its own orgs' re-authorisations STALE_GRANT. 30 s is
 * far above what NTP or Amazon Time Sync leave between two hosts (milliseconds), and a sixth of the former 5 minutes.
 */
export const MAX_ISSUED_AT_SKEW_MS = 30_000;
/** 2000-01-01: anything earlier is a unit mistake (epoch seconds), not a grant. */
const EARLIEST_ISSUED_AT = 946_684_800_000;
const MAX_TOKEN_LENGTH = 16_384;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An org's own OAuth client, as a premium app's install hands it over. */
export interface OwnClient {
  clientId: string;
  /** A secret: never log it, never put it in a message. */
  clientSecret: string;
}

export interface ParsedGrant {
  /** A bearer secret: never log it, never put it in a message. */
  refreshToken: string | undefined;
  issuedAt: number;
  /** The org's own client, when the app hands one over (stored in the record, replacing a shared client). */
  client?: OwnClient | undefined;
}

export type IntakeRequest =
  | { action: 'submitGrant'; orgId: string; settings: OrgSettings; grant: ParsedGrant }
  | { action: 'reauthorise'; orgId: string; grant: ParsedGrant }
  | { action: 'removeOrg'; orgId: string };

export type PayloadRejection = {
  code: 'INVALID_PAYLOAD' | 'RECORD_INVALID';
  /** The refresher's own code for a token URL the refresher would refuse (TOKEN_HOST_NOT_ALLOWED, …). */
  reason?: string;
  message: string;
  orgId?: string;
};

export type IntakeParse = { ok: true; request: IntakeRequest } | ({ ok: false } & PayloadRejection);

const EXPECTED =
  'expected {"action":"submitGrant","org":{…},"grant":{"refreshToken":…,"issuedAt":…}}, ' +
  '{"action":"reauthorise","orgId":…,"grant":{…}} or {"action":"removeOrg","orgId":…}';

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
 * An org's own OAuth client, for providers that hand one over at install (an AppFoundry premium app creates one in
 * each customer org): stored in the org's record like its refresh token, never readable by the reader grant.
 */
const clientSchema = z.strictObject({ clientId: clientIdSchema, clientSecret: clientSecretSchema }, anObject);

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

/** An org to offboard: its id, as every action that names an org spells it, and nothing else. */
const removeSchema = z.strictObject({ action: z.literal('removeOrg'), orgId: orgIdSchema });

/** Secrets travel in `grant` and `client`, never among the org's settings (which may end up in a log line). */
const SECRETS_OUT_OF_ORG = { refreshToken: 'grant.refreshToken', clientSecret: 'client.clientSecret' } as const;

export function parseIntakePayload(payload: unknown, now: number, policy: RequestPolicy): IntakeParse {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return invalid(`payload is not a JSON object: ${EXPECTED}`);
  }
  const raw = payload as Record<string, unknown>;
  if (!INTAKE_ACTIONS.includes(raw.action as IntakeAction)) {
    return invalid(`action ${raw.action === undefined ? 'is required' : 'is not allowed'}: ${EXPECTED}`);
  }
  const knownOrgId = orgIdOf(raw);
  if (raw.action === 'removeOrg') {
    const removal = removeSchema.safeParse(raw, PLAIN);
    if (!removal.success) return invalid(describeIntakeIssues(removal.error.issues, raw, ''), knownOrgId);
    return { ok: true, request: { action: 'removeOrg', orgId: removal.data.orgId } };
  }
  const shape = (raw.action === 'submitGrant' ? submitSchema : reauthoriseSchema).safeParse(raw, PLAIN);
  if (!shape.success) return invalid(describeIntakeIssues(shape.error.issues, raw, ''), knownOrgId);
  const data = shape.data;
  const grantIssuedAt = parseIssuedAt(data.grant.issuedAt, now);
  if (typeof grantIssuedAt === 'string') return invalid(`grant.issuedAt ${grantIssuedAt}`, knownOrgId);
  const grant: ParsedGrant = { refreshToken: data.grant.refreshToken, issuedAt: grantIssuedAt, client: data.client };
  if (data.action === 'reauthorise') return { ok: true, request: { action: 'reauthorise', orgId: data.orgId, grant } };

  const org = validateOrg(data.org, grant, policy);
  if ('code' in org) return { ok: false, ...org, ...(knownOrgId ? { orgId: knownOrgId } : {}) };
  const settings = org.settings;
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
  if (ms > now + MAX_ISSUED_AT_SKEW_MS) {
    return `is in the future (more than ${MAX_ISSUED_AT_SKEW_MS / 1000} s ahead of the intake’s clock)`;
  }
  return ms;
}

/** Where an onboarding field sits in the payload: the grant's and the client's fields are not under `org`. */
function payloadPath(field: string, grant: ParsedGrant): string {
  if (field === 'refreshToken') return 'grant.refreshToken';
  if (field === 'clientSecret') return 'client.clientSecret';
  if (field === 'clientId' && grant.client !== undefined) return 'client.clientId';
  return field === 'record' ? 'org' : `org.${field}`;
}

/**
 * The onboarding rules `tenants add` applies (core/onboarding.ts: the record's rules, the grant that must come with
 * the org, no other provider's options), then the refresher's token URL checks. A problem with the grant itself is
 * INVALID_PAYLOAD; one with the org's settings is RECORD_INVALID.
 */
function validateOrg(
  org: Record<string, unknown>,
  grant: ParsedGrant,
  policy: RequestPolicy,
): { settings: OrgSettings } | PayloadRejection {
  for (const [field, where] of Object.entries(SECRETS_OUT_OF_ORG)) {
    if (field in org)
      return { code: 'INVALID_PAYLOAD', message: `org.${field} is not an org setting: send it as ${where}` };
  }
  if (grant.client !== undefined && 'clientId' in org) {
    return {
      code: 'INVALID_PAYLOAD',
      message: "org.clientId and client.clientId: hand the org's own client over once, in client",
    };
  }
  const parsed = parseOnboarding({
    ...org,
    ...(grant.refreshToken !== undefined ? { refreshToken: grant.refreshToken } : {}),
    ...(grant.client !== undefined ? grant.client : {}),
  });
  if (!parsed.ok) {
    const grantProblem = (p: OnboardingProblem) => p.field === 'refreshToken' || p.field === 'clientSecret';
    return {
      code: parsed.problems.every(grantProblem) ? 'INVALID_PAYLOAD' : 'RECORD_INVALID',
      message: parsed.problems.map((p) => `${payloadPath(p.field, grant)} ${p.message}`).join('; '),
    };
  }
  const settings = parsed.org.settings;
  const refusal = tokenUrlRefusal(settings, policy);
  if (refusal !== undefined) {
    return { code: 'RECORD_INVALID', reason: refusal.code, message: `org token URL: ${refusal.message}` };
  }
  // The revocation URL receives the org's client secret too: the same checks, the same allow-list.
  const revocation = revocationUrlRefusal(settings, policy);
  if (revocation !== undefined) {
    return { code: 'RECORD_INVALID', reason: revocation.code, message: `org revocation URL: ${revocation.message}` };
  }
  return { settings };
}
