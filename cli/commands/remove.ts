// `tenants remove ORG`: offboard an org, the operator's door to the removal a hosted app's `removeOrg` runs
// (lambdas/offboarding/): the record becomes a REMOVED tombstone with the table's fence (the version read, no live
// lease — a refresh in flight makes it exit 1 with "try again in N s", like disable), its tokens are revoked at the
// provider where it allows, `Org Removed` is published, and it says what was and was not revoked.
import { DynamoDbOrgRemoval } from '../../lambdas/adapters/dynamodb-org-removal.js';
import { AdminError } from '../../lambdas/adapters/tenant-summary.js';
import { loadConfig } from '../../lambdas/config.js';
import { type Log, systemClock } from '../../lambdas/core/ports.js';
import { RemovedBy } from '../../lambdas/core/removal.js';
import type { TokenRevocation } from '../../lambdas/core/revocation.js';
import { removalAnswer } from '../../lambdas/intake/removal-answer.js';
import { OrgRemoval, type RemovalResult } from '../../lambdas/offboarding/org-removal.js';
import { createRuntime } from '../../lambdas/refresher/runtime.js';
import { checkOrgId, parseCommand } from '../args.js';
import { type CliIo, type Command, documentClient, ExitCode, tableName, tableOption } from '../context.js';
import { REMOVE_HELP } from '../help.js';

/** The removal's log, from a terminal: warnings and errors only (fields are codes and ids, never a token). */
function stderrLog(io: CliIo): Log {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
}

export const remove: Command = {
  help: REMOVE_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(args, { ...tableOption, json: { type: 'boolean' } }, REMOVE_HELP, {
      names: ['ORG'],
    });
    const orgId = checkOrgId(positionals[0] as string, REMOVE_HELP);
    const table = tableName(ctx, values.table, REMOVE_HELP);
    const config = loadConfig({ ...ctx.io.env, TABLE_NAME: table });
    const doc = documentClient(ctx);
    const log = stderrLog(ctx.io);
    const runtime = createRuntime(config, log, {
      documentClient: doc,
      ...(ctx.deps.secretsClient ? { secretsClient: ctx.deps.secretsClient } : {}),
    });
    const removal = new OrgRemoval({
      store: new DynamoDbOrgRemoval({ tableName: table, client: doc }),
      credentials: runtime.credentials,
      endpoint: runtime.endpoint,
      notifier: runtime.notifier,
      clock: systemClock,
      log,
      settings: config,
    });
    const deadline = systemClock.now() + config.lambdaTimeoutMs;
    const result = await removal.remove(orgId, RemovedBy.Operator, {
      remainingMs: () => deadline - systemClock.now(),
      waitForLease: false,
    });
    if (values.json && (result.outcome === 'removed' || result.outcome === 'already_removed')) {
      ctx.io.stdout(`${JSON.stringify(removalAnswer(result))}\n`);
      return ExitCode.Ok;
    }
    ctx.io.stdout(describe(result));
    return ExitCode.Ok;
  },
};

function describe(result: RemovalResult): string {
  const { orgId } = result;
  switch (result.outcome) {
    case 'removed':
      return (
        `removed ${orgId}: REMOVED, no longer refreshed; refresh token ${tokenLine(result.revocation.refreshToken)}; ` +
        `access token ${tokenLine(result.revocation.accessToken)}; the record holds no token or client secret\n`
      );
    case 'already_removed':
      return `org ${orgId} was already removed${result.removedAt ? ` at ${iso(result.removedAt)}` : ''}: nothing to do\n`;
    case 'not_found':
      throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
    case 'busy':
      throw new AdminError(
        'LEASED',
        `a refresher is refreshing org ${orgId} right now: nothing was removed; try again in ` +
          `${Math.max(1, Math.ceil(result.retryAfterMs / 1000))} s`,
      );
    case 'invalid':
      throw new AdminError('WRONG_STATE', `${result.message}: nothing was removed`);
  }
}

function tokenLine(t: TokenRevocation): string {
  switch (t.result) {
    case 'REVOKED':
      return 'revoked';
    case 'NONE_HELD':
      return 'none held';
    case 'LEFT_TO_EXPIRE':
      return `left to expire${t.expiresAt ? ` at ${iso(t.expiresAt)}` : ''} (the provider offers no way to revoke it)`;
    default:
      return (
        `NOT revoked (${t.reason ?? 'unknown'}): it works until it expires` +
        `${t.expiresAt ? ` at ${iso(t.expiresAt)}` : ''}`
      );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
