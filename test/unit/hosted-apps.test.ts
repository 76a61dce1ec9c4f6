// The rules of several hosted apps in one deployment (lambdas/core/hosted-apps.ts): declarations refused at synth
// and cold start, which app a Lambda alias names, which app owns an org id or a record, what an app may bind. One row
// per case, and properties over generated namespaces and org ids.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aliasNameOf,
  appAssignmentProblem,
  appGrantProblems,
  clientGranted,
  type HostedApp,
  hostCovered,
  mayActOn,
  namespaceOwner,
  parseHostedApps,
  readerKeyPatterns,
  recordOwner,
  resolveCaller,
} from '../../lambdas/core/hosted-apps.js';
import { ORG_ID_PATTERN } from '../../lambdas/core/record.js';
import { invokedQualifier, loadHostedApps } from '../../lambdas/hosted-app-caller.js';

const app = (name: string, orgIdPrefix?: string, extra: Partial<HostedApp> = {}): HostedApp => ({
  name,
  ...(orgIdPrefix !== undefined ? { orgIdPrefix } : {}),
  clientSecretIds: [],
  tokenHosts: [],
  ...extra,
});
const GENESYS = app('genesys', 'gc-', { clientSecretIds: ['tenant-tokens/genesys'] });
const ZENDESK = app('zendesk', 'zd-', { tokenHosts: ['idp.zendesk-like.example'] });
const BOT = app('bot');
const APPS = [GENESYS, ZENDESK, BOT];

describe('Function: parseHostedApps', () => {
  it('accepts apps with disjoint namespaces and one default app, filling empty grants', () => {
    const parsed = parseHostedApps([{ name: 'genesys', orgIdPrefix: 'gc-' }, { name: 'bot' }]);
    expect(parsed).toEqual({
      ok: true,
      apps: [
        { name: 'genesys', orgIdPrefix: 'gc-', clientSecretIds: [], tokenHosts: [] },
        { name: 'bot', clientSecretIds: [], tokenHosts: [] },
      ],
    });
  });

  it.each([
    [
      'two apps with one name',
      [
        { name: 'a', orgIdPrefix: 'a-' },
        { name: 'a', orgIdPrefix: 'b-' },
      ],
      /declared twice/,
    ],
    [
      'a prefix of another app’s prefix',
      [
        { name: 'a', orgIdPrefix: 'acme' },
        { name: 'b', orgIdPrefix: 'acme-' },
      ],
      /overlapping/,
    ],
    [
      'two apps with the same prefix',
      [
        { name: 'a', orgIdPrefix: 'x' },
        { name: 'b', orgIdPrefix: 'x' },
      ],
      /overlapping/,
    ],
    [
      'a prefix of another app’s prefix, declared the other way round',
      [
        { name: 'b', orgIdPrefix: 'acme-' },
        { name: 'a', orgIdPrefix: 'acme' },
      ],
      /apps b \("acme-"\) and a \("acme"\) have overlapping/,
    ],
    ['two default apps', [{ name: 'a' }, { name: 'b' }], /apps a, b have no orgIdPrefix: at most one app/],
    ['an app without a name, by its place', [{ name: 'a', orgIdPrefix: 'a-' }, { orgIdPrefix: 'b-' }], /^app #2 name /],
    ['a prefix that is no org id start', [{ name: 'a', orgIdPrefix: '-a' }], /app a orgIdPrefix must be a valid start/],
    ['an IAM wildcard in a prefix', [{ name: 'a', orgIdPrefix: 'a*' }], /orgIdPrefix must be a valid start/],
    ['an empty prefix', [{ name: 'a', orgIdPrefix: '' }], /orgIdPrefix must be a valid start/],
    ['an upper-case name', [{ name: 'Genesys' }], /app Genesys name must be 1-32 characters/],
    ['a name too long for outputs', [{ name: 'a'.repeat(33) }], /name must be 1-32/],
    ['a name that could collide in output ids', [{ name: 'a-1b' }], /name must be/],
    ['an unknown field (a typo)', [{ name: 'a', orgIdPrefx: 'a-' }], /unknown field/],
    [
      'a token host that is a URL',
      [{ name: 'a', tokenHosts: ['https://idp.example.com'] }],
      /tokenHosts.0 must be host/,
    ],
    ['not a list', { name: 'a' }, /apps must be a list/],
  ])('refuses %s', (_what, raw, message) => {
    const parsed = parseHostedApps(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.join('; ')).toMatch(message);
  });

  it('accepts the default app declared before the namespaced ones', () => {
    expect(parseHostedApps([{ name: 'bot' }, { name: 'genesys', orgIdPrefix: 'gc-' }]).ok).toBe(true);
  });

  it('property: any accepted declaration gives every valid org id at most one owner', () => {
    const prefix = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,4}$/);
    fc.assert(
      fc.property(
        fc.array(prefix, { maxLength: 5 }),
        fc.boolean(),
        fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9._:@-]{0,12}$/), { minLength: 1, maxLength: 20 }),
        (prefixes, withDefault, orgIds) => {
          const raw = [
            ...prefixes.map((p, i) => ({ name: `app${i}`, orgIdPrefix: p })),
            ...(withDefault ? [{ name: 'fallback' }] : []),
          ];
          const parsed = parseHostedApps(raw);
          if (!parsed.ok) return;
          for (const orgId of orgIds) {
            if (!ORG_ID_PATTERN.test(orgId)) continue;
            const owners = parsed.apps.filter((a) => mayActOn(parsed.apps, a, orgId, undefined));
            expect(owners.length).toBeLessThanOrEqual(1);
            if (withDefault) expect(owners).toHaveLength(1);
          }
        },
      ),
    );
  });
});

describe('Function: appGrantProblems', () => {
  it('requires shared clients under the secret prefix and token hosts on ALLOWED_TOKEN_HOSTS', () => {
    const apps = [
      app('a', 'a-', {
        clientSecretIds: ['tenant-tokens/a', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenant-tokens/b-x'],
        tokenHosts: ['idp.example.com', 'login.other.example'],
      }),
      app('b', 'b-', { clientSecretIds: ['admin/root'] }),
    ];
    expect(appGrantProblems(apps, { secretPrefix: 'tenant-tokens/', allowedTokenHosts: ['*.example.com'] })).toEqual([
      'app a tokenHosts login.other.example is not on ALLOWED_TOKEN_HOSTS',
      'app b clientSecretIds admin/root is not under the secret prefix tenant-tokens/',
    ]);
  });

  it.each([
    ['idp.example.com', ['idp.example.com'], true],
    ['idp.example.com', ['*.example.com'], true],
    ['*.a.example.com', ['*.example.com'], true],
    ['*.example.com', ['*.example.com'], true],
    ['example.com', ['*.example.com'], false],
    ['*.example.com', ['idp.example.com'], false],
    ['idp.evil-example.com', ['*.example.com'], false],
    ['127.0.0.1:4000', ['127.0.0.1:4000'], true],
    // An exact entry covers that host only, never its subdomains.
    ['a.idp.example.com', ['idp.example.com'], false],
    // Any entry of the list may cover it, not every one; case does not matter.
    ['idp.example.com', ['login.other.example', 'idp.example.com'], true],
    ['IDP.Example.COM', ['*.example.COM'], true],
    ['x.example.com.evil.net', ['*.example.com'], false],
  ])('hostCovered(%s, %j) is %s', (entry, list, covered) => {
    expect(hostCovered(entry, list)).toBe(covered);
  });
});

describe('Function: appGrantProblems — what a secret id is', () => {
  it('reads the name out of a Secrets Manager ARN only when the id is one (an ARN inside a name is a name)', () => {
    const apps = [
      app('a', 'a-', {
        clientSecretIds: ['evil/arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenant-tokens/a'],
      }),
    ];
    expect(appGrantProblems(apps, { secretPrefix: 'tenant-tokens/', allowedTokenHosts: [] })).toHaveLength(1);
  });
});

describe('Function: resolveCaller (identity from the invoked alias)', () => {
  it.each([
    ['no apps declared, unqualified', [], undefined, { ok: true, implicit: true }],
    ['no apps declared, any qualifier', [], 'app-x', { ok: true, implicit: true }],
    ['an app’s own alias', APPS, 'app-zendesk', { ok: true, implicit: false, app: ZENDESK }],
    ['the default app’s alias', APPS, 'app-bot', { ok: true, implicit: false, app: BOT }],
  ])('%s', (_what, apps, qualifier, expected) => {
    expect(resolveCaller(apps as HostedApp[], qualifier)).toEqual(expected);
  });

  it.each([
    ['unqualified', undefined],
    ['$LATEST', '$LATEST'],
    ['a version', '3'],
    ['an app’s name without the alias form', 'zendesk'],
    ['an alias no app owns', 'app-other'],
  ])('with apps declared, refuses a call that is %s (never a default)', (_what, qualifier) => {
    const caller = resolveCaller(APPS, qualifier);
    expect(caller.ok).toBe(false);
    expect(!caller.ok && caller.message).toMatch(/app-genesys, app-zendesk, app-bot/);
  });

  it.each([
    ['arn:aws:lambda:eu-west-1:123456789012:function:intake:app-acme', 'app-acme'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:intake', undefined],
    ['arn:aws:lambda:eu-west-1:123456789012:function:intake:7', '7'],
    ['', undefined],
    ['arn:aws:lambda:eu-west-1:123456789012:layer:x:1', undefined],
  ])('reads the qualifier of %j', (arn, qualifier) => {
    expect(invokedQualifier(arn)).toBe(qualifier);
    expect(aliasNameOf('acme')).toBe('app-acme');
  });
});

describe('Function: ownership (namespaceOwner, recordOwner, mayActOn)', () => {
  it.each([
    ['gc-acme', 'genesys'],
    ['zd-acme', 'zendesk'],
    ['acme', 'bot'],
    ['gc', 'bot'],
    ['GC-acme', 'bot'],
  ])('org %s is in the namespace of %s', (orgId, owner) => {
    expect(namespaceOwner(APPS, orgId)?.name).toBe(owner);
  });

  it('without a default app, ids outside every prefix belong to no app', () => {
    expect(namespaceOwner([GENESYS, ZENDESK], 'acme')).toBeUndefined();
    expect(mayActOn([GENESYS, ZENDESK], GENESYS, 'acme', undefined)).toBe(false);
  });

  it.each([
    ['its own namespace, no record yet', GENESYS, 'gc-acme', undefined, true],
    ['its own namespace, a record naming it', GENESYS, 'gc-acme', { app: 'genesys' }, true],
    ['its own namespace, a record from before apps', GENESYS, 'gc-acme', {}, true],
    ['its own namespace, a record naming another app', GENESYS, 'gc-acme', { app: 'zendesk' }, false],
    ['another app’s namespace, no record', GENESYS, 'zd-acme', undefined, false],
    ['another app’s namespace, a record naming the caller', GENESYS, 'zd-acme', { app: 'genesys' }, false],
    ['the default app on a prefixed id', BOT, 'gc-acme', undefined, false],
    ['the default app on its own id', BOT, 'acme', { app: 'bot' }, true],
    ['the default app on a record from before apps', BOT, 'acme', {}, true],
  ])('%s: %s', (_what, caller, orgId, record, allowed) => {
    expect(mayActOn(APPS, caller, orgId, record as Record<string, unknown> | undefined)).toBe(allowed);
  });

  it('a record’s own app attribute wins over the namespace', () => {
    expect(recordOwner(APPS, 'gc-acme', 'zendesk')).toBe('zendesk');
    expect(recordOwner(APPS, 'gc-acme', undefined)).toBe('genesys');
  });

  it('grants a shared client by its exact secret id only', () => {
    expect(clientGranted(GENESYS, 'tenant-tokens/genesys')).toBe(true);
    expect(clientGranted(GENESYS, 'tenant-tokens/genesys-admin')).toBe(false);
    expect(clientGranted(ZENDESK, 'tenant-tokens/genesys')).toBe(false);
  });
});

describe('Function: appAssignmentProblem (the CLI’s --app and an import line’s app)', () => {
  it.each([
    ['genesys', 'gc-acme', undefined],
    ['bot', 'acme', undefined],
    ['genesys', 'acme', /genesys does not own org id acme: its org ids start with "gc-"/],
    ['bot', 'zd-acme', /its org ids are those not starting with "gc-" or "zd-"/],
    ['other', 'acme', /is not a declared app \(declared: genesys, zendesk, bot\)/],
  ])('--app %s for org %s', (appName, orgId, problem) => {
    const found = appAssignmentProblem(APPS, appName, orgId);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

describe('Function: readerKeyPatterns (the reader grant’s dynamodb:LeadingKeys)', () => {
  it('a namespaced app reads its prefix; the default app everything but the others’ prefixes', () => {
    expect(readerKeyPatterns(APPS, GENESYS)).toEqual({ like: ['gc-*'] });
    expect(readerKeyPatterns(APPS, BOT)).toEqual({ notLike: ['gc-*', 'zd-*'] });
    expect(readerKeyPatterns([BOT], BOT)).toBeUndefined();
  });
});

describe('Function: loadHostedApps (HOSTED_APPS at cold start)', () => {
  it('reads the declared apps, or none when the variable is absent', () => {
    expect(loadHostedApps({})).toEqual([]);
    expect(loadHostedApps({ HOSTED_APPS: JSON.stringify([{ name: 'bot' }]) })).toEqual([BOT]);
  });

  it('refuses to start on bad JSON or bad declarations, naming the variable (CONFIG_INVALID)', () => {
    expect(() => loadHostedApps({ HOSTED_APPS: '[{' })).toThrow(/HOSTED_APPS is not valid JSON/);
    expect(() => loadHostedApps({ HOSTED_APPS: '[{"name":"a"},{"name":"b"}]' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/HOSTED_APPS: .*at most one/) }),
    );
  });
});
