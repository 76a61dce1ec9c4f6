// What the refresher accepts: a scheduled event (sweep) or `{"orgIds": [...]}` (refresh these orgs now).
// Anything else is answered with INVALID_EVENT and a message saying what was expected.
import * as z from 'zod/mini';
import { ErrorCode } from '../core/errors.js';
import { describeIssues, orgIdSchema } from '../core/record.js';
import { PLAIN } from '../core/validation-messages.js';

export const MAX_DIRECT_ORGS = 1000;

const directSchema = z.strictObject({
  orgIds: z
    .array(orgIdSchema, { error: 'must be an array of org ids' })
    .check(
      z.minLength(1, 'must name at least one org'),
      z.maxLength(MAX_DIRECT_ORGS, `must name at most ${MAX_DIRECT_ORGS} orgs`),
    ),
});

export type RefresherEvent = { kind: 'sweep' } | { kind: 'direct'; orgIds: string[] };

export type EventParse =
  | { ok: true; event: RefresherEvent }
  | { ok: false; code: typeof ErrorCode.InvalidEvent; message: string };

const EXPECTED =
  'expected an EventBridge scheduled event, {"sweep": true}, or {"orgIds": ["<org id>", ...]} (1-1000 org ids)';

function isScheduled(event: Record<string, unknown>): boolean {
  return event['detail-type'] === 'Scheduled Event' || event.sweep === true;
}

export function parseEvent(event: unknown): EventParse {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { ok: false, code: ErrorCode.InvalidEvent, message: `event is not a JSON object: ${EXPECTED}` };
  }
  const record = event as Record<string, unknown>;
  if (isScheduled(record)) return { ok: true, event: { kind: 'sweep' } };
  if (!('orgIds' in record))
    return { ok: false, code: ErrorCode.InvalidEvent, message: `unrecognised event: ${EXPECTED}` };
  const parsed = directSchema.safeParse(record, PLAIN);
  if (!parsed.success) {
    return {
      ok: false,
      code: ErrorCode.InvalidEvent,
      message: `invalid direct invocation: ${describeIssues(parsed.error)}`,
    };
  }
  return { ok: true, event: { kind: 'direct', orgIds: parsed.data.orgIds } };
}
