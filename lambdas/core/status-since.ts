// When an org's status changed: every write that changes `status` stamps `statusSince`, so a hosted app can tell
// since when an org needs re-authorisation (reader getStatus) without reading anything else of the record.
import type { RecordStatusValue } from './record.js';

/** `{ statusSince: now }` when the write moves the status, nothing when it keeps it (the org is in it since before). */
export function statusSince(
  before: RecordStatusValue | string | undefined,
  after: unknown,
  now: number,
): { statusSince?: number } {
  return typeof after === 'string' && after !== before ? { statusSince: now } : {};
}
