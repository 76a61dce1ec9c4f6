// What the calling hosted app may see and do in the grant intake (docs/hosted-apps.md#several-apps). One check for
// every action that names an org, made at the intake's dispatch before the action runs: an org outside the app's
// namespace, or recorded as another app's, is for that app an org that does not exist — the action is handed no
// record, so it answers exactly as it does for a missing org, revealing nothing. Creating an org outside the
// namespace is refused before anything is read. Binding a shared client or a generic token host not granted to the
// app is refused too. The caller's identity is the alias it invoked (lambdas/hosted-app-caller.ts), never the payload.
import { clientGranted, type HostedApp, mayActOn, namespaceText } from '../core/hosted-apps.js';
import type { OrgSettings } from '../core/record.js';
import { type RequestPolicy, tokenUrlRefusal } from '../providers/build-request.js';
import { type IntakeAnswer, IntakeCode, rejection } from './intake-answer.js';

/** The calling app: a declared one, or the implicit default of a deployment that declares none (today's intake). */
export type ActingApp = { implicit: true } | { implicit: false; app: HostedApp; apps: readonly HostedApp[] };

export const IMPLICIT_APP: ActingApp = { implicit: true };

export type OrgAccess =
  /** The action may run; `current` is the org's record as this app may see it (undefined: absent, or not its own). */
  { ok: true; current: Record<string, unknown> | undefined } | { ok: false; answer: IntakeAnswer };

/** The record's app attribute a declared app's writes carry, and their condition requires (undefined: implicit). */
export function ownerOf(acting: ActingApp): string | undefined {
  return acting.implicit ? undefined : acting.app.name;
}

/** The record as the app may see it: its own (or one in its namespace that names no app), else nothing at all. */
export function ownedRecord(
  acting: ActingApp,
  orgId: string,
  record: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (acting.implicit || record === undefined) return record;
  return mayActOn(acting.apps, acting.app, orgId, record) ? record : undefined;
}

/**
 * The one ownership check, for every action naming an org. `creates`: the action makes a new org (submitGrant) and
 * reads nothing before its conditional write; the others get the org's record read here, filtered by ownership.
 * An org outside the namespace is not read at all: the answer cannot depend on whether it exists.
 */
export async function orgAccess(
  acting: ActingApp,
  orgId: string,
  creates: boolean,
  read: (orgId: string) => Promise<Record<string, unknown> | undefined>,
): Promise<OrgAccess> {
  const inNamespace = acting.implicit || mayActOn(acting.apps, acting.app, orgId, undefined);
  if (creates) {
    if (inNamespace) return { ok: true, current: undefined };
    const app = acting.implicit ? undefined : acting.app;
    return {
      ok: false,
      answer: rejection(
        IntakeCode.OrgNotInNamespace,
        `org id ${orgId} is outside this app's org-id namespace${app && !acting.implicit ? ` (${namespaceText(acting.apps, app)})` : ''}: nothing was stored`,
        { orgId },
      ),
    };
  }
  if (!inNamespace) return { ok: true, current: undefined };
  return { ok: true, current: ownedRecord(acting, orgId, await read(orgId)) };
}

/**
 * A new org's bindings the app was not granted: a shared client (clientSecretId) or, for the generic provider, a token
 * host. Checked after the deployment's own rules (the host allow-list), so this refuses only what the deployment
 * would allow another app to do.
 */
export function bindingRefusal(
  acting: ActingApp,
  settings: OrgSettings,
  policy: RequestPolicy,
): IntakeAnswer | undefined {
  if (acting.implicit) return undefined;
  const { app } = acting;
  const orgId = settings.orgId;
  if (settings.clientSecretId !== undefined && !clientGranted(app, settings.clientSecretId)) {
    return rejection(
      IntakeCode.ClientNotGranted,
      `org.clientSecretId names a shared client not granted to this app: nothing was stored; ask the operator to ` +
        "add it to the app's clientSecretIds, or hand the org's own client over in client",
      { orgId },
    );
  }
  // Only the generic profile takes its token host from the payload; the others' hosts are fixed by their profile.
  if (settings.provider === 'generic') {
    const refusal = tokenUrlRefusal(settings, { ...policy, allowedTokenHosts: app.tokenHosts });
    if (refusal !== undefined) {
      return rejection(
        IntakeCode.TokenHostNotGranted,
        "org.tokenUrl is on a token host not granted to this app: nothing was stored; ask the operator to add it to the app's tokenHosts",
        { orgId, reason: refusal.code },
      );
    }
  }
  return undefined;
}
