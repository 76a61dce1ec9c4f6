// `tenants remove ORG`: offboard an org, the operator's door to the removal a hosted app's `removeOrg` runs
// (lambdas/offboarding/). Like `tenants refresh` it runs in the deployment's refresher function (`{"remove": {"orgId":
// ORG}}`), so the revocation uses the deployment's allow-list, secrets and network and `Org Removed` goes to its bus:
// the record becomes a REMOVED tombstone with the table's fence (the version read, no live lease — a refresh in
// flight makes it exit 1 with "try again in N s", like disable), its tokens are revoked at the provider where it
// allows, and it says what was and was not revoked.
import { AdminError } from '../../lambdas/adapters/tenant-summary.js';
import { checkOrgId, parseCommand } from '../args.js';
import { type Command, deployedAdmin, ExitCode, tableOption } from '../context.js';
import { REMOVE_HELP } from '../help.js';
import { invokeRemoval, type RemoveAnswer } from '../refresher-invoke.js';

export const remove: Command = {
  help: REMOVE_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(args, { ...tableOption, json: { type: 'boolean' } }, REMOVE_HELP, {
      names: ['ORG'],
    });
    const orgId = checkOrgId(positionals[0] as string, REMOVE_HELP);
    // The deployment's descriptor names its refresher function, and the shell must not disagree with it.
    const { deployment } = await deployedAdmin(ctx, values.table, REMOVE_HELP);
    const answer = await invokeRemoval(ctx, deployment.refresherFunctionName, orgId);
    if (values.json && answer.ok) {
      ctx.io.stdout(`${JSON.stringify(answer)}\n`);
      return ExitCode.Ok;
    }
    ctx.io.stdout(describe(orgId, answer));
    return ExitCode.Ok;
  },
};

function describe(orgId: string, answer: RemoveAnswer): string {
  if (!answer.ok) {
    const { code, message, retryAfterSeconds } = answer.error;
    switch (code) {
      case 'ORG_NOT_FOUND':
        throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
      case 'BUSY':
        throw new AdminError(
          'LEASED',
          `a refresher is refreshing org ${orgId} right now: nothing was removed; try again in ` +
            `${Math.max(1, retryAfterSeconds ?? 1)} s`,
        );
      default:
        throw new AdminError('WRONG_STATE', `${code}: ${message}`);
    }
  }
  if (answer.alreadyRemoved) {
    return `org ${orgId} was already removed${answer.removedAt ? ` at ${answer.removedAt}` : ''}: nothing to do\n`;
  }
  const r = answer.revocation ?? {};
  return (
    `removed ${orgId}: REMOVED, no longer refreshed; refresh token ` +
    `${tokenLine(r.refreshToken, r.refreshTokenReason, undefined)}; access token ` +
    `${tokenLine(r.accessToken, r.accessTokenReason, r.accessTokenExpiresAt)}; the record holds no token or client ` +
    'secret\n'
  );
}

function tokenLine(result: string | undefined, reason: string | undefined, expiresAt: string | undefined): string {
  switch (result) {
    case 'REVOKED':
      return 'revoked';
    case 'NONE_HELD':
      return 'none held';
    case 'LEFT_TO_EXPIRE':
      return `left to expire${expiresAt ? ` at ${expiresAt}` : ''} (the provider offers no way to revoke it)`;
    default:
      return `NOT revoked (${reason ?? 'unknown'}): it works until it expires${expiresAt ? ` at ${expiresAt}` : ''}`;
  }
}
