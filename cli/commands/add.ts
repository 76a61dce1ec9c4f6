// `tenants add ORG …`: onboard an org. Its settings are checked by the record's own rules, its refresh token comes
// from a file or stdin, and the write refuses to overwrite an existing org.
import { checkOrgId, parseCommand, UsageError } from '../args.js';
import { type Command, ExitCode, tableOption, tenantAdmin } from '../context.js';
import { ADD_HELP } from '../help.js';
import { usesDeploymentAllowList, validateSettings } from '../org-settings.js';
import { readRefreshToken } from '../refresh-token-input.js';

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
        'refresh-token-file': { type: 'string' },
      },
      ADD_HELP,
      { names: ['ORG'] },
    );
    const orgId = checkOrgId(positionals[0] as string, ADD_HELP);
    const settings = validateSettings(
      {
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
      },
      ctx.io.env,
    );
    if (settings.grantType === 'client_credentials' && values['refresh-token-file'] !== undefined) {
      throw new UsageError(
        '--refresh-token-file is for refresh_token orgs; client_credentials has no refresh token',
        ADD_HELP,
      );
    }
    const admin = tenantAdmin(ctx, values.table, ADD_HELP);
    const refreshToken =
      settings.grantType === 'refresh_token'
        ? await readRefreshToken(ctx, values['refresh-token-file'], ADD_HELP)
        : undefined;
    const added = await admin.add(settings, refreshToken);
    ctx.io.stdout(
      `added ${added.orgId} (${added.provider}, ${added.grantType}): ACTIVE, due now; the next refresher run issues ` +
        'its first access token\n',
    );
    if (usesDeploymentAllowList(settings) && !ctx.io.env.ALLOWED_TOKEN_HOSTS) {
      ctx.io.stderr(
        `note: ALLOWED_TOKEN_HOSTS is not set here, so ${new URL(settings.tokenUrl as string).host} was not checked ` +
          "against the deployment's allow-list; the refresher refuses it if it is not on the list\n",
      );
    }
    return ExitCode.Ok;
  },
};
