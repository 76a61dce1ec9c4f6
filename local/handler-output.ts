// What the real handler prints while local mode invokes it: Powertools writes JSON log lines (WARN and ERROR to
// stderr) and one EMF metrics line per invocation to stdout, as in Lambda. Local mode captures them (so the status
// screen stays readable), adds up the EMF metrics, keeps the log lines in a file, and checks that no issued token or
// client secret appears in any of them.

type Write = typeof process.stdout.write;

/**
 * Runs `fn` with stdout and stderr captured (Powertools writes WARN and ERROR lines to stderr); returns its result
 * and the complete lines written meanwhile.
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
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
  try {
    const result = await fn();
    return { result, lines: buffer.split('\n').filter((l) => l.trim().length > 0) };
  } finally {
    for (const [stream, write] of originals) stream.write = write;
  }
}

interface EmfLine {
  _aws?: { CloudWatchMetrics?: { Metrics?: { Name?: string }[] }[] };
  [key: string]: unknown;
}

/** Metric name → value for one EMF line (values may be a number or an array of numbers); empty if not EMF. */
export function emfMetrics(line: string): Record<string, number> {
  let parsed: EmfLine;
  try {
    parsed = JSON.parse(line) as EmfLine;
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  for (const directive of parsed._aws?.CloudWatchMetrics ?? []) {
    for (const metric of directive.Metrics ?? []) {
      const name = metric.Name;
      if (!name) continue;
      const value = parsed[name];
      const values = Array.isArray(value) ? value : [value];
      out[name] = (out[name] ?? 0) + values.reduce<number>((s, v) => s + (typeof v === 'number' ? v : 0), 0);
    }
  }
  return out;
}

/** Adds `more` into `totals`. */
export function addMetrics(totals: Record<string, number>, more: Record<string, number>): void {
  for (const [name, value] of Object.entries(more)) totals[name] = (totals[name] ?? 0) + value;
}

/** How many of these lines contain any of the given secrets (tokens, client secrets): the demo's leak check. */
export function linesLeaking(lines: readonly string[], secrets: Iterable<string>): number {
  const list = [...secrets].filter((s) => s.length >= 8);
  return lines.filter((line) => list.some((s) => line.includes(s))).length;
}
