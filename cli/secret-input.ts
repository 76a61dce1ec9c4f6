// Secrets for `add` and `reauth` — a refresh token, an org's own client secret — from a file or piped stdin, never
// from argv or a terminal. `-` names stdin; stdin carries one secret at most (two would have to be told apart by
// position in a pipe, which is how secrets end up swapped).
import { checkRefreshToken, UsageError } from './args.js';
import type { CommandContext } from './context.js';

const MAX_CLIENT_SECRET_LENGTH = 4096;

/** Validates a client secret read from a file or stdin; messages describe it without showing it. */
export function checkClientSecret(raw: string, source: string, help: string): string {
  const secret = raw.trim();
  if (secret.length === 0) throw new UsageError(`the client secret from ${source} is empty`, help);
  if (secret.length > MAX_CLIENT_SECRET_LENGTH) {
    throw new UsageError(
      `the client secret from ${source} is longer than ${MAX_CLIENT_SECRET_LENGTH} characters`,
      help,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(secret)) {
    throw new UsageError(
      `the client secret from ${source} must be one line of printable characters without spaces (is it the right file?)`,
      help,
    );
  }
  return secret;
}

interface SecretSpec {
  /** The flag naming the file (`-` = stdin). */
  flag: string;
  /** `refresh token`, `client secret`. */
  what: string;
  /** Read stdin when the flag is absent (the refresh token, as before). */
  stdinByDefault: boolean;
  check: (raw: string, source: string, help: string) => string;
}

const REFRESH_TOKEN: SecretSpec = {
  flag: '--refresh-token-file',
  what: 'refresh token',
  stdinByDefault: true,
  check: checkRefreshToken,
};
const CLIENT_SECRET: SecretSpec = {
  flag: '--client-secret-file',
  what: 'client secret',
  stdinByDefault: false,
  check: checkClientSecret,
};

/** Where a secret comes from: a file, stdin, or nowhere. */
function sourceOf(spec: SecretSpec, file: string | undefined): 'stdin' | 'file' | 'none' {
  if (file === '-') return 'stdin';
  if (file !== undefined) return 'file';
  return spec.stdinByDefault ? 'stdin' : 'none';
}

/** Refuses two secrets from stdin before either is read. */
export function refuseTwoOnStdin(
  refreshTokenFile: string | undefined,
  wantsRefreshToken: boolean,
  clientSecretFile: string | undefined,
  help: string,
): void {
  const rt = wantsRefreshToken && sourceOf(REFRESH_TOKEN, refreshTokenFile) === 'stdin';
  if (rt && sourceOf(CLIENT_SECRET, clientSecretFile) === 'stdin') {
    throw new UsageError(
      'a refresh token and a client secret cannot both come from stdin: put one in a file (--refresh-token-file ' +
        'FILE or --client-secret-file FILE) and pipe only the other',
      help,
    );
  }
}

async function readSecret(
  ctx: CommandContext,
  spec: SecretSpec,
  file: string | undefined,
  help: string,
  hint?: string,
): Promise<string> {
  if (sourceOf(spec, file) === 'file') {
    let raw: string;
    try {
      raw = await ctx.io.readFile(file as string);
    } catch (err) {
      throw new UsageError(`cannot read ${spec.flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, help);
    }
    return spec.check(raw, file as string, help);
  }
  const raw = await ctx.io.readStdin();
  if (raw === undefined) {
    throw new UsageError(
      `no ${spec.what}: pass ${spec.flag} FILE or pipe it on stdin (... < ${spec.what.replace(' ', '-')}.txt)` +
        `; stdin is a terminal${hint ? `. ${hint}` : ''}`,
      help,
    );
  }
  return spec.check(raw, 'stdin', help);
}

/** The refresh token from --refresh-token-file (`-` or absent: stdin). `hint` is the provider's reason it matters. */
export function readRefreshToken(
  ctx: CommandContext,
  file: string | undefined,
  help: string,
  hint?: string,
): Promise<string> {
  return readSecret(ctx, REFRESH_TOKEN, file, help, hint);
}

/** The org's own client secret from --client-secret-file (`-`: stdin). */
export function readClientSecret(ctx: CommandContext, file: string, help: string): Promise<string> {
  return readSecret(ctx, CLIENT_SECRET, file, help);
}
