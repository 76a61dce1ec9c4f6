// What the handler prints, as CloudWatch Logs would receive it: Powertools writes JSON log lines and one EMF line per
// invocation to stdout/stderr. One router owns both streams for the whole simulation: while an invocation runs, its
// output is captured (started and stopped explicitly, so an invocation that crashed — its promise never settles —
// still ends the capture); output from an execution environment that was killed is dropped, as a discarded Lambda
// sandbox prints nothing more (its stray timers, such as middy's own timeout, would otherwise print into a later
// invocation); everything else goes to the terminal.
import { AsyncLocalStorage } from 'node:async_hooks';

type Write = typeof process.stdout.write;

export interface EnvironmentTag {
  killed: boolean;
}

const environment = new AsyncLocalStorage<EnvironmentTag>();
/** Captures bound to an asynchronous context (scopedCapture): invocations that run at the same time stay apart. */
const scoped = new AsyncLocalStorage<{ lines: string[]; stopped: boolean }>();
let buffer: string[] | undefined;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as Write;
    stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      const tag = environment.getStore();
      const own = scoped.getStore();
      if (own && !own.stopped && !tag?.killed) {
        own.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }
      if (tag?.killed || buffer) {
        if (!tag?.killed) buffer?.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }
      return original(chunk as string, encoding as BufferEncoding, callback as () => void);
    }) as Write;
  }
}

/** Runs `fn` as code of this execution environment (what it prints is dropped once it is killed). */
export function runInEnvironment<T>(tag: EnvironmentTag, fn: () => T): T {
  install();
  return environment.run(tag, fn);
}

export interface Capture {
  /** Ends the capture and returns the complete lines written meanwhile. */
  stop(): string[];
}

export function startCapture(): Capture {
  install();
  const mine: string[] = [];
  buffer = mine;
  return {
    stop() {
      if (buffer === mine) buffer = undefined;
      return mine
        .join('')
        .split('\n')
        .filter((l) => l.trim().length > 0);
    },
  };
}

/**
 * A capture of what runs inside `run` only (its asynchronous context), for invocations that run at the same time —
 * the Regions of a multi-Region world, each with its own log groups and metric store. Stopped explicitly, like
 * startCapture, so an invocation whose promise never settles still ends it; later output of that context is dropped.
 */
export function scopedCapture(): Capture & { run<T>(fn: () => Promise<T>): Promise<T> } {
  install();
  const own = { lines: [] as string[], stopped: false };
  return {
    run: (fn) => scoped.run(own, fn),
    stop() {
      own.stopped = true;
      return own.lines
        .join('')
        .split('\n')
        .filter((l) => l.trim().length > 0);
    },
  };
}
