// Argument handling for `tenant-tokens`: usage errors (exit 2) that say what is wrong and what is expected, and the
// rule that a token never arrives on the command line.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ORG_ID_PATTERN, ORG_ID_RULE } from '../lambdas/core/record.js';

/** Wrong input: exit 2, the message, then the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

/** Flags that would put a secret in argv. Matched by name only: the value is never looked at or echoed. */
const SECRET_FLAG = /^--?(refresh[-_]?token|access[-_]?token|token|client[-_]?secret|secret)(=.*)?$/i;

/**
 * Refuses a token or secret given as a flag, before any other parsing: argv is readable by every user on the machine
 * (`ps`, /proc) and lands in shell history, so the value must come from a file or stdin.
 */
export function refuseSecretsInArgv(argv: readonly string[], help: string): void {
  for (const arg of argv) {
    const match = SECRET_FLAG.exec(arg);
    if (!match) continue;
    const flag = arg.split('=')[0];
    throw new UsageError(
      `refusing ${flag}: a token or secret on the command line is visible to other users (ps, /proc) and stays in ` +
        'shell history. Put the refresh token in a file and pass --refresh-token-file FILE, or pipe it on stdin ' +
        "(... < token.txt). An org's own client secret: --client-id ID --client-secret-file FILE; a shared " +
        'client: Secrets Manager (--secret-id).',
      help,
    );
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with messages of our own: unknown options are named, stray arguments are counted but never echoed
 * (a stray argument may be a token pasted in the wrong place).
 */
export function parseCommand<O extends Options>(
  argv: string[],
  options: O,
  help: string,
  positionals: { names: string[] },
) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const flag = /'(-[^'=\s]*)/.exec((err as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${flag ?? ''}`.trim(), help);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(`option ${flag ?? ''} needs a value`.replace('  ', ' '), help);
    }
    throw new UsageError('could not read the arguments', help);
  }
  const expected = positionals.names;
  if (parsed.positionals.length !== expected.length) {
    const what = expected.length === 0 ? 'no arguments' : expected.join(' ');
    throw new UsageError(
      `expected ${what}, got ${parsed.positionals.length} argument${parsed.positionals.length === 1 ? '' : 's'}`,
      help,
    );
  }
  return parsed;
}

export function checkOrgId(orgId: string, help: string): string {
  if (!ORG_ID_PATTERN.test(orgId)) throw new UsageError(`ORG must be ${ORG_ID_RULE}`, help);
  return orgId;
}

const TABLE_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

export function resolveTable(flag: string | undefined, env: Record<string, string | undefined>, help: string): string {
  const table = flag ?? env.TABLE_NAME;
  if (!table) throw new UsageError('no table: pass --table NAME or set TABLE_NAME', help);
  if (!TABLE_PATTERN.test(table)) {
    throw new UsageError(
      `--table must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)${flag ? '' : ' (from TABLE_NAME)'}`,
      help,
    );
  }
  return table;
}

const MAX_TOKEN_LENGTH = 16_384;

/** Validates a refresh token read from a file or stdin; messages describe it without showing it. */
export function checkRefreshToken(raw: string, source: string, help: string): string {
  const token = raw.trim();
  if (token.length === 0) throw new UsageError(`the refresh token from ${source} is empty`, help);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new UsageError(`the refresh token from ${source} is longer than ${MAX_TOKEN_LENGTH} characters`, help);
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError(
      `the refresh token from ${source} must be one line of printable characters without spaces (is it the right file?)`,
      help,
    );
  }
  return token;
}
