// The parent's side of a refresher process (worker.ts): start it, invoke it over IPC, kill it, and keep everything
// it printed (Powertools log and EMF lines on stdout, anything on stderr) for the leak scan.
import { type ChildProcess, spawn } from 'node:child_process';
import { inject } from 'vitest';
import type { RefresherSettings } from '../../../lambdas/refresher-settings.js';
import { localRefresherEnvironment } from '../../../local/refresher-environment.js';
import type { InvokeMessage, ParentMessage, WorkerMessage } from '../worker.js';
import type { KillPlan } from './kill-switch.js';

export type InvokeOutcome =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'threw'; error: { name: string; message: string } }
  | { kind: 'died'; signal: NodeJS.Signals | null; code: number | null };

export interface RefresherEnvInput {
  tableName: string;
  dynamoDbEndpoint: string;
  secretsEndpoint: string;
  settings: Partial<RefresherSettings>;
  /** Powertools' log level in the process (DEBUG: every line the leak scan can read). */
  logLevel?: 'DEBUG' | 'INFO';
  /** false: sweeps without sweep leases, as before the fan-out (the race test races org leases). */
  sweepLeases?: boolean;
}

/** The environment a Lambda would have, pointed at the local engines; nothing inherited but PATH. */
export function refresherEnv(input: RefresherEnvInput): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...localRefresherEnvironment({
      tableName: input.tableName,
      settings: input.settings,
      dynamoDbEndpoint: input.dynamoDbEndpoint,
      secretsEndpoint: input.secretsEndpoint,
    }),
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    POWERTOOLS_LOG_LEVEL: input.logLevel ?? 'DEBUG',
    ...(input.sweepLeases === false ? { TEST_SWEEP_LEASES: 'off' } : {}),
  };
}

export class RefresherProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #nextId = 1;
  readonly #pending = new Map<number, (outcome: InvokeOutcome) => void>();

  private constructor(
    readonly child: ChildProcess,
    ready: (pid: number) => void,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') ready(message.pid);
      else if (message.type === 'result') this.#settle(message.id, { kind: 'result', result: message.result as never });
      else if (message.type === 'threw') this.#settle(message.id, { kind: 'threw', error: message.error });
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        for (const [id] of this.#pending) this.#settle(id, { kind: 'died', signal, code });
        resolve({ code, signal });
      });
    });
  }

  static async start(env: Record<string, string>): Promise<RefresherProcess> {
    const child = spawn(process.execPath, ['--enable-source-maps', inject('reliabilityWorkerBundle')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let markReady: (pid: number) => void = () => {};
    const ready = new Promise<number>((resolve) => {
      markReady = resolve;
    });
    const proc = new RefresherProcess(child, markReady);
    const early = proc.exited.then(({ code, signal }) => {
      throw new Error(`refresher process exited before it was ready (code ${code}, signal ${signal}):\n${proc.stderr}`);
    });
    await Promise.race([ready, early]);
    early.catch(() => {});
    return proc;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** An invocation is in progress (a crash now hits a sweep in flight). */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** One Lambda invocation; resolves with its result, or with `died` if the process was killed meanwhile. */
  invoke(
    event: unknown,
    options: { budgetMs: number; kill?: KillPlan; clockOffsetMs?: number },
  ): Promise<InvokeOutcome> {
    if (!this.alive) return Promise.resolve({ kind: 'died', signal: this.child.signalCode, code: this.child.exitCode });
    const id = this.#nextId++;
    const message: InvokeMessage = { type: 'invoke', id, event, ...options };
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.child.send(message satisfies ParentMessage);
    });
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.child.send({ type: 'exit' } satisfies ParentMessage);
      const timer = setTimeout(() => this.kill(), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  #settle(id: number, outcome: InvokeOutcome): void {
    const resolve = this.#pending.get(id);
    if (!resolve) return;
    this.#pending.delete(id);
    resolve(outcome);
  }
}
