import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../lambdas/core/record.js';
import { MAX_DIRECT_ORGS, parseEvent } from '../../lambdas/refresher/event.js';

const valid = {
  orgId: 'org-1',
  provider: 'genesys',
  region: 'eu-west-1',
  grantType: 'refresh_token',
  clientSecretId: 'tenant-tokens/acme',
  refreshToken: 'rt-secret-value',
  status: 'ACTIVE',
  version: 0,
};

describe('Function: parseRecord', () => {
  it('accepts a complete record and defaults consecutiveFailures to 0', () => {
    const r = parseRecord(valid);
    expect(r.ok && r.record.consecutiveFailures).toBe(0);
  });

  it.each([
    [{ orgId: '' }, 'orgId must be 1-128 characters'],
    [{ orgId: 'a b' }, 'orgId must be'],
    [{ orgId: 'x'.repeat(129) }, 'orgId must be'],
    [{ orgId: '../etc' }, 'orgId must be'],
    [{ provider: 'okta' }, 'provider must be one of genesys, zendesk, generic'],
    [{ grantType: 'password' }, 'grantType must be one of refresh_token, client_credentials'],
    [{ region: 'mars-1' }, 'region is not a Genesys Cloud region'],
    [{ region: undefined }, 'region is required for provider genesys'],
    [{ provider: 'zendesk', region: undefined }, 'subdomain is required for provider zendesk'],
    [{ provider: 'generic', region: undefined }, 'tokenUrl is required for provider generic'],
    [{ orgParam: 'organization_id' }, 'orgParam is not used by provider genesys'],
    [{ refreshToken: undefined }, 'refreshToken is required for an ACTIVE refresh_token org'],
    [{ refreshToken: 42 }, 'refreshToken must be a string'],
    [{ refreshToken: 'x'.repeat(20_000) }, 'refreshToken is too long'],
    [{ status: 'PAUSED' }, 'status must be ACTIVE, REAUTH_REQUIRED, DISABLED or REMOVED'],
    [{ version: -1 }, 'version'],
    [{ version: '3' }, 'version must be a whole number'],
    [{ clientSecretId: 'has spaces' }, 'clientSecretId must be a Secrets Manager secret name or ARN'],
    [{ scope: 'openid\nevil' }, 'scope must be printable ASCII'],
    [{ expiresAt: 'soon' }, 'expiresAt must be a number'],
    [{ refreshTokenExpiresAt: 'next week' }, 'refreshTokenExpiresAt must be a number'],
    [{ refreshTokenExpiresAt: -1 }, 'refreshTokenExpiresAt must not be negative'],
    [{ clientSecretId: undefined }, 'clientSecretId is required, or the org'],
    [{ clientId: 'own-client' }, 'clientId and clientSecretId are two ways'],
    [{ clientSecretId: undefined, clientId: 'own-client' }, 'clientSecret is required with clientId'],
    [{ clientSecret: 'own-secret-value' }, 'clientId is required with clientSecret'],
    [{ clientSecretId: undefined, clientId: 'c', clientSecret: 'has space' }, 'clientSecret must be printable'],
    [{ clientSecretId: undefined, clientId: 'c', clientSecret: 'x'.repeat(4097) }, 'clientSecret is too long'],
    [{ requestedExpiresIn: 3600 }, 'requestedExpiresIn is not supported by provider genesys'],
    [{ requestedExpiresIn: -5 }, 'requestedExpiresIn must be a positive number of seconds'],
    [
      { provider: 'zendesk', region: undefined, subdomain: 'acme', requestedRefreshTokenExpiresIn: 60 },
      'requestedRefreshTokenExpiresIn must be 604800-7776000 seconds for provider zendesk',
    ],
    [{ region: 'eusc-de-east-2' }, 'region is not a Genesys Cloud region'],
  ])('%j → %s', (change, message) => {
    const r = parseRecord({ ...valid, ...change });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
  });

  it("accepts an org with its own client in the record, a refresh-token expiry and Zendesk's lifetimes", () => {
    const own = { clientSecretId: undefined, clientId: 'own-client', clientSecret: 'own-secret-value' };
    expect(parseRecord({ ...valid, ...own, refreshTokenExpiresAt: 1 }).ok).toBe(true);
    const zendesk = { provider: 'zendesk', region: undefined, subdomain: 'acme' };
    expect(
      parseRecord({ ...valid, ...zendesk, requestedExpiresIn: 600, requestedRefreshTokenExpiresIn: 604_800 }).ok,
    ).toBe(true);
    expect(parseRecord({ ...valid, region: 'eusc-de-east-1' }).ok).toBe(true);
  });

  it('never echoes the client secret in its message', () => {
    const r = parseRecord({
      ...valid,
      clientSecretId: undefined,
      clientId: 'c',
      clientSecret: 'secret with spaces 42',
    });
    expect(!r.ok && r.message).not.toContain('secret with spaces 42');
  });

  it('never echoes a field value in its message (a value may be a token)', () => {
    const r = parseRecord({ ...valid, refreshToken: 12345, accessToken: ['tok-visible-123'] });
    expect(!r.ok && r.message).not.toContain('tok-visible-123');
    expect(!r.ok && r.message).not.toContain('12345');
  });
});

describe('Function: parseEvent', () => {
  it.each([
    [{ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, { kind: 'sweep' }],
    [{ sweep: true }, { kind: 'sweep' }],
    [{ orgIds: ['a', 'b'] }, { kind: 'direct', orgIds: ['a', 'b'] }],
  ])('%j → %j', (event, expected) => {
    expect(parseEvent(event)).toEqual({ ok: true, event: expected });
  });

  it.each([
    [null, 'event is not a JSON object'],
    ['sweep', 'event is not a JSON object'],
    [[1], 'event is not a JSON object'],
    [{}, 'unrecognised event'],
    [{ key1: 'value1' }, 'unrecognised event'],
    [{ orgIds: 'org-1' }, 'orgIds must be an array of org ids'],
    [{ orgIds: [] }, 'orgIds must name at least one org'],
    [{ orgIds: ['ok', 'bad id'] }, 'orgIds.1 must be'],
    [{ orgIds: Array.from({ length: MAX_DIRECT_ORGS + 1 }, (_, i) => `o${i}`) }, 'at most 1000'],
    [{ orgIds: ['a'], force: true }, 'has unknown field: force'],
  ])('%j → INVALID_EVENT: %s', (event, message) => {
    const r = parseEvent(event);
    expect(r).toMatchObject({ ok: false, code: 'INVALID_EVENT' });
    expect(!r.ok && r.message).toContain(message);
  });
});

describe("Function: parseEvent — the operator's removal", () => {
  it('takes {"remove": {"orgId"}} and nothing more', () => {
    expect(parseEvent({ remove: { orgId: 'org-1' } })).toEqual({ ok: true, event: { kind: 'remove', orgId: 'org-1' } });
  });

  it.each([
    [{ remove: {} }, 'remove.orgId'],
    [{ remove: { orgId: 'bad id' } }, 'remove.orgId must be'],
    [{ remove: 'org-1' }, 'must be {"orgId": "<org id>"}'],
    [{ remove: { orgId: 'org-1', refreshToken: 'x' } }, 'refreshToken'],
    [{ remove: { orgId: 'org-1' }, orgIds: ['org-2'] }, 'orgIds'],
  ])('refuses %j, naming the field (%s)', (event, message) => {
    const r = parseEvent(event);
    expect(r).toMatchObject({ ok: false, code: 'INVALID_EVENT' });
    expect(!r.ok && r.message).toContain(message);
  });
});

describe('Function: parseEvent — fan-out events', () => {
  const worker = (sweep: Record<string, unknown>) => ({
    sweep: { shards: [0, 5], tick: 't-1', hostShare: 4, ...sweep },
  });

  it('accepts the planner’s tick and a sweep worker’s event', () => {
    expect(parseEvent({ plan: {} })).toEqual({ ok: true, event: { kind: 'plan' } });
    expect(parseEvent(worker({}), { shardCount: 8 })).toEqual({
      ok: true,
      event: { kind: 'shards', shards: [0, 5], tick: 't-1', hostShare: 4 },
    });
  });

  it.each([
    [{ plan: { maxSweeps: 9 } }, 'plan has unknown field: maxSweeps'],
    [{ plan: {}, sweep: true }, 'has unknown field: sweep'],
    [{ sweep: 'yes' }, 'sweep must be true (a full sweep) or {"shards"'],
    [worker({ shards: [] }), 'sweep.shards must name at least one shard'],
    [worker({ shards: 3 }), 'sweep.shards must be an array of shard numbers'],
    [worker({ shards: [1, 1] }), 'sweep.shards must not name a shard twice'],
    [worker({ shards: [-1] }), 'sweep.shards.0 must not be negative'],
    [worker({ shards: [1.5] }), 'sweep.shards.0 must be whole shard numbers'],
    [worker({ shards: [64] }), 'sweep.shards.0 must be below 64'],
    [worker({ tick: '' }), 'sweep.tick must be 1-128 of'],
    [worker({ tick: 'a b' }), 'sweep.tick must be 1-128 of'],
    [worker({ hostShare: 0 }), 'sweep.hostShare must be at least 1'],
    [worker({ hostShare: undefined }), 'sweep.hostShare must be a whole number'],
    [worker({ extra: 1 }), 'sweep has unknown field: extra'],
    [worker({ shards: [2, 9] }), 'sweep.shards names 9, not below SHARD_COUNT (8)'],
  ])('%j → INVALID_EVENT: %s', (event, message) => {
    const r = parseEvent(event, { shardCount: 8 });
    expect(r).toMatchObject({ ok: false, code: 'INVALID_EVENT' });
    expect(!r.ok && r.message).toContain(message);
  });
});
