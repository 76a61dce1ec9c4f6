// `tenants add ORG …`: onboard one org. Its settings are checked by the same rules as every line of `tenants import`
// (cli/org-settings.ts); its secrets — the refresh token, the org's own client secret — come from files or stdin,
// never argv; the write refuses to overwrite an existing org.
import { PROFILES, PROVIDER_NAMES, type ProviderName } from '../../lambdas/core/provider-profiles.js';
import { APP_NAME_PATTERN } from '../../lambdas/core/record.js';
import { appProblem } from '../app-assignment.js';
import { checkOrgId, parseCommand, UsageError } from '../args.js';
import { type Command, deployedAdmin, ExitCode, tableOption } from '../context.js';
import { deploymentOnboardingEnv, provisionalOnboardingEnv } from '../deployment.js';
import { ADD_HELP } from '../help.js';
import { onboardingUsageError, SECRET_FIELDS, validateOnboarding } from '../org-settings.js';
import { readClientSecret, readRefreshToken, refuseTwoOnStdin } from '../secret-input.js';

/** A whole number of seconds from a flag, or the text as typed (the schema then says what is wrong with it). */
function seconds(value: string | undefined): number | string | undefined {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : value;
}

export const add: Command = {
  help: ADD_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(
      args,
      {
        ...tableOption,
        provider: { type: 'string' },
        region: { type: 'string' },
        subdomain: { type: 'string' },
        'token-url': { type: 'string' },
        'revocation-url': { type: 'string' },
        'client-auth': { type: 'string' },
        'org-param': { type: 'string' },
        scope: { type: 'string' },
        'offline-access': { type: 'boolean' },
        'grant-type': { type: 'string' },
        'secret-id': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret-file': { type: 'string' },
        'refresh-token-file': { type: 'string' },
        'expires-in': { type: 'string' },
        'refresh-token-expires-in': { type: 'string' },
        app: { type: 'string' },
      },
      ADD_HELP,
      { names: ['ORG'] },
    );
    const orgId = checkOrgId(positionals[0] as string, ADD_HELP);
    const settings = {
      orgId,
      provider: values.provider,
      grantType: values['grant-type'],
      region: values.region,
      subdomain: values.subdomain,
      tokenUrl: values['token-url'],
      revocationUrl: values['revocation-url'],
      clientAuth: values['client-auth'],
      orgParam: values['org-param'],
      scope: values.scope,
      requiresOfflineAccess: values['offline-access'],
      clientSecretId: values['secret-id'],
      clientId: values['client-id'],
      requestedExpiresIn: seconds(values['expires-in']),
      requestedRefreshTokenExpiresIn: seconds(values['refresh-token-expires-in']),
    };
    // Everything but the secrets first, so a typo is reported before anything is read from a file or stdin or asked
    // of AWS; what only the deployment decides (its allow-list, loopback http) is checked again once it is known.
    const first = validateOnboarding(settings, provisionalOnboardingEnv(ctx.io.env));
    const settingsProblems = first.ok ? [] : first.problems.filter((p) => !SECRET_FIELDS.includes(p.field));
    if (settingsProblems.length > 0) throw onboardingUsageError(settingsProblems, ADD_HELP);
    // The hosted app it belongs to: its name before any secret is read, its namespace once the deployment is known.
    const app = values.app;
    const badName = app === undefined ? undefined : appProblem(app, orgId, undefined);
    if (badName !== undefined) throw new UsageError(`--app ${badName}`, ADD_HELP);
    const refreshTokenFile = values['refresh-token-file'];
    const clientSecretFile = values['client-secret-file'];
    const grantType = settings.grantType as string;
    if (grantType === 'client_credentials' && refreshTokenFile !== undefined) {
      throw new UsageError(
        '--refresh-token-file is for refresh_token orgs; client_credentials has no refresh token',
        ADD_HELP,
      );
    }
    if (clientSecretFile !== undefined && settings.clientId === undefined) {
      throw new UsageError(
        "--client-secret-file goes with --client-id (the org's own client); with --secret-id the secret is in " +
          'Secrets Manager',
        ADD_HELP,
      );
    }
    if (settings.clientId !== undefined && clientSecretFile === undefined) {
      throw new UsageError(
        "--client-id needs --client-secret-file FILE (or - for stdin): the org's own client's secret",
        ADD_HELP,
      );
    }
    refuseTwoOnStdin(refreshTokenFile, grantType === 'refresh_token', clientSecretFile, ADD_HELP);
    const provider = settings.provider as ProviderName;
    const hint = PROVIDER_NAMES.includes(provider) ? PROFILES[provider].missingRefreshTokenHint : undefined;
    const refreshToken =
      grantType === 'refresh_token' ? await readRefreshToken(ctx, refreshTokenFile, ADD_HELP, hint) : undefined;
    const clientSecret =
      clientSecretFile !== undefined ? await readClientSecret(ctx, clientSecretFile, ADD_HELP) : undefined;
    const { admin, deployment } = await deployedAdmin(ctx, values.table, ADD_HELP);
    const checked = validateOnboarding(
      { ...settings, refreshToken, clientSecret },
      deploymentOnboardingEnv(deployment),
    );
    if (!checked.ok) throw onboardingUsageError(checked.problems, ADD_HELP);
    // Against the apps the deployment declares (its descriptor): none declared refuses any app.
    const wrongApp = app === undefined ? undefined : appProblem(app, orgId, deployment.apps ?? []);
    if (wrongApp !== undefined) throw new UsageError(`--app ${wrongApp}`, ADD_HELP);
    const { settings: valid, grant } = checked.org;
    const added = await admin.add(valid, grant.refreshToken, { clientSecret: grant.clientSecret, app });
    const client = valid.clientId !== undefined ? ', its own client' : '';
    const owner = added.app !== undefined && APP_NAME_PATTERN.test(added.app) ? `, app ${added.app}` : '';
    ctx.io.stdout(
      `added ${added.orgId} (${added.provider}, ${added.grantType}${client}${owner}): ACTIVE, due now; the next ` +
        'refresher run issues its first access token\n',
    );
    return ExitCode.Ok;
  },
};
