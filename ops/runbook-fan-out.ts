// docs/runbook.md, executed, for the fan-out's alarms: RefreshBacklog, LambdaThrottles, ProviderDegraded. Each step
// reads what on-call reads — the planner's `plan summary` lines, the workers' `run summary` lines, a function's
// reserved concurrency, the `token host backed off` lines — and acts as the runbook says, on the stand-ins.
import { countBy, logFields, type RunbookStep } from './runbook-reading.js';

export const FAN_OUT_RUNBOOK: Record<string, RunbookStep[]> = {
  LambdaThrottles: [
    {
      says: "each function's reserved concurrency (`aws lambda get-function-concurrency",
      async run(w) {
        const { refresher, planner } = w.reservedConcurrency;
        return `worker ${refresher ?? 'unreserved'}, planner ${planner ?? 'unreserved'}`;
      },
    },
    {
      says: 'a concurrency set by hand: redeploy the stack (`npx cdk deploy` sets the reserved concurrency again)',
      async run(w) {
        const stopped = Object.entries(w.reservedConcurrency).filter(([, n]) => n === 0);
        if (stopped.length === 0) return 'no function stopped by hand';
        w.deploy({ ...w.env });
        return `${stopped.map(([fn]) => fn).join(', ')} at 0: redeployed, worker ${w.reservedConcurrency.refresher}`;
      },
    },
  ],
  RefreshBacklog: [
    {
      says: 'the `plan summary` log line of the planner function',
      async run(w, since) {
        const plans = logFields(w, since, 'plan summary').map((f) => f.summary as Record<string, unknown>);
        const last = plans.at(-1);
        if (!last) return 'no plan summary';
        const sweeps = Array.isArray(last.sweeps) ? last.sweeps.length : 0;
        return `${plans.length} plans; last: due ${last.due}, backlog ${last.backlog}, sweeps ${sweeps}`;
      },
    },
    {
      says: "the workers' `run summary` lines (none while `sweeps` are",
      async run(w, since) {
        const runs = logFields(w, since, 'run summary').length;
        const planned = logFields(w, since, 'plan summary').reduce(
          (n, f) => n + ((f.summary as { sweeps?: unknown[] }).sweeps?.length ?? 0),
          0,
        );
        return `${planned} sweeps planned, ${runs} worker run summaries`;
      },
    },
    {
      says: '`LambdaThrottles` or `FailureQueueMessages` means workers are not starting (fix that first',
      async run(w) {
        const firing = w.firing().filter((a) => a === 'LambdaThrottles' || a === 'FailureQueueMessages');
        return firing.length ? `${firing.join(', ')} in alarm: workers were not starting (fixed above)` : 'neither';
      },
    },
  ],
  ProviderDegraded: [
    {
      says: 'the `token host backed off` log lines (field `host`, `reason`',
      async run(w, since) {
        return countBy(logFields(w, since, 'token host backed off'), 'host', 'reason');
      },
    },
    {
      says: 'Nothing needs clearing: the backoff ends by itself',
      async run() {
        return 'waited for the provider: the host recovers by itself once it answers';
      },
    },
  ],
};
