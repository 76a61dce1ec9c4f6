// `tenants refresh ORG`: refresh now, by the deployment itself: its refresher function's direct invocation runs the
// refresher's own claim/commit path (the same fences as a sweep) with the deployment's settings, clock, events and
// metrics (cli/refresher-invoke.ts). The outcome comes from the function's answer and the record.
import { checkOrgId, parseCommand } from '../args.js';
import { type Command, deployedAdmin, ExitCode, tableOption } from '../context.js';
import { formatExpiresIn } from '../format.js';
import { REFRESH_HELP } from '../help.js';
import { invokeRefresher } from '../refresher-invoke.js';

function notActiveHint(status: string | undefined): string {
  if (status === 'DISABLED') return '`tenants enable` it first';
  if (status === 'REMOVED') return 'it was offboarded; `tenants add` onboards it again';
  return 'after the customer re-authorises, use `tenants reauth`';
}

export const refresh: Command = {
  help: REFRESH_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(args, { ...tableOption }, REFRESH_HELP, { names: ['ORG'] });
    const orgId = checkOrgId(positionals[0] as string, REFRESH_HELP);
    const { admin, deployment } = await deployedAdmin(ctx, values.table, REFRESH_HELP);
    const outcome = await invokeRefresher(ctx, deployment.refresherFunctionName, orgId);
    const after = await admin.summary(orgId);
    if (outcome.result === 'refreshed') {
      ctx.io.stdout(
        `refreshed ${orgId}: access token expires in ${formatExpiresIn(after?.expiresAt, ctx.now())}, next refresh ` +
          `in ${formatExpiresIn(after?.refreshAt, ctx.now())}\n`,
      );
      return ExitCode.Ok;
    }
    if (outcome.result === 'skipped') {
      const why: Record<string, string> = {
        NOT_FOUND: `no org ${orgId} in this table`,
        NOT_ACTIVE: `org ${orgId} is ${after?.status ?? 'not ACTIVE'}: ${notActiveHint(after?.status)}`,
        LEASED: `a refresher is refreshing org ${orgId} right now: try again in a few seconds`,
        OUT_OF_TIME: 'ran out of time before claiming the org',
        NOT_DUE: `org ${orgId} was refreshed by the refresher meanwhile`,
        HOST_DEGRADED: `org ${orgId}'s token host is backed off after failures or a 429: try again when it recovers`,
      };
      ctx.io.stderr(`tenant-tokens: ${why[outcome.reason ?? ''] ?? outcome.reason ?? 'skipped'}\n`);
      return ExitCode.Failed;
    }
    const error = after?.lastError;
    ctx.io.stderr(
      `tenant-tokens: refresh of ${orgId} failed: ${outcome.code ?? 'unknown'}` +
        `${error ? ` (${error.message})` : ''}; status now ${after?.status ?? 'unknown'}\n`,
    );
    return ExitCode.Failed;
  },
};
