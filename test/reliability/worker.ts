// One refresher as a real OS process, for the race, crash and availability runs. It builds the real handler — middy,
// Powertools logger and metrics, the real runtime from the environment — with two decorators around the token store
// and the token endpoint that can SIGKILL the process at a chosen point. The parent drives it over the IPC channel:
// `invoke` runs one Lambda invocation (a sweep event, with a Lambda-like time budget); stdout carries Powertools' log
// and EMF lines, which the parent scans for leaks.
import { DynamoDbFleetStore } from '../../lambdas/adapters/dynamodb-fleet-store.js';
import { createDocumentClient, DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.js';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import { loadConfig } from '../../lambdas/config.js';
import type { Clock } from '../../lambdas/core/ports.js';
import { buildHandler, createHandlerParts } from '../../lambdas/refresher/handler.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { unleasedFleetStore } from '../../local/unleased-fleet-store.js';
import { KillingTokenEndpoint, KillingTokenStore, type KillPlan, KillSwitch } from './support/kill-switch.js';

export interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: unknown;
  budgetMs: number;
  kill?: KillPlan;
  /** Runs this invocation as if the clock were this much later (the race's "one hour later" cycles). */
  clockOffsetMs?: number;
}
export type ParentMessage = InvokeMessage | { type: 'exit' };
export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; result: unknown }
  /** The invocation threw (Lambda would report a function error): its name and message, for the test to judge. */
  | { type: 'threw'; id: number; error: { name: string; message: string } };

const send = (message: WorkerMessage) => process.send?.(message);

let clockOffsetMs = 0;
const clock: Clock = {
  now: () => Date.now() + clockOffsetMs,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const config = loadConfig(process.env);
const killSwitch = new KillSwitch();
const store = new KillingTokenStore(
  new DynamoDbTokenStore({ tableName: config.tableName, client: createDocumentClient() }),
  killSwitch,
);
const endpoint = new KillingTokenEndpoint(new HttpTokenEndpoint(), killSwitch);
// TEST_SWEEP_LEASES=off: sweeps as they were before sweep leases, so every process walks every shard and the race
// test still races the org leases themselves (with sweep leases one process would take all the shards).
const fleet =
  process.env.TEST_SWEEP_LEASES === 'off'
    ? unleasedFleetStore(new DynamoDbFleetStore({ tableName: config.tableName, client: createDocumentClient() }))
    : undefined;
const handler = buildHandler(createHandlerParts(process.env, { store, endpoint, clock, ...(fleet ? { fleet } : {}) }));

process.on('message', async (message: ParentMessage) => {
  if (message.type === 'exit') process.exit(0);
  if (message.type !== 'invoke') return;
  killSwitch.arm(message.kill);
  clockOffsetMs = message.clockOffsetMs ?? 0;
  try {
    const result = await handler(
      message.event,
      lambdaContext(message.budgetMs, { logStreamName: `worker/${process.pid}` }),
    );
    send({ type: 'result', id: message.id, result });
  } catch (err) {
    const { name, message: text } = err as Error;
    send({ type: 'threw', id: message.id, error: { name: String(name), message: String(text) } });
  }
});
// An orphan must not outlive the test that started it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
