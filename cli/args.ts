// Argument handling for `tenant-tokens`: parsing with messages that say what is wrong and what is expected, and the
// checks of what an operator typed (org id, table, a refresh token read from a file).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ORG_ID_PATTERN, ORG_ID_RULE } from '../lambdas/core/record.js';
import { UsageError } from './usage-error.js';

export { refuseSecretsInArgv, UsageError } from './usage-error.js';

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
