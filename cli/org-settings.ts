// Onboarding input → a new org, for `tenants add` and every line of `tenants import`: the core's one onboarding rule
// set (lambdas/core/onboarding.ts: the record's rules, the grant that must come with the org, another provider's
// options) plus the checks the refresher makes before sending a client secret anywhere (https, host allow-list).
// Pure: the environment is an argument. Problems name the field; the CLI shows them with the flags an operator typed.
import { configSchema } from '../lambdas/config.js';
import { type Onboarding, type OnboardingProblem, parseOnboarding } from '../lambdas/core/onboarding.js';
import { PROFILES } from '../lambdas/core/provider-profiles.js';
import { describeIssues, type OrgSettings } from '../lambdas/core/record.js';
import { PLAIN } from '../lambdas/core/validation-messages.js';
import { tokenUrlRefusal } from '../lambdas/providers/build-request.js';
import { revocationUrlRefusal } from '../lambdas/providers/build-revocation.js';
import { UsageError } from './args.js';

/** Onboarding fields → the flags of `tenants add` that carry them. */
export const FLAG_OF: Record<string, string> = {
  orgId: 'ORG',
  provider: '--provider',
  grantType: '--grant-type',
  region: '--region',
  subdomain: '--subdomain',
  tokenUrl: '--token-url',
  revocationUrl: '--revocation-url',
  clientAuth: '--client-auth',
  orgParam: '--org-param',
  scope: '--scope',
  requiresOfflineAccess: '--offline-access',
  clientSecretId: '--secret-id',
  clientId: '--client-id',
  clientSecret: '--client-secret-file',
  refreshToken: '--refresh-token-file',
  requestedExpiresIn: '--expires-in',
  requestedRefreshTokenExpiresIn: '--refresh-token-expires-in',
};

/** The fields that carry secrets: `add` reads them from files or stdin once the rest is known to be valid. */
export const SECRET_FIELDS: readonly string[] = ['refreshToken', 'clientSecret'];

/** Whether the org's token host is checked against the deployment's ALLOWED_TOKEN_HOSTS (not the profile's list). */
export function usesDeploymentAllowList(s: Pick<OrgSettings, 'provider'>): boolean {
  return PROFILES[s.provider].allowedHosts === 'config';
}

/**
 * Validates one org's onboarding input (camelCase fields, secrets included) as `tenants add` and `tenants import`
 * both do, and as a hosted app's grant intake can: every problem at once, each naming its field. `env` carries the
 * deployment's ALLOWED_TOKEN_HOSTS (undefined: not known yet, the host is not checked; empty: no generic host) and
 * ALLOW_LOOPBACK_HTTP.
 */
export function validateOnboarding(raw: unknown, env: Record<string, string | undefined>): Onboarding {
  const parsed = parseOnboarding(raw);
  if (!parsed.ok) return parsed;
  const problem = tokenUrlProblem(parsed.org.settings, env);
  return problem ? { ok: false, problems: [problem] } : parsed;
}

/** A problem's text with field names turned into the flags an operator typed (`--region is not …`). */
export function asFlags(problem: OnboardingProblem): string {
  const flag = (field: string) => (Object.hasOwn(FLAG_OF, field) ? (FLAG_OF[field] as string) : field);
  // Field names inside a message are camelCase (clientSecretId, clientId): plain words stay as they are.
  const message = problem.message.replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, flag);
  return message.startsWith(':') ? `${flag(problem.field)}${message}` : `${flag(problem.field)} ${message}`;
}

/** `add`'s usage error for these problems, in flags. */
export function onboardingUsageError(problems: readonly OnboardingProblem[], help: string): UsageError {
  return new UsageError(problems.map(asFlags).join('; '), help);
}

/** The same URL and allow-list checks the refresher makes before it sends a client secret anywhere. */
function tokenUrlProblem(s: OrgSettings, env: Record<string, string | undefined>): OnboardingProblem | undefined {
  const hosts = configSchema.shape.ALLOWED_TOKEN_HOSTS.safeParse(env.ALLOWED_TOKEN_HOSTS, PLAIN);
  if (!hosts.success) return { field: 'ALLOWED_TOKEN_HOSTS', message: describeIssues(hosts.error) };
  let allowed = hosts.data;
  if (usesDeploymentAllowList(s) && env.ALLOWED_TOKEN_HOSTS === undefined && s.tokenUrl) {
    // The deployment's list is not known yet (the CLI checks again once it read the deployment): all but the hosts.
    const hostOf = (url: string | undefined) => {
      try {
        return url === undefined ? [] : [new URL(url).host];
      } catch {
        return []; // the refusal below reports the bad URL
      }
    };
    allowed = [...hostOf(s.tokenUrl), ...hostOf(s.revocationUrl)];
  }
  const policy = { allowedTokenHosts: allowed, allowLoopbackHttp: env.ALLOW_LOOPBACK_HTTP === 'true' };
  const tokenRefusal = tokenUrlRefusal(s, policy);
  // The revocation URL receives the client secret too: the token URL's checks and allow-list.
  const revocationRefusal = tokenRefusal ? undefined : revocationUrlRefusal(s, policy);
  const refusal = tokenRefusal ?? revocationRefusal;
  if (refusal === undefined) return undefined;
  const hint = refusal.code === 'TOKEN_HOST_NOT_ALLOWED' ? ': add it to ALLOWED_TOKEN_HOSTS first' : '';
  return { field: tokenRefusal ? 'tokenUrl' : 'revocationUrl', message: `: ${refusal.message}${hint}` };
}
