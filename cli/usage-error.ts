// Usage errors (exit 2) and the rule that a token never arrives on the command line. Kept free of any dependency:
// the router loads it for every run, `--help` included, before any command's code.

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
