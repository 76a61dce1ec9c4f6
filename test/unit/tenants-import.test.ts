// `tenants import`'s plan (cli/commands/import.ts): every line judged before anything is written.
import { describe, expect, it } from 'vitest';
import { planImport } from '../../cli/commands/import.js';

const org = (orgId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    orgId,
    provider: 'zendesk',
    subdomain: 'acme',
    grantType: 'refresh_token',
    clientSecretId: 'tenant-tokens/zendesk-app',
    refreshToken: `rt-${orgId}-0123456789`,
    ...extra,
  });

describe('Function: planImport', () => {
  it('keeps the valid lines in order, with their line numbers, skipping blank lines', () => {
    const plan = planImport([org('a'), '', '   ', org('b'), ''].join('\n'), {});
    expect(plan).toMatchObject({ lines: 2, invalidLines: 0, problems: [] });
    expect(plan.valid.map((v) => [v.line, v.org.settings.orgId])).toEqual([
      [1, 'a'],
      [4, 'b'],
    ]);
  });

  it('reports every problem of every bad line, and the batch goes on past them', () => {
    const plan = planImport(
      [
        org('a', { requestedExpiresIn: 60 }),
        org('b', { refreshToken: undefined }),
        org('c'),
        org('d', { requestedRefreshTokenExpiresIn: 'forever', subdomain: 'Not A Label' }),
      ].join('\r\n'),
      {},
    );
    expect(plan.valid.map((v) => v.org.settings.orgId)).toEqual(['c']);
    expect(plan.invalidLines).toBe(3);
    expect(plan.problems.map((p) => [p.line, p.field])).toEqual([
      [1, 'requestedExpiresIn'],
      [2, 'refreshToken'],
      [4, 'subdomain'],
      [4, 'requestedRefreshTokenExpiresIn'],
    ]);
    expect(plan.problems[1]?.message).toMatch(/re-authorise/);
  });

  it('refuses a second line for the same org, naming the first', () => {
    const plan = planImport([org('dup'), org('other'), org('dup')].join('\n'), {});
    expect(plan.problems).toEqual([{ line: 3, field: 'orgId', message: 'is the org of line 1 too' }]);
  });

  it("checks a generic org's token URL against ALLOWED_TOKEN_HOSTS, as the refresher will", () => {
    const generic = JSON.stringify({
      orgId: 'g',
      provider: 'generic',
      tokenUrl: 'https://evil.example.net/token',
      grantType: 'client_credentials',
      clientSecretId: 's',
    });
    const plan = planImport(generic, { ALLOWED_TOKEN_HOSTS: 'idp.example.com' });
    expect(plan.problems[0]).toMatchObject({ line: 1, field: 'tokenUrl' });
    expect(plan.problems[0]?.message).toMatch(/not on the generic allow-list/);
  });

  it('never quotes a line that is not JSON (it may hold a secret)', () => {
    const plan = planImport('{"clientSecret": "cs-0123456789-NEVER", oops}', {});
    expect(JSON.stringify(plan)).not.toContain('cs-0123456789-NEVER');
    expect(plan.problems[0]).toMatchObject({ line: 1, field: 'line' });
  });
});

describe('Function: planImport — a line’s hosted app', () => {
  const apps = [
    { name: 'zendesk', orgIdPrefix: 'zd-', clientSecretIds: [], tokenHosts: [] },
    { name: 'bot', clientSecretIds: [], tokenHosts: [] },
  ];

  it('keeps a valid app with the org, and checks it against the declared apps’ namespaces when given', () => {
    const text = [org('zd-a', { app: 'zendesk' }), org('b', { app: 'bot' }), org('c')].join('\n');
    const plan = planImport(text, {}, apps);
    expect(plan.problems).toEqual([]);
    expect(plan.valid.map((v) => [v.org.settings.orgId, v.org.app])).toEqual([
      ['zd-a', 'zendesk'],
      ['b', 'bot'],
      ['c', undefined],
    ]);
  });

  it.each([
    ['an org outside the app’s namespace', org('acme', { app: 'zendesk' }), apps, /zendesk does not own org id acme/],
    ['the default app on another app’s id', org('zd-x', { app: 'bot' }), apps, /not starting with "zd-"/],
    ['an app not declared', org('zd-y', { app: 'genesys' }), apps, /is not a declared app \(declared: zendesk, bot\)/],
    ['a name that is no app name', org('zd-z', { app: 'Zendesk App' }), undefined, /app must be 1-32 characters/],
    ['an app that is not a string', org('zd-w', { app: 7 }), undefined, /app must be/],
  ])('refuses %s, naming the field and the line', (_what, line, declared, message) => {
    const plan = planImport(line, {}, declared);
    expect(plan.valid).toEqual([]);
    expect(plan.problems).toHaveLength(1);
    expect(plan.problems[0]).toMatchObject({ line: 1, field: 'app' });
    expect(`${plan.problems[0]?.field} ${plan.problems[0]?.message}`).toMatch(message);
  });
});
