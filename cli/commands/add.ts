// `tenants add ORG …`: onboard one org. Its settings are checked by the same rules as every line of `tenants import`
// (cli/org-settings.ts); its secrets — the refresh token, the org's own client secret — come from files or stdin,
// never argv; the write refuses to overwrite an existing org.
import { PROFILES, PROVIDER_NAMES, type ProviderName } from '../../lambdas/core/provider-profiles.js';
import { APP_NAME_PATTERN } from '../../lambdas/core/record.js';
import { appProblem, declaredApps, UNCHECKED_APP_NOTE } from '../app-assignment.js';
import { checkOrgId, parseCommand, UsageError } from '../args.js';
import { type Command, ExitCode, tableOption, tenantAdmin } from '../context.js';
import { ADD_HELP } from '../help.js';
import { onboardingUsageError, SECRET_FIELDS, usesDeploymentAllowList, validateOnboarding } from '../org-settings.js';
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
      clientAuth: values['client-auth'],
      orgParam: values['org-param'],
      scope: values.scope,
      requiresOfflineAccess: values['offline-access'],
      clientSecretId: values['secret-id'],
      clientId: values['client-id'],
      requestedExpiresIn: seconds(values['expires-in']),
      requestedRefreshTokenExpiresIn: seconds(values['refresh-token-expires-in']),
    };
    // Everything but the secrets first, so a typo is reported before anything is read from a file or stdin.
    const first = validateOnboarding(settings, ctx.io.env);
    const settingsProblems = first.ok ? [] : first.problems.filter((p) => !SECRET_FIELDS.includes(p.field));
    if (settingsProblems.length > 0) throw onboardingUsageError(settingsProblems, ADD_HELP);
    // The hosted app it belongs to: checked before any secret is read, against the declared apps when known here.
    const app = values.app;
    const apps = app === undefined ? undefined : declaredApps(ctx.io.env, ADD_HELP);
    const wrongApp = app === undefined ? undefined : appProblem(app, orgId, apps);
    if (wrongApp !== undefined) throw new UsageError(`--app ${wrongApp}`, ADD_HELP);
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
    const admin = tenantAdmin(ctx, values.table, ADD_HELP);
    const provider = settings.provider as ProviderName;
    const hint = PROVIDER_NAMES.includes(provider) ? PROFILES[provider].missingRefreshTokenHint : undefined;
    const refreshToken =
      grantType === 'refresh_token' ? await readRefreshToken(ctx, refreshTokenFile, ADD_HELP, hint) : undefined;
    const clientSecret =
      clientSecretFile !== undefined ? await readClientSecret(ctx, clientSecretFile, ADD_HELP) : undefined;
    const checked = validateOnboarding({ ...settings, refreshToken, clientSecret }, ctx.io.env);
    if (!checked.ok) throw onboardingUsageError(checked.problems, ADD_HELP);
    const { settings: valid, grant } = checked.org;
    const added = await admin.add(valid, grant.refreshToken, { clientSecret: grant.clientSecret, app });
    const client = valid.clientId !== undefined ? ', its own client' : '';
    const owner = added.app !== undefined && APP_NAME_PATTERN.test(added.app) ? `, app ${added.app}` : '';
    ctx.io.stdout(
      `added ${added.orgId} (${added.provider}, ${added.grantType}${client}${owner}): ACTIVE, due now; the next ` +
        'refresher run issues its first access token\n',
    );
    if (app !== undefined && apps === undefined) ctx.io.stderr(UNCHECKED_APP_NOTE);
    if (usesDeploymentAllowList(valid) && !ctx.io.env.ALLOWED_TOKEN_HOSTS) {
      ctx.io.stderr(
        `note: ALLOWED_TOKEN_HOSTS is not set here, so ${new URL(valid.tokenUrl as string).host} was not checked ` +
          "against the deployment's allow-list; the refresher refuses it if it is not on the list\n",
      );
    }
    return ExitCode.Ok;
  },
};
