// Hosted apps as the deployment declares them, and the rules of what each may do (docs/hosted-apps.md#several-apps):
// an app owns an org-id namespace (the ids starting with its `orgIdPrefix`; the one app without a prefix, the
// default app, owns every id outside the others' namespaces), and may bind only the shared clients and generic token
// hosts granted to it. Which app is calling comes from AWS (the Lambda alias it invoked), never from a payload: this
// module only answers "may this app do that". Pure: the stack validates declarations with it at synth, the intake at
// cold start and on every act, the CLI when it assigns an org to an app. Table tests: test/unit/hosted-apps.test.ts.
import * as z from 'zod/mini';
import { APP_NAME_PATTERN, APP_NAME_RULE, clientSecretIdSchema } from './record.js';
import { PLAIN } from './validation-messages.js';

/** A valid start of an org id (core/record.ts ORG_ID_PATTERN), so `StringLike "<prefix>*"` can match real ids. */
export const ORG_ID_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,126}$/;

/** A host as ALLOWED_TOKEN_HOSTS spells one: `idp.example.com`, `*.example.com`, `127.0.0.1:4000`. */
const HOST_ENTRY =
  /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[::1\](:\d{1,5})?$/;

export const hostedAppSchema = z.strictObject({
  /** A short label: the alias `app-<name>`, the record's `app` attribute, the stack's output names. */
  name: z.string({ error: 'must be a string' }).check(z.regex(APP_NAME_PATTERN, `must be ${APP_NAME_RULE}`)),
  /** The app's org-id namespace: the ids starting with this. Left out for the default app (at most one). */
  orgIdPrefix: z.optional(
    z
      .string({ error: 'must be a string' })
      .check(z.regex(ORG_ID_PREFIX_PATTERN, 'must be a valid start of an org id (a letter or digit, then . _ : @ -)')),
  ),
  /** Shared OAuth clients (Secrets Manager secret ids) the app may bind an org to. */
  clientSecretIds: z._default(z.array(clientSecretIdSchema), []),
  /** Generic token hosts the app may bind an org to (each also on ALLOWED_TOKEN_HOSTS). */
  tokenHosts: z._default(
    z.array(z.string().check(z.regex(HOST_ENTRY, 'must be host names like "idp.example.com" or "*.example.com"'))),
    [],
  ),
});
export type HostedApp = z.infer<typeof hostedAppSchema>;
export type HostedAppInput = z.input<typeof hostedAppSchema>;

const hostedAppsSchema = z.array(hostedAppSchema, { error: 'must be a list of apps' });

/** The Lambda alias a hosted app invokes a shared function through: its identity, as AWS establishes it. */
export function aliasNameOf(appName: string): string {
  return `app-${appName}`;
}

/**
 * Rules across apps: names unique, no namespace inside another (a prefix that is a prefix of another's would give one
 * org id two owners), at most one default app. Every problem, each naming the app.
 */
export function hostedAppsProblems(apps: readonly HostedApp[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const app of apps) {
    if (seen.has(app.name)) problems.push(`app ${app.name} is declared twice: app names must be unique`);
    seen.add(app.name);
  }
  const defaults = apps.filter((a) => a.orgIdPrefix === undefined);
  if (defaults.length > 1) {
    problems.push(
      `apps ${defaults.map((a) => a.name).join(', ')} have no orgIdPrefix: at most one app (the default app, owning ` +
        "every org id outside the other apps' namespaces) may leave it out",
    );
  }
  apps.forEach((a, i) => {
    for (const b of apps.slice(i + 1)) {
      const [p, q] = [a.orgIdPrefix, b.orgIdPrefix];
      if (p === undefined || q === undefined) continue;
      if (p.startsWith(q) || q.startsWith(p)) {
        problems.push(
          `apps ${a.name} ("${p}") and ${b.name} ("${q}") have overlapping org-id namespaces: no orgIdPrefix may be ` +
            "a prefix of another app's",
        );
      }
    }
  });
  return problems;
}

export type HostedAppsParse = { ok: true; apps: HostedApp[] } | { ok: false; problems: string[] };

/** Declarations as JSON-ish input (stack props, deploy context, HOSTED_APPS): the schema, then the rules across apps. */
export function parseHostedApps(raw: unknown): HostedAppsParse {
  const parsed = hostedAppsSchema.safeParse(raw, PLAIN);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const [index, ...rest] = issue.path.map(String);
        const name = index === undefined ? undefined : (raw as { name?: unknown }[] | undefined)?.[Number(index)]?.name;
        const which = index === undefined ? 'apps' : `app ${typeof name === 'string' ? name : `#${Number(index) + 1}`}`;
        return `${which}${rest.length > 0 ? ` ${rest.join('.')}` : ''} ${issue.message}`;
      }),
    };
  }
  const problems = hostedAppsProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, apps: parsed.data };
}

/**
 * What the deployment's grants require of each app (checked at synth): its shared clients under the secret prefix the
 * functions may read, its token hosts on ALLOWED_TOKEN_HOSTS (an org bound to another host would never refresh).
 */
export function appGrantProblems(
  apps: readonly HostedApp[],
  deployment: { secretPrefix: string; allowedTokenHosts: readonly string[] },
): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    for (const id of app.clientSecretIds) {
      if (!secretUnderPrefix(id, deployment.secretPrefix)) {
        problems.push(
          `app ${app.name} clientSecretIds ${id} is not under the secret prefix ${deployment.secretPrefix}`,
        );
      }
    }
    for (const host of app.tokenHosts) {
      if (!hostCovered(host, deployment.allowedTokenHosts)) {
        problems.push(`app ${app.name} tokenHosts ${host} is not on ALLOWED_TOKEN_HOSTS`);
      }
    }
  }
  return problems;
}

/** A secret name under the prefix, or a secret ARN whose name is. */
function secretUnderPrefix(id: string, prefix: string): boolean {
  const name = /^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:(.*)$/.exec(id)?.[1] ?? id;
  return name.startsWith(prefix);
}

/** Every host `entry` can match is one `allowList` allows: equal, or under one of its `*.suffix` wildcards. */
export function hostCovered(entry: string, allowList: readonly string[]): boolean {
  const e = entry.toLowerCase();
  return allowList.some((raw) => {
    const allowed = raw.toLowerCase();
    if (allowed === e) return true;
    if (!allowed.startsWith('*.')) return false;
    const suffix = allowed.slice(1);
    const host = e.startsWith('*.') ? e.slice(2) : e;
    return `.${host}`.endsWith(suffix) && host.length > suffix.length - 1;
  });
}

/** The app whose namespace holds this org id: the one whose prefix starts it, else the default app, else none. */
export function namespaceOwner(apps: readonly HostedApp[], orgId: string): HostedApp | undefined {
  return (
    apps.find((a) => a.orgIdPrefix !== undefined && orgId.startsWith(a.orgIdPrefix)) ??
    apps.find((a) => a.orgIdPrefix === undefined)
  );
}

/**
 * The app an org's record belongs to: its `app` attribute, else (records written before apps existed, or by an
 * operator who named none) the app whose namespace holds the id.
 */
export function recordOwner(apps: readonly HostedApp[], orgId: string, recordApp: unknown): string | undefined {
  return typeof recordApp === 'string' ? recordApp : namespaceOwner(apps, orgId)?.name;
}

/**
 * Whether `app` may act on this org: the id is in its namespace and, when the org exists, its record is the app's.
 * Both, so an app never acts on an org its reader grant (by namespace) cannot read, nor on one recorded as another's.
 */
export function mayActOn(
  apps: readonly HostedApp[],
  app: HostedApp,
  orgId: string,
  record: Record<string, unknown> | undefined,
): boolean {
  if (namespaceOwner(apps, orgId)?.name !== app.name) return false;
  return record === undefined || recordOwner(apps, orgId, record.app) === app.name;
}

/** Whether `app` may bind an org to this shared client (its `clientSecretIds`, exactly). */
export function clientGranted(app: HostedApp, clientSecretId: string): boolean {
  return app.clientSecretIds.includes(clientSecretId);
}

/** The caller of a shared function, from the alias it invoked: an app, the implicit default, or nobody declared. */
export type CallerResolution =
  /** No apps declared: today's deployment, one implicit app that may do everything the intake allows. */
  { ok: true; implicit: true } | { ok: true; implicit: false; app: HostedApp } | { ok: false; message: string };

/**
 * Resolves the calling app from the qualifier of the ARN Lambda was invoked with (`…:function:name:app-acme`). With
 * apps declared, an unqualified call, a version, or an alias no app owns is nobody: refused, never a default.
 */
export function resolveCaller(apps: readonly HostedApp[], qualifier: string | undefined): CallerResolution {
  if (apps.length === 0) return { ok: true, implicit: true };
  const app = apps.find((a) => aliasNameOf(a.name) === qualifier);
  if (app) return { ok: true, implicit: false, app };
  return {
    ok: false,
    message:
      `this function serves hosted apps through their own aliases (${apps.map((a) => aliasNameOf(a.name)).join(', ')}), ` +
      `and was invoked ${qualifier === undefined ? 'without one' : 'through another qualifier'}: invoke ` +
      "FUNCTION:app-<name>, your app's output IntakeFunctionName",
  };
}

/** Why `tenants add --app`/an import line's `app` cannot own this org id, or undefined (core of the CLI's check). */
export function appAssignmentProblem(apps: readonly HostedApp[], appName: string, orgId: string): string | undefined {
  const app = apps.find((a) => a.name === appName);
  if (!app) {
    const declared = apps.length > 0 ? apps.map((a) => a.name).join(', ') : 'none';
    return `is not a declared app (declared: ${declared})`;
  }
  if (namespaceOwner(apps, orgId)?.name === app.name) return undefined;
  return `${appName} does not own org id ${orgId}: ${namespaceText(apps, app)}`;
}

/** An app's namespace in words, for messages. */
export function namespaceText(apps: readonly HostedApp[], app: HostedApp): string {
  if (app.orgIdPrefix !== undefined) return `its org ids start with "${app.orgIdPrefix}"`;
  const others = apps.flatMap((a) => (a.orgIdPrefix === undefined ? [] : [`"${a.orgIdPrefix}"`]));
  return others.length > 0 ? `its org ids are those not starting with ${others.join(' or ')}` : 'it owns every org id';
}

/**
 * The org ids an app's reader grant covers, as `dynamodb:LeadingKeys` patterns: `StringLike "<prefix>*"` for an app
 * with a namespace; for the default app `StringNotLike` the other apps' (nothing to say when it is the only one).
 */
export function readerKeyPatterns(
  apps: readonly HostedApp[],
  app: HostedApp,
): { like: string[] } | { notLike: string[] } | undefined {
  if (app.orgIdPrefix !== undefined) return { like: [`${app.orgIdPrefix}*`] };
  const others = apps.flatMap((a) => (a.orgIdPrefix === undefined ? [] : [`${a.orgIdPrefix}*`]));
  return others.length > 0 ? { notLike: others } : undefined;
}
