// What the refresher accepts: a scheduled event (a full sweep), `{"orgIds": [...]}` (refresh these orgs now), the
// fan-out's two events (docs/fleet.md): `{"plan": {}}` (the planner's tick) and `{"sweep": {"shards": [...], "tick":
// "...", "hostShare": N}}` (one sweep worker), and the operator's `{"remove": {"orgId": "..."}}` (`tenants remove`:
// offboard an org). Anything else is answered with INVALID_EVENT and a message naming the field and saying what was
// expected.
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

/** The most shards one worker event may name: SHARD_COUNT's own maximum. */
export const MAX_EVENT_SHARDS = 64;

/** A message for a wrong type only; other issues (unknown fields) keep their own plain message. */
const typeError = (message: string) => (issue: { code: string }) =>
  issue.code === 'invalid_type' ? message : undefined;

/** The operator's offboarding of one org (`tenants remove`); hosted apps use the intake's `removeOrg` instead. */
const removeSchema = z.strictObject({
  remove: z.strictObject({ orgId: orgIdSchema }, { error: typeError('must be {"orgId": "<org id>"}') }),
});

const planSchema = z.strictObject({
  plan: z.strictObject({}, { error: typeError('must be an empty object {}') }),
});

const workerSchema = z.strictObject({
  sweep: z.strictObject(
    {
      shards: z
        .array(
          z
            .int({ error: 'must be whole shard numbers' })
            .check(z.minimum(0, 'must not be negative'), z.maximum(MAX_EVENT_SHARDS - 1, 'must be below 64')),
          { error: 'must be an array of shard numbers' },
        )
        .check(
          z.minLength(1, 'must name at least one shard'),
          z.maxLength(MAX_EVENT_SHARDS, `must name at most ${MAX_EVENT_SHARDS} shards`),
          z.refine((shards) => new Set(shards).size === shards.length, 'must not name a shard twice'),
        ),
      tick: z
        .string({ error: 'must be a string' })
        .check(z.regex(/^[A-Za-z0-9:._/-]{1,128}$/, 'must be 1-128 of A-Z a-z 0-9 : . _ / -')),
      hostShare: z
        .int({ error: 'must be a whole number' })
        .check(z.minimum(1, 'must be at least 1'), z.maximum(1000, 'must be at most 1000')),
    },
    { error: typeError('must be true (a full sweep) or {"shards": [...], "tick": "...", "hostShare": N}') },
  ),
});

export type RefresherEvent =
  | { kind: 'sweep' }
  | { kind: 'direct'; orgIds: string[] }
  | { kind: 'plan' }
  | { kind: 'remove'; orgId: string }
  | { kind: 'shards'; shards: number[]; tick: string; hostShare: number };

export type EventParse =
  | { ok: true; event: RefresherEvent }
  | { ok: false; code: typeof ErrorCode.InvalidEvent; message: string };

const EXPECTED =
  'expected an EventBridge scheduled event, {"sweep": true}, {"orgIds": ["<org id>", ...]} (1-1000 org ids), ' +
  '{"plan": {}}, {"sweep": {"shards": [...], "tick": "...", "hostShare": N}} or {"remove": {"orgId": "<org id>"}}';

function isScheduled(event: Record<string, unknown>): boolean {
  return event['detail-type'] === 'Scheduled Event' || event.sweep === true;
}

const invalid = (message: string): EventParse => ({ ok: false, code: ErrorCode.InvalidEvent, message });

/** `shardCount`: this deployment's SHARD_COUNT; a worker event naming a shard at or above it is refused. */
export function parseEvent(event: unknown, limits: { shardCount?: number } = {}): EventParse {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { ok: false, code: ErrorCode.InvalidEvent, message: `event is not a JSON object: ${EXPECTED}` };
  }
  const record = event as Record<string, unknown>;
  if ('plan' in record) {
    const parsed = planSchema.safeParse(record, PLAIN);
    if (!parsed.success) return invalid(`invalid planner event: ${describeIssues(parsed.error)}`);
    return { ok: true, event: { kind: 'plan' } };
  }
  if ('remove' in record) {
    const parsed = removeSchema.safeParse(record, PLAIN);
    if (!parsed.success) return invalid(`invalid removal: ${describeIssues(parsed.error)}`);
    return { ok: true, event: { kind: 'remove', orgId: parsed.data.remove.orgId } };
  }
  if (isScheduled(record)) return { ok: true, event: { kind: 'sweep' } };
  if ('sweep' in record) {
    const parsed = workerSchema.safeParse(record, PLAIN);
    if (!parsed.success) return invalid(`invalid sweep worker event: ${describeIssues(parsed.error)}`);
    const { shards, tick, hostShare } = parsed.data.sweep;
    const beyond = limits.shardCount === undefined ? [] : shards.filter((s) => s >= (limits.shardCount as number));
    if (beyond.length > 0) {
      return invalid(
        `invalid sweep worker event: sweep.shards names ${beyond.join(', ')}, not below SHARD_COUNT ` +
          `(${limits.shardCount}): the planner and this worker disagree on SHARD_COUNT`,
      );
    }
    return { ok: true, event: { kind: 'shards', shards, tick, hostShare } };
  }
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
