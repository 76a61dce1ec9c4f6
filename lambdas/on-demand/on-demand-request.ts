// What a hosted app may ask the on-demand function (the contract in docs/hosted-apps.md "Refresh on demand"): a fresh
// token after a 401 (`refreshNow`, naming the rejected token by its `sha256:` fingerprint, never the token itself), or
// a token that stays valid long enough (`getAccessToken` with `minValidityMs`). Messages name the field and never echo
// a value: an app that put its access token in the wrong field must not find it in an answer or a log line.
import * as z from 'zod/mini';
import type { OnDemandAsk } from '../core/on-demand-decision.js';
import { orgIdSchema } from '../core/record.js';
import { PLAIN } from '../core/validation-messages.js';

export const ON_DEMAND_ACTIONS = ['refreshNow', 'getAccessToken'] as const;

/** What lambdas/core/redact.ts's `fingerprint` makes (the readers compute the same). */
export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{12}$/;

/** The longest validity anyone may ask for: 7 days, longer than any provider's access token (Genesys: 48 h). */
export const MAX_MIN_VALIDITY_MS = 7 * 86_400_000;

export interface OnDemandRequest {
  orgId: string;
  ask: OnDemandAsk;
}

export type OnDemandParse =
  | { ok: true; request: OnDemandRequest }
  | { ok: false; code: 'INVALID_REQUEST'; message: string; orgId?: string };

const EXPECTED =
  'expected {"action":"refreshNow","orgId":…,"rejected":"sha256:…"} or ' +
  '{"action":"getAccessToken","orgId":…,"minValidityMs":…}';

const refreshNowSchema = z.strictObject({
  action: z.literal('refreshNow'),
  orgId: orgIdSchema,
  rejected: z
    .string({ error: 'must be a string' })
    .check(
      z.regex(
        FINGERPRINT_PATTERN,
        'must be the sha256: fingerprint of the rejected access token (sha256: and 12 hex digits), not the token',
      ),
    ),
});

const getAccessTokenSchema = z.strictObject({
  action: z.literal('getAccessToken'),
  orgId: orgIdSchema,
  minValidityMs: z
    .int({ error: 'must be a whole number of milliseconds' })
    .check(
      z.nonnegative('must not be negative'),
      z.maximum(MAX_MIN_VALIDITY_MS, `must be at most ${MAX_MIN_VALIDITY_MS} (7 days)`),
    ),
});

/** A field name is shown only if it looks like one: a key that looks like a value may be a token put in its place. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

export function parseOnDemandRequest(payload: unknown): OnDemandParse {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return invalid(`payload is not a JSON object: ${EXPECTED}`);
  }
  const raw = payload as Record<string, unknown>;
  const orgId = orgIdSchema.safeParse(raw.orgId).success ? (raw.orgId as string) : undefined;
  if (!ON_DEMAND_ACTIONS.includes(raw.action as (typeof ON_DEMAND_ACTIONS)[number])) {
    return invalid(`action ${raw.action === undefined ? 'is required' : 'is not allowed'}: ${EXPECTED}`, orgId);
  }
  if (raw.action === 'refreshNow') {
    const parsed = refreshNowSchema.safeParse(raw, PLAIN);
    if (!parsed.success) return invalid(describe(parsed.error.issues, raw), orgId);
    return {
      ok: true,
      request: { orgId: parsed.data.orgId, ask: { kind: 'refreshNow', rejected: parsed.data.rejected } },
    };
  }
  const parsed = getAccessTokenSchema.safeParse(raw, PLAIN);
  if (!parsed.success) return invalid(describe(parsed.error.issues, raw), orgId);
  return {
    ok: true,
    request: { orgId: parsed.data.orgId, ask: { kind: 'minValidity', minValidityMs: parsed.data.minValidityMs } },
  };
}

function describe(
  issues: readonly { code?: string; path: readonly PropertyKey[]; message: string; keys?: string[] }[],
  raw: Record<string, unknown>,
): string {
  return issues
    .map((issue) => {
      const where = issue.path.map(String).join('.') || 'payload';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys ?? [];
        const named = keys.filter((k) => FIELD_NAME.test(k));
        const hidden = keys.length - named.length;
        return `payload has unknown fields: ${[...named, ...(hidden > 0 ? [`${hidden} not shown`] : [])].join(', ')}`;
      }
      const missing = issue.path.length === 1 && raw[String(issue.path[0])] === undefined;
      return missing ? `${where} is required` : `${where} ${issue.message}`;
    })
    .join('; ');
}

function invalid(message: string, orgId?: string): OnDemandParse {
  return { ok: false, code: 'INVALID_REQUEST', message, ...(orgId ? { orgId } : {}) };
}
