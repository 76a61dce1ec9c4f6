// When each org of an onboarding batch is first due. A batch imported at once would otherwise be due at once — and,
// since each next refresh follows from the last, stay bunched for good. The window grows with the batch: a few orgs
// are due within seconds (their hosted apps wait for that first refresh), a big import is spread at a rate far below
// what one refresher run sustains (docs/performance.md), capped so the last org still gets its first token soon.
// (Later refreshes are spread by the schedule's jitter.)

/** First refreshes per minute an import asks of the refresher: a fraction of one run's throughput at defaults. */
export const FIRST_REFRESHES_PER_MINUTE = 500;
/** The longest an imported org waits for its first refresh. */
export const MAX_FIRST_REFRESH_WINDOW_MS = 60 * 60_000;

/** How long the first refreshes of `count` orgs are spread over. */
export function firstRefreshWindowMs(count: number): number {
  if (count <= 1) return 0;
  return Math.min(MAX_FIRST_REFRESH_WINDOW_MS, Math.floor((count / FIRST_REFRESHES_PER_MINUTE) * 60_000));
}

/** The first refreshAt of the `index`-th of `count` orgs: evenly over the window, the first one due now. */
export function firstRefreshAt(index: number, count: number, now: number): number {
  if (count <= 1) return now;
  return now + Math.floor((index * firstRefreshWindowMs(count)) / count);
}
