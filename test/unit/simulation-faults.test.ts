// The simulation's fault seams: which org a token request is for is followed through every rotation; a crash after
// the answer dooms the environment for the armed org only and hands the refresher nothing; a killed environment
// sends nothing more.
import { describe, expect, it } from 'vitest';
import type { HttpOutcome, TokenEndpoint, TokenRequest } from '../../lambdas/core/ports.js';
import { type EnvironmentFaults, FaultyTokenEndpoint, noFaults, TokenOwners } from '../../ops/world/faults.js';

const request = (refreshToken: string): TokenRequest => ({
  url: 'http://127.0.0.1:1/oauth/token',
  headers: {},
  body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  grantType: 'refresh_token',
});

function endpoint(next: string) {
  let sent = 0;
  const inner: TokenEndpoint = {
    async send(): Promise<HttpOutcome> {
      sent++;
      return {
        kind: 'response',
        status: 200,
        retryAfter: undefined,
        contentType: 'application/json',
        body: JSON.stringify({ access_token: 'a', refresh_token: next, expires_in: 3600, token_type: 'Bearer' }),
      };
    },
  };
  return { inner, sent: () => sent };
}

describe('TokenOwners', () => {
  it('follows an org through rotations', () => {
    const owners = new TokenOwners();
    owners.set('rt-1', 'acme');
    owners.observe(request('rt-1').body, {
      kind: 'response',
      status: 200,
      retryAfter: undefined,
      contentType: 'application/json',
      body: '{"refresh_token":"rt-2"}',
    });
    expect(owners.ofRequestBody(request('rt-2').body)).toBe('acme');
    expect(owners.ofParams(new URLSearchParams({ refresh_token: 'unknown' }))).toBeUndefined();
  });
});

describe('FaultyTokenEndpoint', () => {
  function setup(crashFor: string) {
    const owners = new TokenOwners();
    owners.set('rt-acme', 'acme');
    owners.set('rt-globex', 'globex');
    const dooms: string[] = [];
    const faults: EnvironmentFaults = {
      frozen: false,
      switches: { ...noFaults(), crashAfterAnswer: (orgId) => orgId === crashFor },
      onDoom: (kind) => dooms.push(kind),
    };
    const e = endpoint('rt-next');
    return { faults, dooms, e, faulty: new FaultyTokenEndpoint(e.inner, faults, owners) };
  }
  const settled = async (p: Promise<unknown>) =>
    Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);

  it('a crash after the answer: the provider answered, the refresher never hears it, the environment is doomed', async () => {
    const { faulty, dooms } = setup('acme');
    expect(await settled(faulty.send(request('rt-acme'), 1000))).toBe(false);
    expect(dooms).toEqual(['crash']);
  });

  it('other orgs are answered normally', async () => {
    const { faulty, dooms } = setup('acme');
    await expect(faulty.send(request('rt-globex'), 1000)).resolves.toMatchObject({ status: 200 });
    expect(dooms).toEqual([]);
  });

  it('a killed environment sends nothing', async () => {
    const { faulty, faults, e } = setup('nobody');
    faults.frozen = true;
    expect(await settled(faulty.send(request('rt-acme'), 1000))).toBe(false);
    expect(e.sent()).toBe(0);
  });
});
