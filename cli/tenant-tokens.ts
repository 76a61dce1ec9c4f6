// `tenant-tokens`: the operator CLI. `runCli` takes argv and its I/O as arguments and returns the exit code, so the
// tests drive it in-process; cli/main.ts binds it to the real process. Each command lives in cli/commands/.
import { AdminError } from '../lambdas/adapters/tenant-summary.js';
import { scrub } from '../lambdas/core/redact.js';
import { commandContext } from './command-context.js';
import type { CliDeps, CliIo, Command } from './context.js';
import { ExitCode } from './exit-code.js';
import {
  ADD_HELP,
  DISABLE_HELP,
  ENABLE_HELP,
  IMPORT_HELP,
  LIST_HELP,
  MAIN_HELP,
  REAUTH_HELP,
  REFRESH_HELP,
  REMOVE_HELP,
  SHOW_HELP,
  TENANTS_HELP,
} from './help.js';
import { refuseSecretsInArgv, UsageError } from './usage-error.js';

export { type CliDeps, type CliIo, ExitCode };

/**
 * Each command's help, and its code loaded only when it runs: `--help` and usage errors never load the AWS SDK, so
 * they answer at once (docs/performance.md, "CLI start-up").
 */
const COMMANDS: Record<string, { help: string; load: () => Promise<Command> }> = {
  add: { help: ADD_HELP, load: async () => (await import('./commands/add.js')).add },
  import: { help: IMPORT_HELP, load: async () => (await import('./commands/import.js')).importOrgs },
  list: { help: LIST_HELP, load: async () => (await import('./commands/list.js')).list },
  show: { help: SHOW_HELP, load: async () => (await import('./commands/show.js')).show },
  refresh: { help: REFRESH_HELP, load: async () => (await import('./commands/refresh.js')).refresh },
  disable: { help: DISABLE_HELP, load: async () => (await import('./commands/status-change.js')).disable },
  enable: { help: ENABLE_HELP, load: async () => (await import('./commands/status-change.js')).enable },
  reauth: { help: REAUTH_HELP, load: async () => (await import('./commands/reauth.js')).reauth },
  remove: { help: REMOVE_HELP, load: async () => (await import('./commands/remove.js')).remove },
};

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
    const ctx = commandContext(io, deps, table);
    const command = verb === undefined ? undefined : COMMANDS[verb];
    if (!command) {
      throw new UsageError(
        verb === undefined
          ? 'no tenants command given'
          : `unknown tenants command "${printable(verb)}": expected add, list, show, refresh, disable, enable, ` +
              'reauth, remove or import',
        TENANTS_HELP,
      );
    }
    if (args.includes('-h') || args.includes('--help')) {
      io.stdout(command.help);
      return ExitCode.Ok;
    }
    return await (await command.load()).run(args, ctx);
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
  // By name: the refresher's config module (and zod with it) loads only with the command that reads the config.
  if ((err as Error)?.name === 'ConfigError') {
    io.stderr(`tenant-tokens: ${(err as Error).message}\n`);
    return ExitCode.Usage;
  }
  // By name too: cli/deployment.ts and cli/aws-clock.ts load with the commands that write.
  if ((err as Error)?.name === 'DeploymentError' || (err as Error)?.name === 'AwsTimeUnknownError') {
    io.stderr(`tenant-tokens: ${(err as Error).message}\n`);
    return (err as { exitCode?: number }).exitCode ?? ExitCode.Failed;
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
