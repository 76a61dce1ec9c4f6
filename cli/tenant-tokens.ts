// `tenant-tokens`: the operator CLI. `runCli` takes argv and its I/O as arguments and returns the exit code, so the
// tests drive it in-process; cli/main.ts binds it to the real process. Each command lives in cli/commands/.
import { AdminError } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { ConfigError } from '../lambdas/config.js';
import { scrub } from '../lambdas/core/redact.js';
import { refuseSecretsInArgv, UsageError } from './args.js';
import { add } from './commands/add.js';
import { importOrgs } from './commands/import.js';
import { list } from './commands/list.js';
import { reauth } from './commands/reauth.js';
import { refresh } from './commands/refresh.js';
import { show } from './commands/show.js';
import { disable, enable } from './commands/status-change.js';
import { type CliDeps, type CliIo, type Command, type CommandContext, ExitCode } from './context.js';
import { MAIN_HELP, TENANTS_HELP } from './help.js';

export { type CliDeps, type CliIo, ExitCode };

const COMMANDS: Record<string, Command> = { add, import: importOrgs, list, show, refresh, disable, enable, reauth };

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
    const ctx: CommandContext = { io, deps, table, now: io.now ?? Date.now };
    const command = verb === undefined ? undefined : COMMANDS[verb];
    if (!command) {
      throw new UsageError(
        verb === undefined
          ? 'no tenants command given'
          : `unknown tenants command "${printable(verb)}": expected add, list, show, refresh, disable, enable, ` +
              'reauth or import',
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
    const helpCommand = more && !more.includes('|') ? `tenants ${more} ` : '';
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
