// `tenants refresh ORG`: refresh now, through the refresher's own claim/commit path (the same fences as a sweep).
import { loadConfig } from '../../lambdas/config.js';
import { type Log, systemClock } from '../../lambdas/core/ports.js';
import { createRuntime, scopeWithDeadline } from '../../lambdas/refresher/runtime.js';
import { checkOrgId, parseCommand } from '../args.js';
import { type CliIo, type Command, documentClient, ExitCode, tableName, tableOption, tenantAdmin } from '../context.js';
import { formatExpiresIn } from '../format.js';
import { REFRESH_HELP } from '../help.js';

/** The refresher's log, for one org from a terminal: warnings and errors only (fields are already scrubbed). */
function stderrLog(io: CliIo): Log {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
}

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
    const admin = tenantAdmin(ctx, values.table, REFRESH_HELP);
    const config = loadConfig({ ...ctx.io.env, TABLE_NAME: tableName(ctx, values.table, REFRESH_HELP) });
    const runtime = createRuntime(config, stderrLog(ctx.io), {
      documentClient: documentClient(ctx),
      ...(ctx.deps.secretsClient ? { secretsClient: ctx.deps.secretsClient } : {}),
    });
    const summary = await runtime.run.refreshOrgs([orgId], scopeWithDeadline(systemClock, config.lambdaTimeoutMs));
    const outcome = summary.outcomes?.[0];
    const after = await admin.summary(orgId);
    if (outcome?.result === 'refreshed') {
      ctx.io.stdout(
        `refreshed ${orgId}: access token expires in ${formatExpiresIn(after?.expiresAt, ctx.now())}, next refresh ` +
          `in ${formatExpiresIn(after?.refreshAt, ctx.now())}\n`,
      );
      return ExitCode.Ok;
    }
    if (outcome?.result === 'skipped') {
      const why: Record<string, string> = {
        NOT_FOUND: `no org ${orgId} in this table`,
        NOT_ACTIVE: `org ${orgId} is ${after?.status ?? 'not ACTIVE'}: ${notActiveHint(after?.status)}`,
        LEASED: `a refresher is refreshing org ${orgId} right now: try again in a few seconds`,
        OUT_OF_TIME: 'ran out of time before claiming the org',
        NOT_DUE: `org ${orgId} was refreshed by the refresher meanwhile`,
      };
      ctx.io.stderr(`tenant-tokens: ${why[outcome.reason] ?? outcome.reason}\n`);
      return ExitCode.Failed;
    }
    const error = after?.lastError;
    ctx.io.stderr(
      `tenant-tokens: refresh of ${orgId} failed: ${outcome?.code ?? 'unknown'}` +
        `${error ? ` (${error.message})` : ''}; status now ${after?.status ?? 'unknown'}\n`,
    );
    return ExitCode.Failed;
  },
};
