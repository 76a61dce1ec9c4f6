// The handler's output during one invocation, as CloudWatch Logs would receive it: Powertools writes JSON log lines
// and one EMF line per invocation to stdout/stderr. Unlike local/handler-output.ts's captureOutput this is started
// and stopped explicitly, so an invocation that crashed (its promise never settles) still ends the capture.

type Write = typeof process.stdout.write;

export interface Capture {
  /** Restores the streams and returns the complete lines written meanwhile. */
  stop(): string[];
}

export function startCapture(): Capture {
  const originals: [NodeJS.WriteStream, Write][] = [
    [process.stdout, process.stdout.write],
    [process.stderr, process.stderr.write],
  ];
  let buffer = '';
  const capture = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    buffer += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as Write;
  for (const [stream] of originals) stream.write = capture;
  return {
    stop() {
      for (const [stream, write] of originals) stream.write = write;
      return buffer.split('\n').filter((l) => l.trim().length > 0);
    },
  };
}
