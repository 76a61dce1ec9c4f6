// Onboarding input → a new org: one pure function for every way an org gets in (`tenants add`, each line of
// `tenants import`, a hosted app's grant intake). It applies the record's own rules (record.ts, the provider profiles)
// plus the rules only onboarding has: the grant that must come with the org (a refresh token, the org's own client
// secret), and options meant for another provider. Problems name the field and never echo a value: a value may be a
// secret.
import * as z from 'zod/mini';
import type { NewOrgGrant } from './new-org-record.js';
import { fieldsOf, ownerOf, PROFILES, type ProfileField } from './provider-profiles.js';
import {
  checkProviderFields,
  clientSecretSchema,
  clientSourceProblem,
  type OrgSettings,
  orgSettingsShape,
} from './record.js';
import { PLAIN } from './validation-messages.js';

/** A refresh token as an operator hands it over: one line of printable characters, no spaces. */
export const refreshTokenInputSchema = z
  .string({ error: 'must be a string' })
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(16_384, 'is too long'),
    z.regex(/^[\x21-\x7e]*$/, 'must be one line of printable characters without spaces'),
  );

/** Every field onboarding takes: the org's settings, and its secrets (never part of the settings). */
export const onboardingShape = {
  ...orgSettingsShape,
  refreshToken: z.optional(refreshTokenInputSchema),
  clientSecret: z.optional(clientSecretSchema),
};
export const ONBOARDING_FIELDS = Object.keys(onboardingShape) as readonly string[];

const onboardingObject = z.strictObject(onboardingShape);
type OnboardingFields = z.infer<typeof onboardingObject>;

const PROFILE_FIELDS: readonly ProfileField[] = ['region', 'subdomain', 'tokenUrl', 'clientAuth', 'revocationUrl'];

/** Onboarding's own rules, on top of the record's (which checkProviderFields applies). */
function checkGrant(o: OnboardingFields, ctx: z.core.$RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const profile = PROFILES[o.provider];
  if (o.grantType === 'refresh_token' && o.refreshToken === undefined) {
    const hint = profile.missingRefreshTokenHint;
    issue('refreshToken', `is required for a refresh_token org${hint ? `: ${hint}` : ''}`);
  }
  if (o.grantType === 'client_credentials' && o.refreshToken !== undefined) {
    issue('refreshToken', 'is for refresh_token orgs: client_credentials has no refresh token');
  }
  if (o.clientId !== undefined && o.clientSecret === undefined) {
    issue('clientSecret', "is required with clientId: it is the org's own client's secret");
  }
  if (o.clientSecret !== undefined && o.clientId === undefined) {
    issue(
      'clientSecret',
      o.clientSecretId === undefined
        ? "needs clientId: the two make up the org's own client"
        : "is for the org's own client (clientId): with clientSecretId the secret lives in Secrets Manager",
    );
  }
  // Options another provider would use are an operator's mistake, not something to ignore silently.
  const own = fieldsOf(profile);
  for (const field of PROFILE_FIELDS) {
    if (o[field] !== undefined && !own.includes(field)) {
      issue(field, `is for provider ${ownerOf(field) ?? 'another provider'}, not ${o.provider}`);
    }
  }
}

export const onboardingSchema = onboardingObject.check(
  z.superRefine((o, ctx) => {
    checkProviderFields(o, ctx);
    checkGrant(o, ctx);
  }),
);

export interface OnboardingProblem {
  /** The input field (camelCase), or `record` for the input as a whole. */
  field: string;
  /** Completes "<field> …"; never contains a value. */
  message: string;
}

export interface NewOrg {
  settings: OrgSettings;
  grant: NewOrgGrant;
  /** The hosted app it belongs to, when an operator names one (`tenants add --app`, an import line's `app`). */
  app?: string | undefined;
}

export type Onboarding = { ok: true; org: NewOrg } | { ok: false; problems: OnboardingProblem[] };

/**
 * A key an operator typed, shown back only if it looks like a field name (letters and underscores: `refresh_token`)
 * rather than a value pasted in the wrong place (tokens and secrets carry digits and punctuation).
 */
function shownKey(key: string): string {
  return /^[A-Za-z][A-Za-z_]{0,39}$/.test(key) ? key : '(a field name not shown)';
}

/** Validates one org's onboarding input: every problem at once, each with its field. */
export function parseOnboarding(raw: unknown): Onboarding {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ field: 'record', message: 'must be a JSON object of onboarding fields' }] };
  }
  const parsed = onboardingSchema.safeParse(raw, PLAIN);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue): OnboardingProblem[] => {
      if (issue.code === 'unrecognized_keys') {
        return (issue.keys ?? []).map((key) => ({
          field: shownKey(key),
          message: `is not an onboarding field (expected: ${ONBOARDING_FIELDS.join(', ')})`,
        }));
      }
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'record';
      // A missing field is "required", whatever its schema would say about a wrong value.
      const missing =
        issue.code !== 'custom' && issue.path.length === 1 && (raw as Record<string, unknown>)[field] === undefined;
      return [{ field, message: missing ? 'is required' : issue.message }];
    });
    // The cross-field rules run only once every field is valid; this one is worth saying at once.
    const client = clientSourceProblem(raw as Record<string, unknown>);
    if (client && !problems.some((p) => p.field === client.field)) problems.push(client);
    return { ok: false, problems };
  }
  const { refreshToken, clientSecret, ...settings } = parsed.data;
  return { ok: true, org: { settings, grant: { refreshToken, clientSecret } } };
}

/** `field message; field message`, for one-line reports. */
export function describeProblems(problems: readonly OnboardingProblem[]): string {
  return problems.map((p) => `${p.field} ${p.message}`).join('; ');
}
