// `tenants reauth ORG`: store the new grant after the customer re-authorised; the org is ACTIVE and due now.
import { AdminError } from '../../lambdas/adapters/dynamodb-tenant-admin.js';
import { checkOrgId, parseCommand, UsageError } from '../args.js';
import { type Command, ExitCode, tableOption, tenantAdmin } from '../context.js';
import { REAUTH_HELP } from '../help.js';
import { readRefreshToken } from '../refresh-token-input.js';

export const reauth: Command = {
  help: REAUTH_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(
      args,
      { ...tableOption, 'refresh-token-file': { type: 'string' } },
      REAUTH_HELP,
      { names: ['ORG'] },
    );
    const orgId = checkOrgId(positionals[0] as string, REAUTH_HELP);
    const admin = tenantAdmin(ctx, values.table, REAUTH_HELP);
    const current = await admin.summary(orgId);
    if (!current) throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
    if (current.grantType === 'client_credentials' && values['refresh-token-file'] !== undefined) {
      throw new UsageError(`org ${orgId} uses client_credentials, which has no refresh token`, REAUTH_HELP);
    }
    const refreshToken =
      current.grantType === 'refresh_token'
        ? await readRefreshToken(ctx, values['refresh-token-file'], REAUTH_HELP)
        : undefined;
    const result = await admin.reauth(orgId, refreshToken);
    ctx.io.stdout(
      `re-authorised ${orgId}: ${result.before.status} -> ${result.after?.status ?? '?'}, due now ` +
        `(the next refresher run issues a new access token; \`tenants refresh ${orgId}\` does it at once)\n`,
    );
    return ExitCode.Ok;
  },
};
