// `tenants reauth ORG`: store the new grant after the customer re-authorised; the org is ACTIVE and due now. With
// --client-id/--client-secret-file the org's own client is replaced too (a reinstalled app creates a new one).
import { AdminError } from '../../lambdas/adapters/dynamodb-tenant-admin.js';
import { PROFILES } from '../../lambdas/core/provider-profiles.js';
import { orgSettingsShape } from '../../lambdas/core/record.js';
import { checkOrgId, parseCommand, UsageError } from '../args.js';
import { type Command, deployedAdmin, ExitCode, tableOption } from '../context.js';
import { deploymentOnboardingEnv } from '../deployment.js';
import { REAUTH_HELP } from '../help.js';
import { onboardingUsageError, validateOnboarding } from '../org-settings.js';
import { readClientSecret, readRefreshToken, refuseTwoOnStdin } from '../secret-input.js';

export const reauth: Command = {
  help: REAUTH_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(
      args,
      {
        ...tableOption,
        'refresh-token-file': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret-file': { type: 'string' },
      },
      REAUTH_HELP,
      { names: ['ORG'] },
    );
    const orgId = checkOrgId(positionals[0] as string, REAUTH_HELP);
    const clientId = values['client-id'];
    const clientSecretFile = values['client-secret-file'];
    if ((clientId === undefined) !== (clientSecretFile === undefined)) {
      throw new UsageError("--client-id and --client-secret-file go together: the org's new own client", REAUTH_HELP);
    }
    const { admin, deployment } = await deployedAdmin(ctx, values.table, REAUTH_HELP);
    const current = await admin.summary(orgId);
    if (!current) throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
    if (current.grantType === 'client_credentials' && values['refresh-token-file'] !== undefined) {
      throw new UsageError(`org ${orgId} uses client_credentials, which has no refresh token`, REAUTH_HELP);
    }
    const wantsRefreshToken = current.grantType === 'refresh_token';
    refuseTwoOnStdin(values['refresh-token-file'], wantsRefreshToken, clientSecretFile, REAUTH_HELP);
    const hint = PROFILES[current.provider]?.missingRefreshTokenHint;
    const refreshToken = wantsRefreshToken
      ? await readRefreshToken(ctx, values['refresh-token-file'], REAUTH_HELP, hint)
      : undefined;
    let client: { clientId: string; clientSecret: string } | undefined;
    if (clientId !== undefined && clientSecretFile !== undefined) {
      const clientSecret = await readClientSecret(ctx, clientSecretFile, REAUTH_HELP);
      // The org's settings with the new client, by the same rules as onboarding (the id's format, the secret's).
      const checked = validateOnboarding(
        {
          ...pickSettings(current as unknown as Record<string, unknown>),
          clientId,
          clientSecret,
          ...(refreshToken ? { refreshToken } : {}),
        },
        deploymentOnboardingEnv(deployment),
      );
      if (!checked.ok) throw onboardingUsageError(checked.problems, REAUTH_HELP);
      client = { clientId, clientSecret };
    }
    const result = await admin.reauth(orgId, refreshToken, client);
    ctx.io.stdout(
      `re-authorised ${orgId}${client ? ' with its new client' : ''}: ${result.before.status} -> ` +
        `${result.after?.status ?? '?'}, due now (the next refresher run issues a new access token; ` +
        `\`tenants refresh ${orgId}\` does it at once)\n`,
    );
    return ExitCode.Ok;
  },
};

/** The onboarding fields of a stored org (its settings, without state), but its client, which the command replaces. */
const SETTINGS_FIELDS = Object.keys(orgSettingsShape).filter((f) => f !== 'clientSecretId' && f !== 'clientId');

function pickSettings(summary: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SETTINGS_FIELDS.filter((f) => summary[f] !== undefined).map((f) => [f, summary[f]]));
}
