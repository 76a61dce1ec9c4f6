// A refresh token for `add` and `reauth`: from --refresh-token-file or piped stdin, never from argv or a terminal.
import { checkRefreshToken, UsageError } from './args.js';
import type { CommandContext } from './context.js';

export async function readRefreshToken(ctx: CommandContext, file: string | undefined, help: string): Promise<string> {
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
