// A command's context, built before the command's code loads: it imports no AWS SDK (only the clock's middleware,
// which takes the client it is given), so `--help` and usage errors stay fast (docs/performance.md, "CLI start-up").
import { awsClockOf } from './aws-clock.js';
import type { CliDeps, CliIo, CommandContext } from './context.js';

/** A command's context; `deps` is copied, so the clients it creates are this run's. */
export function commandContext(io: CliIo, deps: CliDeps, table: string | undefined): CommandContext {
  const ctx: CommandContext = {
    io,
    deps: { ...deps },
    table,
    now: () => {
      const clock = ctx.deps.dynamoDb ? awsClockOf(ctx.deps.dynamoDb) : undefined;
      return clock?.known ? clock.now() : (io.now ?? Date.now)();
    },
  };
  return ctx;
}
