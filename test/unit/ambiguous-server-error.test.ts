// Issue 16, path 5, one org end to end over in-memory ports: a 500/502/504 answer to a sent refresh-token request
// puts the rotation at risk, so a following invalid_grant is ROTATION_LOST; 503/429/408 stay plainly transient.
import { describe, expect, it } from 'vitest';
import { OLD_RT, ok, refresherWorld, scope, status } from '../support/refresher-world.js';

const refresh = (w: ReturnType<typeof refresherWorld>) => w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

describe('Class: OrgRefresher — a 5xx after the refresh request was sent', () => {
  it.each([500, 502])('%i then invalid_grant in the quick retry → ROTATION_LOST and its event', async (code) => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(code), () => status(400, { error: 'invalid_grant' })];

    const outcome = await refresh(w);

    expect(outcome).toMatchObject({ result: 'failed', code: 'ROTATION_LOST', rotationLost: true, ambiguous: true });
    expect(w.endpoint.requests).toHaveLength(2);
    expect(w.record()).toMatchObject({ status: 'REAUTH_REQUIRED', statusReason: 'ROTATION_LOST' });
    expect(w.notifier.events.map((e) => e.type)).toEqual(['RotationLost']);
  });

  it('502 twice → released with rotationAtRisk (no third send), so the next invalid_grant is ROTATION_LOST', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(502)];

    expect(await refresh(w)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', failureClass: 'ambiguous' });
    expect(w.endpoint.requests).toHaveLength(2);
    expect(w.record()).toMatchObject({ status: 'ACTIVE', rotationAtRisk: true, refreshToken: OLD_RT, version: 8 });

    w.endpoint.script = [() => status(400, { error: 'invalid_grant' })];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 8 }, scope, true)).toMatchObject({
      code: 'ROTATION_LOST',
    });
  });

  it('504 → not retried in the run (the provider may still be processing it), released at risk', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(504), () => ok()];

    expect(await refresh(w)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', failureClass: 'ambiguous' });
    expect(w.endpoint.requests).toHaveLength(1);
    expect(w.record()).toMatchObject({ rotationAtRisk: true, refreshToken: OLD_RT });
  });

  it('502 once, then tokens (the provider never saw it): refreshed, the rotation no longer at risk', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(502), () => ok()];

    expect(await refresh(w)).toMatchObject({ result: 'refreshed' });
    expect(w.record().rotationAtRisk).toBeUndefined();
  });

  it.each([503, 429, 408])(
    '%i then invalid_grant → INVALID_GRANT: the refresh was refused, nothing at risk',
    async (code) => {
      const w = refresherWorld();
      w.seed();
      w.endpoint.script = [() => status(code), () => status(400, { error: 'invalid_grant' })];

      expect(await refresh(w)).toMatchObject({ code: 'INVALID_GRANT', rotationLost: false });
      expect(w.notifier.events.map((e) => e.type)).toEqual(['ReauthRequired']);
    },
  );

  it('a client_credentials org: a 502 is retried like any transient failure (no refresh token to lose)', async () => {
    const w = refresherWorld();
    w.seed('org-1', { grantType: 'client_credentials', refreshToken: undefined });
    w.endpoint.script = [() => status(502)];

    expect(await refresh(w)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', failureClass: 'transient' });
    expect(w.endpoint.requests).toHaveLength(3);
    expect(w.record().rotationAtRisk).toBeUndefined();
  });
});
