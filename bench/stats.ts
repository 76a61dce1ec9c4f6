// Pure arithmetic and formatting for the bench: no I/O, so it is unit-tested (test/unit/bench-stats.test.ts).

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Per-pair ratios a[i] / b[i] of two series measured in pairs (the two processes of a pair run back to back).
 * Throws on unequal lengths, an empty list or a non-positive value: a ratio of those would be no measurement.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired series differ in length: ${a.length} and ${b.length}`);
  if (a.length === 0) throw new Error('paired ratio of empty series');
  return a.map((x, i) => {
    const y = b[i] as number;
    if (!(x > 0 && y > 0)) throw new Error(`paired ratio needs positive values, got ${x} / ${y} at ${i}`);
    return x / y;
  });
}

/**
 * The median of paired ratios: the figure for "A over B" when A and B are timed in pairs on a shared machine.
 *
 * Why this and not median(A) / median(B): load on a shared machine comes and goes over seconds, so it scales both
 * processes of a pair alike and cancels in that pair's ratio; a ratio of two medians compares the A of one moment with
 * the B of another. When the noise is independent per process instead, both estimators spread alike, so the paired
 * median is never the worse one. The median (not the mean) of the ratios ignores a pair hit by a burst on one side.
 * Measured on the 2-core shared machine (21 runs of 15-20 pairs, load 0.6-5), the handler-over-floor figure's standard
 * deviation between runs: of CPU time 0.030 as a paired median, 0.071 as a ratio of medians; of wall time 0.053 and
 * 0.094.
 *
 * An even count takes the geometric mean of the two middle ratios, so that the figure is symmetric: the paired ratio
 * of B over A is exactly the reciprocal of A over B (with the arithmetic mean it would not be).
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const sorted = pairedRatios(a, b).sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : Math.sqrt((sorted[mid - 1] as number) * (sorted[mid] as number));
}

/** Nearest-rank percentile (p in [0, 100]) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The refresher's physical limit: every slot always has one token request in flight. Per second. */
export function idealPerSecond(concurrency: number, latencyMs: number): number {
  if (latencyMs <= 0) throw new Error('latency must be positive');
  return concurrency / (latencyMs / 1000);
}

/** Measured throughput over the ideal: 1 means the refresher adds nothing to the token endpoint's latency. */
export function throughputRatio(refreshed: number, elapsedMs: number, concurrency: number, latencyMs: number): number {
  if (elapsedMs <= 0) throw new Error('elapsed time must be positive');
  return refreshed / (elapsedMs / 1000) / idealPerSecond(concurrency, latencyMs);
}

/** How a per-refresh cost grew from the smallest table to the largest: last / first (1 = flat). */
export function growthRatio(perRefresh: readonly number[]): number {
  if (perRefresh.length < 2) throw new Error('growth needs at least two sizes');
  const first = perRefresh[0] as number;
  const last = perRefresh[perRefresh.length - 1] as number;
  if (first <= 0) throw new Error('first value must be positive');
  return last / first;
}

/**
 * Whether a throughput point is inside the engine's comfort zone: the DynamoDB requests it needs per second stay at or
 * below `share` of what DynamoDB Local sustains here, so the figure measures the refresher, not the local engine.
 */
export function withinEngineBudget(
  idealRefreshesPerSecond: number,
  requestsPerRefresh: number,
  engineRequestsPerSecond: number,
  share = 0.5,
): boolean {
  return idealRefreshesPerSecond * requestsPerRefresh <= engineRequestsPerSecond * share;
}

export const round = (value: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** A plain text table: the first row is the header; columns of numbers align right, others left. */
export function renderTable(rows: readonly (readonly (string | number)[])[]): string {
  if (rows.length === 0) return '';
  const [header = [], ...body] = rows;
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((row) => String(row[i] ?? '').length)));
  const numeric = widths.map(
    (_, i) => body.length > 0 && body.every((row) => typeof row[i] === 'number' || row[i] === ''),
  );
  const line = (row: readonly (string | number)[]) =>
    widths
      .map((width, i) => (numeric[i] ? String(row[i] ?? '').padStart(width) : String(row[i] ?? '').padEnd(width)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
