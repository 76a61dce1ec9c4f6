// `tenants disable ORG` and `tenants enable ORG`: a status change, conditional on the version read and no live lease
// (by AWS's clock), in the deployment's shards.
import type { ChangeResult, TenantAdmin } from '../../lambdas/adapters/dynamodb-tenant-admin.js';
import { checkOrgId, parseCommand } from '../args.js';
import { type Command, deployedAdmin, ExitCode, tableOption } from '../context.js';
import { DISABLE_HELP, ENABLE_HELP } from '../help.js';

function describeChange(verb: string, result: ChangeResult): string {
  const { before, after, changed } = result;
  if (!changed) return `org ${before.orgId} is already ${before.status}: nothing to do\n`;
  return `${verb} ${before.orgId}: ${before.status} -> ${after?.status ?? '?'} (version ${after?.version ?? '?'})\n`;
}

function statusChange(
  help: string,
  verb: string,
  change: (admin: TenantAdmin, orgId: string) => Promise<ChangeResult>,
): Command {
  return {
    help,
    async run(args, ctx) {
      const { values, positionals } = parseCommand(args, { ...tableOption }, help, { names: ['ORG'] });
      const orgId = checkOrgId(positionals[0] as string, help);
      const { admin } = await deployedAdmin(ctx, values.table, help);
      const result = await change(admin, orgId);
      ctx.io.stdout(describeChange(verb, result));
      return ExitCode.Ok;
    },
  };
}

export const disable = statusChange(DISABLE_HELP, 'disabled', (admin, orgId) => admin.disable(orgId));
export const enable = statusChange(ENABLE_HELP, 'enabled', (admin, orgId) => admin.enable(orgId));
