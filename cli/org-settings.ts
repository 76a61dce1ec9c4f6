// Onboarding input → OrgSettings: the record schema's own rules (lambdas/core/record.ts), reported with the flags
// the operator typed, plus the checks the refresher would make before sending a client secret anywhere.
import { configSchema } from '../lambdas/config.js';
import { RefreshError } from '../lambdas/core/errors.js';
import { fieldsOf, ownerOf, PROFILES, type ProfileField } from '../lambdas/core/provider-profiles.js';
import { describeIssues, type OrgSettings, orgSettingsSchema, type TokenRecord } from '../lambdas/core/record.js';
import { PLAIN } from '../lambdas/core/validation-messages.js';
import { resolveTokenUrl } from '../lambdas/providers/build-request.js';
import { UsageError } from './args.js';
import { ADD_HELP } from './help.js';

/** zod paths → the flags an operator typed. */
export const FLAG_OF: Record<string, string> = {
  orgId: 'ORG',
  provider: '--provider',
  grantType: '--grant-type',
  region: '--region',
  subdomain: '--subdomain',
  tokenUrl: '--token-url',
  clientAuth: '--client-auth',
  orgParam: '--org-param',
  scope: '--scope',
  requiresOfflineAccess: '--offline-access',
  clientSecretId: '--secret-id',
};

const PROFILE_FIELDS: readonly ProfileField[] = ['region', 'subdomain', 'tokenUrl', 'clientAuth'];

export function validateSettings(raw: Record<string, unknown>, env: Record<string, string | undefined>): OrgSettings {
  const parsed = orgSettingsSchema.safeParse(raw, PLAIN);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      const flag = FLAG_OF[field] ?? field;
      if (raw[field] === undefined && issue.path.length === 1 && issue.code !== 'custom') return `${flag} is required`;
      return `${flag} ${issue.message}`;
    });
    throw new UsageError(problems.join('; '), ADD_HELP);
  }
  const s = parsed.data;
  // Options another provider would use are an operator's mistake, not something to ignore silently.
  const ownFields = fieldsOf(PROFILES[s.provider]);
  for (const field of PROFILE_FIELDS) {
    if (s[field] !== undefined && !ownFields.includes(field)) {
      const owner = ownerOf(field);
      throw new UsageError(
        `${FLAG_OF[field]} is for provider ${owner ?? 'another provider'}, not ${s.provider}`,
        ADD_HELP,
      );
    }
  }
  checkTokenUrl(s, env);
  return s;
}

/** Whether the org's token host is checked against the deployment's ALLOWED_TOKEN_HOSTS (not the profile's list). */
export function usesDeploymentAllowList(s: Pick<OrgSettings, 'provider'>): boolean {
  return PROFILES[s.provider].allowedHosts === 'config';
}

/** The same URL and allow-list checks the refresher makes before it sends a client secret anywhere. */
function checkTokenUrl(s: OrgSettings, env: Record<string, string | undefined>): void {
  const hosts = configSchema.shape.ALLOWED_TOKEN_HOSTS.safeParse(env.ALLOWED_TOKEN_HOSTS, PLAIN);
  if (!hosts.success) throw new UsageError(`ALLOWED_TOKEN_HOSTS: ${describeIssues(hosts.error)}`, ADD_HELP);
  let allowed = hosts.data;
  if (usesDeploymentAllowList(s) && allowed.length === 0 && s.tokenUrl) {
    // The deployment's list is not known here: check everything else, and let the refresher enforce the host.
    try {
      allowed = [new URL(s.tokenUrl).host];
    } catch {
      /* resolveTokenUrl reports the bad URL */
    }
  }
  try {
    resolveTokenUrl({ ...s, status: 'ACTIVE', version: 0, consecutiveFailures: 0 } as TokenRecord, {
      allowedTokenHosts: allowed,
      allowLoopbackHttp: env.ALLOW_LOOPBACK_HTTP === 'true',
    });
  } catch (err) {
    if (err instanceof RefreshError) {
      const hint = err.code === 'TOKEN_HOST_NOT_ALLOWED' ? ': add it to ALLOWED_TOKEN_HOSTS first' : '';
      throw new UsageError(`--token-url: ${err.message}${hint}`, ADD_HELP);
    }
    throw err;
  }
}
