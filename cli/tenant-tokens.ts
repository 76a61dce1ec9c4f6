// `tenant-tokens`: the operator CLI. `runCli` takes argv and its I/O as arguments and returns the exit code, so the
// tests drive it in-process; cli/main.ts binds it to the real process.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-token-store.js';
import { ConfigError, configSchema, loadConfig } from '../lambdas/config.js';
import { RefreshError } from '../lambdas/core/errors.js';
import { systemClock } from '../lambdas/core/ports.js';
import { checkProviderFields, describeIssues, orgSettingsShape, type TokenRecord } from '../lambdas/core/record.js';
import { scrub } from '../lambdas/core/redact.js';
import { PLAIN } from '../lambdas/core/validation-messages.js';
import { resolveTokenUrl } from '../lambdas/providers/build-request.js';
import { PROFILES } from '../lambdas/providers/profiles.js';
import type { Log } from '../lambdas/refresher/refresh-one.js';
import { createRuntime, scopeWithDeadline } from '../lambdas/refresher/runtime.js';
import { checkOrgId, checkRefreshToken, parseCommand, refuseSecretsInArgv, resolveTable, UsageError } from './args.js';
import { formatAgo, formatExpiresIn, renderTenantTable } from './format.js';
import {
  ADD_HELP,
  DISABLE_HELP,
  ENABLE_HELP,
  LIST_HELP,
  MAIN_HELP,
  REAUTH_HELP,
  REFRESH_HELP,
  SHOW_HELP,
  TENANTS_HELP,
} from './help.js';
import { AdminError, type ChangeResult, type OrgSettings, TenantAdmin, type TenantSummary } from './tenant-admin.js';

export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of stdin, or undefined when stdin is a terminal (nothing was piped). */
  readStdin(): Promise<string | undefined>;
  readFile(path: string): Promise<string>;
  env: Record<string, string | undefined>;
  now?: () => number;
}

/** Injected by tests; otherwise built from the standard AWS environment. */
export interface CliDeps {
  dynamoDb?: DynamoDBClient;
  secretsClient?: SecretsManagerClient;
}

interface Context {
  io: CliIo;
  deps: CliDeps;
  table: string | undefined;
  now: () => number;
}

export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const args = [...argv];
  try {
    const named = COMMANDS[args.find((a) => Object.hasOwn(COMMANDS, a)) ?? ''];
    refuseSecretsInArgv(args, named?.help ?? MAIN_HELP);
    // Global options come before the noun: [--table NAME] [--help].
    let table: string | undefined;
    while (args[0]?.startsWith('-')) {
      const arg = args.shift() as string;
      if (arg === '-h' || arg === '--help') {
        io.stdout(MAIN_HELP);
        return ExitCode.Ok;
      }
      if (arg === '--table') {
        table = args.shift();
        if (table === undefined || table.startsWith('-')) throw new UsageError('--table needs a table name', MAIN_HELP);
      } else if (arg.startsWith('--table=')) table = arg.slice('--table='.length);
      else throw new UsageError(`unknown option ${arg.split('=')[0]} (before the command)`, MAIN_HELP);
    }
    const noun = args.shift();
    if (noun === undefined) throw new UsageError('no command given', MAIN_HELP);
    if (noun === 'help') {
      io.stdout(MAIN_HELP);
      return ExitCode.Ok;
    }
    if (noun !== 'tenants') throw new UsageError(`unknown command "${printable(noun)}": expected "tenants"`, MAIN_HELP);
    const verb = args.shift();
    if (verb === '-h' || verb === '--help' || verb === 'help') {
      io.stdout(TENANTS_HELP);
      return ExitCode.Ok;
    }
    const ctx: Context = { io, deps, table, now: io.now ?? Date.now };
    const command = verb === undefined ? undefined : COMMANDS[verb];
    if (!command) {
      throw new UsageError(
        verb === undefined
          ? 'no tenants command given'
          : `unknown tenants command "${printable(verb)}": expected add, list, show, refresh, disable, enable or reauth`,
        TENANTS_HELP,
      );
    }
    if (args.includes('-h') || args.includes('--help')) {
      io.stdout(command.help);
      return ExitCode.Ok;
    }
    return await command.run(args, ctx);
  } catch (err) {
    return reportError(err, io, tableForMessages(argv, io.env));
  }
}

/** Echo a command word back only if it cannot be a pasted secret. */
function printable(word: string): string {
  return word.length <= 24 && /^[a-z-]+$/i.test(word) ? word : '(not shown)';
}

function tableForMessages(argv: readonly string[], env: Record<string, string | undefined>): string | undefined {
  const i = argv.indexOf('--table');
  return (i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--table='))?.slice(8)) ?? env.TABLE_NAME;
}

function reportError(err: unknown, io: CliIo, tableName: string | undefined): number {
  if (err instanceof UsageError) {
    // The message, then the command's synopsis (its help up to the first blank line) and where the rest is.
    const synopsis = err.help.split('\n\n')[0];
    const more = /tenants (\w+)/.exec(synopsis ?? '')?.[1];
    const helpCommand = more && more !== 'add|list|show|refresh|disable|enable|reauth' ? `tenants ${more} ` : '';
    io.stderr(
      `tenant-tokens: ${err.message}\n\n${synopsis}\nRun \`tenant-tokens ${helpCommand}--help\` for details.\n`,
    );
    return ExitCode.Usage;
  }
  if (err instanceof ConfigError) {
    io.stderr(`tenant-tokens: ${err.message}\n`);
    return ExitCode.Usage;
  }
  if (err instanceof AdminError) {
    io.stderr(`tenant-tokens: ${err.message}\n`);
    return ExitCode.Failed;
  }
  const name = (err as Error)?.name ?? 'Error';
  const message = scrub(String((err as Error)?.message ?? err));
  const hints: Record<string, string> = {
    ResourceNotFoundException: `table ${tableName ?? '?'} was not found: check --table and AWS_REGION`,
    CredentialsProviderError: 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    AccessDeniedException: 'AWS denied the request: the operator role needs read/write access to the token table',
    UnrecognizedClientException: 'AWS did not accept the credentials (wrong account, region or expired session?)',
  };
  const hint = hints[name] ?? (/region is missing/i.test(message) ? 'no AWS region: set AWS_REGION' : undefined);
  io.stderr(`tenant-tokens: ${hint ?? `${name}: ${message}`}\n`);
  return ExitCode.Failed;
}

interface Command {
  help: string;
  run(args: string[], ctx: Context): Promise<number>;
}

const tableOption = { table: { type: 'string' } } as const;

function admin(ctx: Context, tableFlag: string | undefined, help: string): TenantAdmin {
  if (ctx.table && tableFlag && ctx.table !== tableFlag) throw new UsageError('--table was given twice', help);
  const tableName = resolveTable(tableFlag ?? ctx.table, ctx.io.env, help);
  return new TenantAdmin({
    tableName,
    client: createDocumentClient(ctx.deps.dynamoDb ?? new DynamoDBClient({})),
    shardCount: shardCount(ctx.io.env, help),
    now: ctx.now,
  });
}

function shardCount(env: Record<string, string | undefined>, help: string): number {
  const raw = env.SHARD_COUNT;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError('SHARD_COUNT must be a whole number 1-64', help);
  return n;
}

async function readRefreshToken(ctx: Context, file: string | undefined, help: string): Promise<string> {
  if (file !== undefined) {
    let raw: string;
    try {
      raw = await ctx.io.readFile(file);
    } catch (err) {
      throw new UsageError(
        `cannot read --refresh-token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        help,
      );
    }
    return checkRefreshToken(raw, file, help);
  }
  const raw = await ctx.io.readStdin();
  if (raw === undefined) {
    throw new UsageError(
      'no refresh token: pass --refresh-token-file FILE or pipe it on stdin (... < token.txt); stdin is a terminal',
      help,
    );
  }
  return checkRefreshToken(raw, 'stdin', help);
}

/** zod paths → the flags an operator typed. */
const FLAG_OF: Record<string, string> = {
  orgId: 'ORG',
  provider: '--provider',
  grantType: '--grant-type',
  region: '--region',
  subdomain: '--subdomain',
  tokenUrl: '--token-url',
  clientAuth: '--client-auth',
  orgParam: '--org-param',
  scope: '--scope',
  requiresOfflineAccess: '--offline-access',
  clientSecretId: '--secret-id',
};

const settingsSchema = z.object(orgSettingsShape).check(z.superRefine(checkProviderFields));

function validateSettings(raw: Record<string, unknown>, env: Record<string, string | undefined>): OrgSettings {
  const parsed = settingsSchema.safeParse(raw, PLAIN);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      const flag = FLAG_OF[field] ?? field;
      if (raw[field] === undefined && issue.path.length === 1 && issue.code !== 'custom') return `${flag} is required`;
      return `${flag} ${issue.message}`;
    });
    throw new UsageError(problems.join('; '), ADD_HELP);
  }
  const s = parsed.data;
  // Options another provider would use are an operator's mistake, not something to ignore silently.
  const onlyFor: [keyof OrgSettings, string][] = [
    ['region', 'genesys'],
    ['subdomain', 'zendesk'],
    ['tokenUrl', 'generic'],
    ['clientAuth', 'generic'],
  ];
  for (const [field, provider] of onlyFor) {
    if (s[field] !== undefined && s.provider !== provider) {
      throw new UsageError(`${FLAG_OF[field]} is for provider ${provider}, not ${s.provider}`, ADD_HELP);
    }
  }
  checkTokenUrl(s, env);
  return s;
}

/** The same URL and allow-list checks the refresher makes before it sends a client secret anywhere. */
function checkTokenUrl(s: OrgSettings, env: Record<string, string | undefined>): void {
  const hosts = configSchema.shape.ALLOWED_TOKEN_HOSTS.safeParse(env.ALLOWED_TOKEN_HOSTS, PLAIN);
  if (!hosts.success) throw new UsageError(`ALLOWED_TOKEN_HOSTS: ${describeIssues(hosts.error)}`, ADD_HELP);
  let allowed = hosts.data;
  if (s.provider === 'generic' && allowed.length === 0 && s.tokenUrl) {
    // The deployment's list is not known here: check everything else, and let the refresher enforce the host.
    try {
      allowed = [new URL(s.tokenUrl).host];
    } catch {
      /* resolveTokenUrl reports the bad URL */
    }
  }
  try {
    resolveTokenUrl({ ...s, status: 'ACTIVE', version: 0, consecutiveFailures: 0 } as TokenRecord, {
      allowedTokenHosts: allowed,
      allowLoopbackHttp: env.ALLOW_LOOPBACK_HTTP === 'true',
    });
  } catch (err) {
    if (err instanceof RefreshError) {
      const hint = err.code === 'TOKEN_HOST_NOT_ALLOWED' ? ': add it to ALLOWED_TOKEN_HOSTS first' : '';
      throw new UsageError(`--token-url: ${err.message}${hint}`, ADD_HELP);
    }
    throw err;
  }
}

const add: Command = {
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
    const tableAdmin = admin(ctx, values.table, ADD_HELP);
    const refreshToken =
      settings.grantType === 'refresh_token'
        ? await readRefreshToken(ctx, values['refresh-token-file'], ADD_HELP)
        : undefined;
    const added = await tableAdmin.add(settings, refreshToken);
    ctx.io.stdout(
      `added ${added.orgId} (${added.provider}, ${added.grantType}): ACTIVE, due now; the next refresher run issues ` +
        'its first access token\n',
    );
    if (settings.provider === 'generic' && !ctx.io.env.ALLOWED_TOKEN_HOSTS) {
      ctx.io.stderr(
        `note: ALLOWED_TOKEN_HOSTS is not set here, so ${new URL(settings.tokenUrl as string).host} was not checked ` +
          "against the deployment's allow-list; the refresher refuses it if it is not on the list\n",
      );
    }
    return ExitCode.Ok;
  },
};

const list: Command = {
  help: LIST_HELP,
  async run(args, ctx) {
    const { values } = parseCommand(args, { ...tableOption, json: { type: 'boolean' } }, LIST_HELP, { names: [] });
    const tenants = await admin(ctx, values.table, LIST_HELP).list();
    if (values.json) ctx.io.stdout(`${JSON.stringify(tenants)}\n`);
    else if (tenants.length === 0) ctx.io.stdout('no orgs in this table yet: onboard one with `tenants add`\n');
    else ctx.io.stdout(`${renderTenantTable(tenants, ctx.now())}\n`);
    return ExitCode.Ok;
  },
};

function tokenUrlOf(t: TenantSummary): string {
  try {
    return PROFILES[t.provider].tokenUrl(t);
  } catch {
    return '(not computable)';
  }
}

function at(ms: number | undefined, now: number, future: boolean): string {
  if (ms === undefined) return '-';
  const rel = future ? (ms > now ? `in ${formatExpiresIn(ms, now)}` : formatAgo(ms, now)) : formatAgo(ms, now);
  return `${rel} (${new Date(ms).toISOString()})`;
}

const show: Command = {
  help: SHOW_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(args, { ...tableOption, json: { type: 'boolean' } }, SHOW_HELP, {
      names: ['ORG'],
    });
    const orgId = checkOrgId(positionals[0] as string, SHOW_HELP);
    const details = await admin(ctx, values.table, SHOW_HELP).details(orgId);
    if (!details) throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
    const { summary: t, accessTokenFingerprint, refreshTokenFingerprint } = details;
    if (values.json) {
      ctx.io.stdout(
        `${JSON.stringify({ ...t, tokenUrl: tokenUrlOf(t), accessTokenFingerprint, refreshTokenFingerprint })}\n`,
      );
      return ExitCode.Ok;
    }
    const now = ctx.now();
    const where = t.region ? `region ${t.region}` : t.subdomain ? `subdomain ${t.subdomain}` : 'token URL';
    const rows: [string, string][] = [
      ['org', t.orgId],
      ['provider', `${t.provider} (${where}) -> ${tokenUrlOf(t)}`],
      ['grant type', t.grantType],
      ['client auth', PROFILES[t.provider].clientAuth ?? t.clientAuth ?? 'basic'],
      ...(t.orgParam ? ([['org param', t.orgParam]] as [string, string][]) : []),
      ...(t.scope || t.requiresOfflineAccess
        ? ([['scope', `${t.scope ?? ''}${t.requiresOfflineAccess ? ' (+offline_access)' : ''}`.trim()]] as [
            string,
            string,
          ][])
        : []),
      ['client secret', t.clientSecretId],
      ['status', `${t.status}${t.attention ? ` (attention: ${t.attention})` : ''}`],
      [
        'access token',
        accessTokenFingerprint
          ? `${accessTokenFingerprint} ${t.tokenType ?? ''}, expires ${at(t.expiresAt, now, true)}`
          : 'none yet',
      ],
      [
        'refresh token',
        refreshTokenFingerprint ?? (t.grantType === 'refresh_token' ? 'none' : 'n/a (client credentials)'),
      ],
      [
        'next refresh',
        t.dueShard === undefined ? 'not scheduled (not ACTIVE)' : `${at(t.refreshAt, now, true)}, shard ${t.dueShard}`,
      ],
      ['last refresh', at(t.lastRefreshedAt, now, false)],
      ['failures', String(t.consecutiveFailures)],
      [
        'last error',
        t.lastError ? `${t.lastError.code}: ${t.lastError.message} (${at(t.lastError.at, now, false)})` : '-',
      ],
      ['rotation at risk', t.rotationAtRisk ? 'yes: the last attempt may have consumed the refresh token' : 'no'],
      ['lease', t.leaseOwner ? `${t.leaseOwner} until ${at(t.leaseUntil, now, true)}` : '-'],
      ['version', String(t.version)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    ctx.io.stdout(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    return ExitCode.Ok;
  },
};

/** The refresher's log, for one org from a terminal: warnings and errors only (fields are already scrubbed). */
function stderrLog(io: CliIo): Log {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
}

const refresh: Command = {
  help: REFRESH_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(args, { ...tableOption }, REFRESH_HELP, { names: ['ORG'] });
    const orgId = checkOrgId(positionals[0] as string, REFRESH_HELP);
    const tableAdmin = admin(ctx, values.table, REFRESH_HELP);
    const tableName = resolveTable(values.table ?? ctx.table, ctx.io.env, REFRESH_HELP);
    const config = loadConfig({ ...ctx.io.env, TABLE_NAME: tableName });
    const runtime = createRuntime(config, stderrLog(ctx.io), {
      documentClient: createDocumentClient(ctx.deps.dynamoDb ?? new DynamoDBClient({})),
      ...(ctx.deps.secretsClient ? { secretsClient: ctx.deps.secretsClient } : {}),
    });
    const summary = await runtime.run.refreshOrgs([orgId], scopeWithDeadline(systemClock, config.lambdaTimeoutMs));
    const outcome = summary.outcomes?.[0];
    const after = await tableAdmin.summary(orgId);
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
        NOT_ACTIVE: `org ${orgId} is ${after?.status ?? 'not ACTIVE'}: ${after?.status === 'DISABLED' ? '`tenants enable` it first' : 'after the customer re-authorises, use `tenants reauth`'}`,
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

function describeChange(verb: string, result: ChangeResult): string {
  const { before, after, changed } = result;
  if (!changed) return `org ${before.orgId} is already ${before.status}: nothing to do\n`;
  return `${verb} ${before.orgId}: ${before.status} -> ${after?.status ?? '?'} (version ${after?.version ?? '?'})\n`;
}

function simpleChange(help: string, verb: string, change: (a: TenantAdmin, orgId: string) => Promise<ChangeResult>) {
  return {
    help,
    async run(args: string[], ctx: Context) {
      const { values, positionals } = parseCommand(args, { ...tableOption }, help, { names: ['ORG'] });
      const orgId = checkOrgId(positionals[0] as string, help);
      const result = await change(admin(ctx, values.table, help), orgId);
      ctx.io.stdout(describeChange(verb, result));
      return ExitCode.Ok;
    },
  } satisfies Command;
}

const reauth: Command = {
  help: REAUTH_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(
      args,
      { ...tableOption, 'refresh-token-file': { type: 'string' } },
      REAUTH_HELP,
      { names: ['ORG'] },
    );
    const orgId = checkOrgId(positionals[0] as string, REAUTH_HELP);
    const tableAdmin = admin(ctx, values.table, REAUTH_HELP);
    const current = await tableAdmin.summary(orgId);
    if (!current) throw new AdminError('NOT_FOUND', `no org ${orgId} in this table`);
    if (current.grantType === 'client_credentials' && values['refresh-token-file'] !== undefined) {
      throw new UsageError(`org ${orgId} uses client_credentials, which has no refresh token`, REAUTH_HELP);
    }
    const refreshToken =
      current.grantType === 'refresh_token'
        ? await readRefreshToken(ctx, values['refresh-token-file'], REAUTH_HELP)
        : undefined;
    const result = await tableAdmin.reauth(orgId, refreshToken);
    ctx.io.stdout(
      `re-authorised ${orgId}: ${result.before.status} -> ${result.after?.status ?? '?'}, due now ` +
        `(the next refresher run issues a new access token; \`tenants refresh ${orgId}\` does it at once)\n`,
    );
    return ExitCode.Ok;
  },
};

const COMMANDS: Record<string, Command> = {
  add,
  list,
  show,
  refresh,
  disable: simpleChange(DISABLE_HELP, 'disabled', (a, org) => a.disable(org)),
  enable: simpleChange(ENABLE_HELP, 'enabled', (a, org) => a.enable(org)),
  reauth,
};
